"""Plain text and Markdown-ish reports (web copies, conversions): paragraphs, pipe tables, [n] notes.

Many archived reports arrive as text that went through a converter: ``**bold**`` markers, pipe
tables (a table split across pages shows its header twice), footnotes moved to the end as
``[n] ...`` lines. The emphasis markers are dropped from the canonical text; tables become
real tables so their cells keep their row and column.
"""

from __future__ import annotations

import re
from pathlib import Path

from parsers.base import Limits
from parsers.builder import CellIn, DocumentBuilder
from parsers.encoding import charset_warning, decode_document
from parsers.errors import EmptyFileError, ResourceLimitError
from parsers.outline import marker_of
from schemas.document import BlockKind, Document, Location, Source

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# a |---|:--:| rule: pipes, dashes, colons and spaces only, a pipe and a "--" in it (written
# with lookaheads and one character class: no two quantifiers compete for the same spaces)
_TABLE_RULE = re.compile(r"^(?=[^|]*\|)(?=.*?--)[\s|:-]+$")
_NOTE = re.compile(r"^\[(\d{1,3})\]\s+(.*)$")


def strip_emphasis(text: str) -> str:
    """Drop Markdown emphasis markers, keeping their content.

    >>> strip_emphasis("đạt **96,9%** (*nếu có*)")
    'đạt 96,9% (nếu có)'
    """
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def read_text(path: Path, source: Source, limits: Limits) -> Document:
    """Read a text or Markdown file into a Document (``Location.line`` is 1-based)."""
    text, encoding, legacy = decode_document(path.read_bytes(), path=str(path))
    builder = DocumentBuilder(source)
    for warning in (charset_warning(None, encoding), legacy):
        if warning:
            builder.warn(warning)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise EmptyFileError("the file has no text", path=str(path))
    wrapped = _hard_wrapped(lines)
    i = 0
    while i < len(lines):
        if _TABLE_ROW.match(lines[i]):
            i = _read_table(lines, i, builder, limits, path)
        elif lines[i].strip():
            i = _read_paragraph(lines, i, builder) if wrapped else _add_line(lines, i, builder)
        else:
            i += 1
    return builder.build()


def _hard_wrapped(lines: list[str]) -> bool:
    """Text wrapped at a fixed width (paragraphs span lines) rather than one line a paragraph."""
    lengths = [len(line) for line in lines if line.strip() and not _TABLE_ROW.match(line)]
    if len(lengths) < 5 or max(lengths) > 110:
        return False
    return sum(50 <= n <= 100 for n in lengths) / len(lengths) > 0.6


def _add_line(lines: list[str], i: int, builder: DocumentBuilder) -> int:
    _add(lines[i], i + 1, builder)
    return i + 1


def _starts_block(line: str) -> bool:
    return bool(_ATX.match(line) or _NOTE.match(line) or marker_of(line.strip())
                or _TABLE_ROW.match(line))


def _read_paragraph(lines: list[str], i: int, builder: DocumentBuilder) -> int:
    """A run of non-blank lines; a numbered, bulleted or note line starts a new block."""
    start = i
    parts = [lines[i]]
    i += 1
    while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
        parts.append(lines[i])
        i += 1
    _add(" ".join(parts), start + 1, builder)
    return i


def _add(raw: str, line_no: int, builder: DocumentBuilder) -> None:
    text = strip_emphasis(raw.strip())
    location = Location(line=line_no)
    atx = _ATX.match(text)
    note = _NOTE.match(text)
    if atx:
        builder.add_block(atx.group(2), location, BlockKind.heading, level=len(atx.group(1)))
    elif note:
        builder.add_footnote(note.group(1), note.group(2), location)
    else:
        builder.add_block(text, location)


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [strip_emphasis(c.strip()) for c in re.split(r"(?<!\\)\|", inner)]


def _read_table(lines: list[str], i: int, builder: DocumentBuilder, limits: Limits,
                path: Path) -> int:
    """A pipe table; rows above the ``|---|`` rule and blank-led rows right under it are header."""
    start = i
    rows: list[list[str]] = []
    line_of: list[int] = []
    rule_at: int | None = None
    n_cols = 0
    while i < len(lines) and _TABLE_ROW.match(lines[i]):
        if _TABLE_RULE.match(lines[i]) and rule_at is None:
            rule_at = len(rows)
        else:
            rows.append(_split_row(lines[i]))
            line_of.append(i + 1)
            n_cols = max(n_cols, len(rows[-1]))
            if len(rows) * n_cols > limits.max_table_cells:  # checked as it grows: bounded memory
                raise ResourceLimitError(f"a table of over {len(rows)} x {n_cols} cells, over the "
                                         f"{limits.max_table_cells:,}-cell limit", path=str(path))
        i += 1
    header = rule_at or 0
    while header and header < len(rows) and rows[header] and not rows[header][0] \
            and any(rows[header]):
        header += 1  # sub-header rows such as "| | | Tính đến tháng 5/2024 |"
    cells = [CellIn(r, c, text, location=Location(line=line_of[r]))
             for r, row in enumerate(rows) for c, text in enumerate(row)]
    builder.add_table(cells, Location(line=start + 1), header_rows=header)
    return i
