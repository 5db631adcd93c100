"""Plain text and Markdown-ish reports (web copies, conversions): paragraphs, pipe tables, [n] notes.

Many archived reports arrive as text that went through a converter: ``**bold**`` markers, pipe
tables (a table split across pages shows its header twice), footnotes moved to the end as
``[n] ...`` lines. The emphasis markers are dropped from the canonical text; tables become
real tables so their cells keep their row and column.
"""

from __future__ import annotations

import re
from pathlib import Path

from baocao.parsers.base import Limits
from baocao.parsers.builder import CellIn, DocumentBuilder
from baocao.parsers.encoding import charset_warning, decode_document
from baocao.parsers.errors import EmptyFileError, ResourceLimitError
from baocao.parsers.grid import RawCell, is_figure, recover
from baocao.parsers.outline import marker_of
from baocao.schemas.document import BlockKind, Document, Location, Source

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# a |---|:--:| rule: pipes, dashes, colons and spaces only, a pipe and a "--" in it (written
# with lookaheads and one character class: no two quantifiers compete for the same spaces)
_TABLE_RULE = re.compile(r"^(?=[^|]*\|)(?=.*?--)[\s|:-]+$")
_NOTE = re.compile(r"^\[(\d{1,3})\]\s+(.*)$")
_NOTE_ITEM = re.compile(r"^(?:\((?:[ivxlc]{1,5}|\d{1,2}|[a-zđ])\)|[a-zđ]\)|[-+–])\s")   # "(ii) ", "a) ", "- "
_ENUMERATOR = re.compile(r"^\((?:\d{1,2}|[ivxlc]{1,5})\)\s")                   # "(1) ", "(ii) " opening a line
_BARE_PIPE = re.compile(r"^\s*\|\s*$")
_RULE = re.compile(r"^\s*[-_=]{3,}\s*$")                 # "-------" under a header's names
_OPEN_END = re.compile(r"[,(]\s*$")                     # "..., " or "(": the sentence goes on
_SENTENCE_END = re.compile(r"(?:[.:;!?]|\./\.)[*_)\]\s]*$")
_STRAY_STARS = re.compile(r"\*+(?=\w)|(?<=\w)\*+|\*{2,}")
_CELL_MAX_LINES = 8
_CELL_MAX_CHARS = 600


def strip_emphasis(text: str) -> str:
    """Drop Markdown emphasis markers, keeping their content.

    >>> strip_emphasis("đạt **96,9%** (*nếu có*)")
    'đạt 96,9% (nếu có)'
    """
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    return " ".join(_STRAY_STARS.sub("", text).split()) if "*" in text else text


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
    regions = [r for kind, a, b in _regions(lines)
               for r in (_paragraph_tables(lines, a, b) if kind == "lines" else [(kind, a, b)])]
    width = wrap_width([line for kind, a, b in regions if kind == "lines" for line in lines[a:b]])
    for kind, start, end in regions:
        if kind == "cells":
            _read_cells(lines, start, end, builder, limits, path)
        elif kind == "paragraph cells":
            _read_paragraph_table(lines, start, end, builder)
        else:
            _read_lines(lines, start, end, builder, limits, path, width)
    return builder.build()


