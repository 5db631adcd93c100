"""Seed text (Markdown-ish, one paragraph a line) into a :class:`Document`.

The seeds keep one paragraph per line, pipe tables, ``[n] ...`` notes at the end and,
for web articles, portal boilerplate lines. The rules below are deliberately plain
and line based: the builder must render these five seeds faithfully, not parse
arbitrary Markdown.
"""

from __future__ import annotations

import re

from .inline import parse_inline
from .model import Block, Boilerplate, Document, Role, Span, Table
from .profiles import Profile
from .tables import join_continued, parse_table

_NOTE = re.compile(r"^\[(\d+)\]\s+(.*)$")
_NUMBER = re.compile(r"^Số\s*:")
_PLACE_DATE = re.compile(r"^[^,]{2,40}, ngày\b")
_DATELINE = re.compile(r"^(Ngày đăng\b|\(\s*Cập nhật ngày)")
_HEADING_PATTERNS = (  # (numbering kind, pattern); the kind's rank gives the heading level
    (0, re.compile(r"^[IVX]+\.\s")),
    (2, re.compile(r"^\d+\.\d+\.\s")),
    (1, re.compile(r"^\d+\.\s")),
)
_HEADING_MAX_CHARS = 160  # longer numbered lines are numbered body paragraphs
_TERMINAL = (".", ":", ";", "!", "?", "…")

Chunk = str | list[str]  # a text line, or the lines of one pipe table


def parse_seed(seed_id: str, text: str, profile: Profile) -> Document:
    """Parse one seed; ``profile`` says whether it is an official document or an article."""
    lines = [line.strip() for line in text.split("\n")]
    lines, boilerplate = _strip_boilerplate(lines, profile)
    lines, notes = _split_footnotes(lines)
    note_ids = frozenset(notes)
    chunks = _chunks(lines)
    if profile.kind == "official":
        body = _classify_official(chunks, note_ids)
    else:
        body = _classify_article(chunks, note_ids, profile)
    body = _join_broken_paragraphs(body)
    body = _join_continued_tables(body)
    _assign_heading_levels(body)
    footnotes = {n: parse_inline(note) for n, note in notes.items()}
    return Document(seed_id, profile.kind, body, footnotes, boilerplate)


def _strip_boilerplate(lines: list[str], profile: Profile) -> tuple[list[str], Boilerplate]:
    """Take the portal lines out of the text and keep them for the HTML page."""
    found = Boilerplate()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if line == "Các tin khác":
            found.related_heading = line
            found.related_links = [rest for rest in lines[index + 1 :] if rest]
            break
        if line.startswith("Tăng cỡ chữ"):
            found.toolbar = line
        elif line == "Tin mới nhất":
            found.latest_heading = line
        elif profile.kind == "article" and line == profile.category and not any(kept):
            found.category = line
        else:
            kept.append(line)
    return kept, found


def _split_footnotes(lines: list[str]) -> tuple[list[str], dict[int, str]]:
    """Cut the trailing ``[n] text`` lines (the footnotes Word moved to the end)."""
    notes: dict[int, str] = {}
    end = len(lines)
    while end > 0:
        line = lines[end - 1]
        match = _NOTE.match(line)
        if match:
            notes[int(match.group(1))] = match.group(2)
        elif line:
            break
        end -= 1
    return lines[:end], dict(sorted(notes.items()))


def _chunks(lines: list[str]) -> list[Chunk]:
    """Non-empty lines, with consecutive pipe-table lines grouped into one list."""
    chunks: list[Chunk] = []
    table: list[str] = []
    for line in lines:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            chunks.append(table)
            table = []
        if line:
            chunks.append(line)
    if table:
        chunks.append(table)
    return chunks


def _block(role: Role, text: str, note_ids: frozenset[int], level: int = 0) -> Block:
    return Block(role, parse_inline(text, note_ids), level)


def _classify_body(text: str, note_ids: frozenset[int]) -> Block:
    """A body line: list item ("- ", "+ "), numbered heading, or paragraph."""
    if text.startswith(("- ", "+ ")):
        return _block(Role.LIST_ITEM, text[2:], note_ids, 1 if text[0] == "-" else 2)
    for kind, pattern in _HEADING_PATTERNS:
        if pattern.match(text) and _looks_like_title(text):
            return _block(Role.HEADING, text, note_ids, kind)
    return _block(Role.PARAGRAPH, text, note_ids)