def _read_lines(lines: list[str], start: int, end: int, builder: DocumentBuilder,
                limits: Limits, path: Path, width: int | None) -> None:
    i = start
    while i < end:
        if _TABLE_ROW.match(lines[i]):
            i = _read_table(lines, i, builder, limits, path, end)
        elif lines[i].strip() and not _RULE.match(lines[i]):
            i = _read_paragraph(lines, i, builder, width, end) if width else _add_line(lines, i, builder)
        else:
            i += 1


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None when lines are paragraphs.

    A wrapped text has many lines just under one width (the wrap column); a few longer lines
    (a footer, a URL) do not change that.
    """
    lengths = sorted(len(line.rstrip()) for line in lines
                     if line.strip() and not _BARE_PIPE.match(line) and not _TABLE_ROW.match(line))
    if len(lengths) < 8:
        return None
    width = lengths[int(len(lengths) * 0.9) - 1]
    if not 40 <= width <= 130:
        return None
    near = sum(width - 14 <= n <= width + 2 for n in lengths)
    return width if near / len(lengths) >= 0.3 else None


def _add_line(lines: list[str], i: int, builder: DocumentBuilder) -> int:
    _add(lines[i], i + 1, builder)
    return i + 1


def _starts_block(line: str) -> bool:
    return bool(_ATX.match(line) or _NOTE.match(line) or marker_of(line.strip())
                or _TABLE_ROW.match(line) or _ENUMERATOR.match(line.strip()))


def _read_paragraph(lines: list[str], i: int, builder: DocumentBuilder, width: int,
                    end: int) -> int:
    """A paragraph of a hard-wrapped text: lines are joined while the break was the wrap's.

    The next line continues the paragraph when it starts in lower case (a Vietnamese sentence
    never does); when this line leaves its sentence open (no final punctuation) in a paragraph of
    running text, or a title in capitals goes on in capitals; or when its first word would not
    have fitted on this line (the wrap forced the break). A numbered heading ends where its
    line does unless the wrap forced the break. A blank line, a numbered or bulleted line and a
    note line start a new block.
    """
    start = i
    parts = [lines[i].strip()]
    heading = marker_of(strip_emphasis(parts[0])) is not None
    i += 1
    while i < end and lines[i].strip() and not _starts_block(lines[i]) \
            and not _BARE_PIPE.match(lines[i]) and _continues(parts[-1], lines[i].strip(), width, heading):
        parts.append(lines[i].strip())
        i += 1
    _add(" ".join(parts), start + 1, builder)
    return i


def _continues(raw: str, raw_next: str, width: int, heading: bool = False) -> bool:
    line, nxt = strip_emphasis(raw), strip_emphasis(raw_next)
    if not nxt or nxt[:1].islower() or _OPEN_END.search(line):
        return True
    if _SENTENCE_END.search(line):
        return False
    if len(raw) + 1 + len(raw_next.split()[0]) > width:  # the wrap counted the raw characters
        return True
    if line.isupper():
        return nxt.split()[0].isupper()
    return not heading


def _add(raw: str, line_no: int, builder: DocumentBuilder) -> None:
    text = strip_emphasis(raw.strip())
    location = Location(line=line_no)
    atx = _ATX.match(text)
    note = _NOTE.match(text)
    if atx:
        builder.add_block(atx.group(2), location, BlockKind.heading, level=len(atx.group(1)))
    elif note:
        builder.add_footnote(note.group(1), note.group(2), location)
    elif builder.open_note is not None and _continues_note(builder.open_note, text):
        builder.add_footnote_part(text, location)   # the note's list: "[3] Cụ thể:" then "(i) ..."
    else:
        builder.add_block(text, location)


def _continues_note(previous: str, text: str) -> bool:
    """A paragraph right after a footnote is more of it when the note (or its last piece) opens a
    list with a colon ("[3] Cụ thể:"), or when both are items of one list ("(i) ...", "(ii) ...")."""
    if previous.rstrip().endswith(":"):
        return True
    return _item_style(previous) is not None and _item_style(previous) == _item_style(text)


def _item_style(text: str) -> str | None:
    m = _NOTE_ITEM.match(text)
    if m is None:
        return None
    mark = m.group(0).strip()
    if mark in "-+–":
        return "dash"
    inner = mark.strip("()")
    kind = "roman" if re.fullmatch(r"[ivxlc]+", inner) else "digit" if inner.isdigit() else "letter"
    return ("(" if mark.startswith("(") else "") + kind


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [strip_emphasis(c.strip()) for c in re.split(r"(?<!\\)\|", inner)]


def _read_table(lines: list[str], i: int, builder: DocumentBuilder, limits: Limits,
                path: Path, end: int | None = None) -> int:
    """A pipe table; rows above the ``|---|`` rule and blank-led rows right under it are header."""
    start = i
    rows: list[list[str]] = []
    line_of: list[int] = []
    rule_at: int | None = None
    n_cols = 0
    end = len(lines) if end is None else end
    while i < end and _TABLE_ROW.match(lines[i]):
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
    if len({len(r) for r in rows}) > 1:
        # a header row shorter than the table lost its merged cells: recover the grid
        raw = [[RawCell(text, line_of[r]) for text in row] for r, row in enumerate(rows)]
        items = recover(raw)
        if len(items) == 1 and not isinstance(items[0], RawCell):
            grid = items[0]
            builder.add_table([CellIn(c.row, c.col, c.text, c.row_span, c.col_span, Location(line=c.line))
                               for c in grid.cells], Location(line=start + 1), header_rows=grid.header_rows)
            return i
    cells = [CellIn(r, c, text, location=Location(line=line_of[r]))
             for r, row in enumerate(rows) for c, text in enumerate(row)]
    builder.add_table(cells, Location(line=start + 1), header_rows=header)
    return i


# -- captures with one cell a line between '|' lines --------------------------------------------

def _regions(lines: list[str]) -> list[tuple[str, int, int]]:
    """The file as ("lines", start, end) stretches and ("cells", start, end) stretches.

    Some captures of legal portals write every table cell on its own lines followed by a line
    holding only '|', and start each row with one more '|'. A stretch of such short segments is
    read as cells; a segment too long to be a cell (the body of the document) is text.
    """
    seps = [i for i, line in enumerate(lines) if _BARE_PIPE.match(line)]
    if len(seps) < 3:
        return [("lines", 0, len(lines))]
    bounds = [-1, *seps, len(lines)]
    segments = [(bounds[k] + 1, bounds[k + 1]) for k in range(len(bounds) - 1)]
    out: list[tuple[str, int, int]] = []
    run_start: int | None = None
    for k, (a, b) in enumerate(segments):
        if _cell_like(lines[a:b]) and k < len(segments) - 1:
            if run_start is None:
                run_start = a
            continue
        if run_start is not None:
            out.append(("cells", run_start, a))
            run_start = None
        out.append(("lines", a, b))
    if run_start is not None:
        out.append(("cells", run_start, len(lines)))
    return [r for r in out if r[1] < r[2]]


def _cell_like(segment: list[str]) -> bool:
    filled = [line for line in segment if line.strip()]
    return len(filled) <= _CELL_MAX_LINES and sum(len(line) for line in filled) <= _CELL_MAX_CHARS


def _cell_rows(lines: list[str], start: int, end: int) -> list[list[RawCell]]:
    """Rows of cells: one '|' ends a cell, two start a new row, each further one is an empty cell."""
    rows: list[list[RawCell]] = [[]]
    pending: list[str] = []
    first = start
    bars = 0

    def flush(line_no: int) -> None:
        text = strip_emphasis(" ".join(t.strip() for t in pending if t.strip() and not _RULE.match(t)))
        if pending and any(t.strip() for t in pending):
            rows[-1].append(RawCell(text, line_no))

    for i in range(start, end):
        if _BARE_PIPE.match(lines[i]):
            if bars == 0:
                flush(first + 1)
                pending = []
            bars += 1
            continue
        if bars:
            if bars >= 2 and rows[-1]:
                rows[-1].extend(RawCell("", i) for _ in range(bars - 2))
                rows.append([])
            bars = 0
        if not pending:
            first = i
        pending.append(lines[i])
    flush(first + 1)
    return [r for r in rows if r]


def _read_cells(lines: list[str], start: int, end: int, builder: DocumentBuilder,
                limits: Limits, path: Path) -> None:
    _read_rows(_cell_rows(lines, start, end), builder, limits, path)


def _read_rows(rows: list[list[RawCell]], builder: DocumentBuilder, limits: Limits, path: Path) -> None:
    if sum(len(r) for r in rows) > limits.max_table_cells:
        raise ResourceLimitError(f"a capture of over {limits.max_table_cells:,} table cells",
                                 path=str(path))
    for item in recover(rows):
        if isinstance(item, RawCell):
            if item.text:
                _add(item.text, item.line, builder)
            continue
        cells = [CellIn(c.row, c.col, c.text, c.row_span, c.col_span, Location(line=c.line))
                 for c in item.cells]
        builder.add_table(cells, Location(line=item.line), header_rows=item.header_rows)


# -- tables whose cells became paragraphs ------------------------------------------------------
# A web page's table copied as text often comes out one cell a paragraph, blank lines between:
# "Gia nhập thị trường" / "8.13" / "43" / "8.1" / "50" ... A run of such short paragraphs in
# which a name is followed, again and again, by the same number k of figures is a table: its
# rows are a name and k figures, the short paragraphs before the first row are its headers
# (the last k of them, when there are more, the lower header row over the figure columns).
_PARA_CELL_MAX = 60          # a paragraph longer than this is running text, not a cell
_PARA_MIN_ROWS = 3           # rows of one shape that make a table


def _short_paragraphs(lines: list[str], a: int, b: int) -> list[tuple[int, str]]:
    """(line, text) of the one-line paragraphs of lines[a:b]; a longer paragraph is (line, None)."""
    out: list[tuple[int, str | None]] = []
    i = a
    while i < b:
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < b and lines[j].strip():
            j += 1
        text = lines[i].strip()
        out.append((i, text if j == i + 1 and len(text) <= _PARA_CELL_MAX and not _TABLE_ROW.match(text)
                    else None))
        i = j
    return out  # type: ignore[return-value]


def _paragraph_tables(lines: list[str], a: int, b: int) -> list[tuple[str, int, int]]:
    """lines[a:b] cut into ("lines", ...) and ("paragraph cells", ...) stretches."""
    paras = _short_paragraphs(lines, a, b)
    out: list[tuple[str, int, int]] = []
    pos = a
    k = 0
    while k < len(paras):
        if paras[k][1] is None:
            k += 1
            continue
        run_end = k
        while run_end < len(paras) and paras[run_end][1] is not None:
            run_end += 1
        found = _table_in_run([t for _, t in paras[k:run_end]])  # type: ignore[misc]
        if found is not None:
            first, last = found
            start = paras[k + first][0]
            end = paras[k + last - 1][0] + 1
            if start > pos:
                out.append(("lines", pos, start))
            out.append(("paragraph cells", start, end))
            pos = end
        k = run_end
    if pos < b:
        out.append(("lines", pos, b))
    return out


def _row_width(texts: list[str]) -> int | None:
    """k when names followed by k figures repeat at least _PARA_MIN_ROWS times."""
    counts: dict[int, int] = {}
    i = 0
    while i < len(texts):
        if not is_figure(texts[i]):
            j = i + 1
            while j < len(texts) and is_figure(texts[j]):
                j += 1
            if j - i - 1 >= 2:
                counts[j - i - 1] = counts.get(j - i - 1, 0) + 1
            i = j
        else:
            i += 1
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=None)
    return best[0] if best and best[1] >= _PARA_MIN_ROWS else None


def _table_in_run(texts: list[str]) -> tuple[int, int] | None:
    """(first, end) of the table's paragraphs in a run of short ones: headers and rows."""
    k = _row_width(texts)
    if k is None:
        return None
    rows = [i for i in range(len(texts) - 1) if not is_figure(texts[i])
            and all(is_figure(t) for t in texts[i + 1:i + 1 + k]) and i + k < len(texts)]
    if not rows:
        return None
    first_row = rows[0]
    header = first_row
    while header > 0 and not is_figure(texts[header - 1]) and first_row - header < 2 * k + 2:
        header -= 1
    end = first_row
    while end < len(texts) and not is_figure(texts[end]):
        j = end + 1
        while j < len(texts) and is_figure(texts[j]):
            j += 1
        if j - end - 1 not in (k,) and not (j == len(texts) and 0 < j - end - 1 < k):
            break   # a row of another shape: the table ended (a cut-off last row is kept)
        end = j
    return (header, end) if end > first_row else None


def _read_paragraph_table(lines: list[str], start: int, end: int, builder: DocumentBuilder) -> None:
    """The table of a run of paragraph cells, its grid written out: the name column's header
    over both header rows, each upper header over an equal share of the figure columns (as many
    as the lower row has cells under it), then the rows. Leading paragraphs that do not fit the
    header shape (a caption "Bảng 1. ...") stay paragraphs before the table."""
    paras = [(i, t) for i, t in _short_paragraphs(lines, start, end) if t is not None]
    texts = [t for _, t in paras]
    k = _row_width(texts) or 1
    first_row = next(i for i in range(len(texts)) if not is_figure(texts[i])
                     and all(is_figure(t) for t in texts[i + 1:i + 1 + k]))
    head = paras[:first_row]
    while len(head) > k + 1 and k % (len(head) - k - 1) != 0:
        _add(head[0][1], head[0][0] + 1, builder)
        head = head[1:]
    if len(head) not in (0, 1) and len(head) <= k:
        for n, t in head[:-1]:
            _add(t, n + 1, builder)
        head = head[-1:]
    cells: list[CellIn] = []
    r = 0
    if len(head) > k + 1:
        groups = len(head) - k - 1
        width = k // groups
        cells.append(CellIn(0, 0, strip_emphasis(head[0][1]), row_span=2, location=Location(line=head[0][0] + 1)))
        for g, (n, t) in enumerate(head[1:1 + groups]):
            cells.append(CellIn(0, 1 + g * width, strip_emphasis(t), col_span=width, location=Location(line=n + 1)))
        for c, (n, t) in enumerate(head[1 + groups:]):
            cells.append(CellIn(1, 1 + c, strip_emphasis(t), location=Location(line=n + 1)))
        r = 2
    elif head:
        for c, (n, t) in enumerate(head):
            cells.append(CellIn(0, c, strip_emphasis(t), location=Location(line=n + 1)))
        r = 1
    header_rows = r
    i = first_row
    while i < len(paras):
        j = i + 1
        while j < len(paras) and is_figure(texts[j]):
            j += 1
        for c, (n, t) in enumerate(paras[i:j]):
            cells.append(CellIn(r, c, strip_emphasis(t), location=Location(line=n + 1)))
        r += 1
        i = j
    builder.add_table(cells, Location(line=paras[0][0] + 1), header_rows=header_rows)