def _looks_like_title(text: str) -> bool:
    """Numbered lines that are short and do not end a clause are section titles."""
    return len(text) <= _HEADING_MAX_CHARS and not text.endswith((";", ","))


def _classify_official(chunks: list[Chunk], note_ids: frozenset[int]) -> list[Block | Table]:
    """Header (Số, place/date, type, subject), body, then Nơi nhận and the signer."""
    body: list[Block | Table] = []
    previous: Role | None = None
    in_recipients = False
    for chunk in chunks:
        if isinstance(chunk, list):
            body.append(parse_table(chunk))
            previous = None
            continue
        seen_doctype = any(isinstance(b, Block) and b.role is Role.DOCTYPE for b in body)
        role = _official_role(chunk, previous, in_recipients, seen_doctype)
        if role is Role.RECIPIENTS_LABEL:
            in_recipients = True
        if role is None:
            block = _classify_body(chunk, note_ids)
        else:
            block = _block(role, chunk, note_ids)
        body.append(block)
        previous = block.role
    return body


def _official_role(text: str, previous: Role | None, in_recipients: bool, seen_doctype: bool) -> Role | None:
    """The header/footer role of an official-document line, or None for body text."""
    if in_recipients:
        if text.startswith("- "):
            return Role.RECIPIENT
        if previous is Role.SIGNER_TITLE or previous is Role.SIGNER_NAME:
            return Role.SIGNER_NAME
        return Role.SIGNER_TITLE
    if text == "Nơi nhận:":
        return Role.RECIPIENTS_LABEL
    if _NUMBER.match(text):
        return Role.NUMBER
    if _PLACE_DATE.match(text) and not seen_doctype:
        return Role.PLACE_DATE
    if previous is Role.PLACE_DATE and text.isupper() and len(text) <= 40:
        return Role.DOCTYPE
    if previous is Role.DOCTYPE:
        return Role.SUBJECT
    return None


def _classify_article(chunks: list[Chunk], note_ids: frozenset[int], profile: Profile) -> list[Block | Table]:
    """Headline, date line, body, author and source line of a portal article."""
    body: list[Block | Table] = []
    for chunk in chunks:
        if isinstance(chunk, list):
            body.append(parse_table(chunk))
        elif not body:
            body.append(_block(Role.TITLE, chunk, note_ids))
        elif _DATELINE.match(chunk):
            body.append(_block(Role.DATELINE, chunk, note_ids))
        elif profile.byline is not None and chunk == profile.byline:
            body.append(_block(Role.BYLINE, chunk, note_ids))
        elif chunk.startswith("Nguồn:"):
            body.append(_block(Role.SOURCE, chunk, note_ids))
        else:
            body.append(_classify_body(chunk, note_ids))
    return body


def _join_broken_paragraphs(body: list[Block | Table]) -> list[Block | Table]:
    """Re-join a paragraph the source split at a page break ("mức độ hài" / "lòng trong").

    A paragraph that starts in lower case after a paragraph or list item that
    does not end a sentence is the tail of that block.
    """
    joined: list[Block | Table] = []
    for item in body:
        last = joined[-1] if joined else None
        if (
            isinstance(item, Block)
            and item.role is Role.PARAGRAPH
            and item.text[:1].islower()
            and isinstance(last, Block)
            and last.role in (Role.PARAGRAPH, Role.LIST_ITEM)
            and not last.text.rstrip().endswith(_TERMINAL)
        ):
            last.spans = [*last.spans, Span(" "), *item.spans]
            continue
        joined.append(item)
    return joined


def _join_continued_tables(body: list[Block | Table]) -> list[Block | Table]:
    """Two adjacent tables with the same header are one table broken by a page."""
    joined: list[Block | Table] = []
    for item in body:
        last = joined[-1] if joined else None
        if isinstance(item, Table) and isinstance(last, Table) and join_continued(last, item):
            continue
        joined.append(item)
    return joined


def _assign_heading_levels(body: list[Block | Table]) -> None:
    """Map the numbering kinds present (I. / 1. / 1.1.) to heading levels 1, 2, 3."""
    headings = [b for b in body if isinstance(b, Block) and b.role is Role.HEADING]
    kinds = sorted({h.level for h in headings})
    rank = {kind: index + 1 for index, kind in enumerate(kinds)}
    for heading in headings:
        heading.level = rank[heading.level]
