"""DocumentBuilder: the one place where blocks become canonical text with spans.

Every parser reads its format and feeds the builder blocks in reading order; the builder
normalises text, stitches tables split across pages, lays the blocks out in one canonical
text, links footnote markers and builds the section outline. Parsers therefore never
compute offsets themselves, and every format gets identical rules.

Canonical text: blocks separated by a blank line; a table is one line per row with cells
joined by `` | ``; a footnote block starts with its marker ``[n]``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from baocao.parsers.outline import build_outline
from baocao.schemas.document import (
    BBox,
    Block,
    BlockKind,
    Cell,
    Document,
    Footnote,
    Fragment,
    Location,
    Source,
    Table,
)

BLOCK_SEP = "\n\n"
CELL_SEP = " | "
# A continued table's first rows repeat the header when their letters match this closely
# (difflib ratio): OCR of the same printed header differs by a few characters per row.
_HEADER_LIKENESS = 0.85
ROW_SEP = "\n"

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
_MARKER = re.compile(r"\[(\d{1,3})\]")
_LIST_START = re.compile(r"^(?:[-–—•+]\s|[a-zđ]\)\s)")
_NUMBERED = re.compile(r"^(?:[IVXLC]+\.|\d{1,2}(?:\.\d{1,2})*\.?)\s")


def canonical(text: str) -> str:
    """NFC, invisible characters removed, every run of Unicode whitespace made one space.

    Tone placement (hoà / hòa) is left as written: NFC does not move tone marks.

    >>> canonical("Tỷ\\u00a0lệ\\n  hồ sơ\\u200b")
    'Tỷ lệ hồ sơ'
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


def guess_kind(text: str) -> BlockKind:
    """Block kind for sources that do not mark structure (text, PDF): a cautious guess.

    Numbered short lines are headings, ``-``/``+``/``a)`` lines are list items, a short line
    in capitals (``THÔNG BÁO``) is a heading.
    """
    if _LIST_START.match(text):
        return BlockKind.list_item
    if len(text) > 160 or text.endswith((".", ";", ",")):
        return BlockKind.paragraph
    if _NUMBERED.match(text):
        return BlockKind.heading
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return BlockKind.heading
    return BlockKind.paragraph


@dataclass
class CellIn:
    """A table cell as a parser saw it; (row, col) is its top-left grid position."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1
    location: Location | None = None


@dataclass
class _Pending:
    kind: BlockKind
    location: Location
    text: str = ""
    lines: list[tuple[str, int, BBox]] = field(default_factory=list)
    level: int | None = None
    cells: list[CellIn] = field(default_factory=list)
    header_rows: int = 0
    pieces: list[Location] = field(default_factory=list)
    footnote: str | None = None


class DocumentBuilder:
    """Collects blocks in reading order and lays them out into a Document."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.warnings: list[str] = []
        self._pending: list[_Pending] = []
        self._notes: list[_Pending] = []
        self.open_note: str | None = None   # the text of the last footnote, while nothing else followed it

    def add_block(self, text: str, location: Location, kind: BlockKind | None = None,
                  level: int | None = None) -> None:
        """A paragraph, heading or list item; ``kind=None`` guesses it from the text."""
        text = canonical(text)
        if text:
            self.open_note = None
            self._pending.append(_Pending(kind or guess_kind(text), location, text, level=level))

    def add_lines(self, lines: list[tuple[str, int, BBox]], location: Location,
                  kind: BlockKind | None = None) -> None:
        """A block made of PDF lines (text, page, bbox); each line keeps its box."""
        kept = [(canonical(t), p, b) for t, p, b in lines if canonical(t)]
        if kept:
            text = " ".join(t for t, _, _ in kept)
            self._pending.append(_Pending(kind or guess_kind(text), location, text, lines=kept))

    def add_table(self, cells: list[CellIn], location: Location, header_rows: int = 0) -> None:
        """A table as grid cells; empty tables are dropped."""
        cells = [CellIn(c.row, c.col, canonical(c.text), c.row_span, c.col_span, c.location)
                 for c in cells]
        if any(c.text for c in cells):
            self.open_note = None
            self._pending.append(_Pending(BlockKind.table, location, cells=cells,
                                          header_rows=header_rows, pieces=[location]))

    def add_footnote(self, label: str, text: str, location: Location) -> None:
        """A footnote's text; its body markers are found as ``[label]`` in the text."""
        text = canonical(text)
        if text:
            self.open_note = text
            self._notes.append(_Pending(BlockKind.footnote, location, f"[{label}] {text}",
                                        footnote=label))

    def add_footnote_part(self, text: str, location: Location) -> None:
        """A further paragraph of the last footnote ("[3] Cụ thể:" then "(i) ...", "(ii) ..."):
        a footnote block of its own, right after its note, without a label."""
        text = canonical(text)
        if text:
            self.open_note = text
            self._notes.append(_Pending(BlockKind.footnote, location, text))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self) -> Document:
        pending = stitch_tables(self._pending) + self._notes
        text, blocks = _layout(pending)
        doc = Document(source=self.source, text=text, blocks=blocks, warnings=self.warnings)
        doc.footnotes = _link_footnotes(doc)
        doc.sections = build_outline(doc)
        return doc


def stitch_tables(pending: list[_Pending]) -> list[_Pending]:
    """Join a table continued on the next page: same columns, header repeated or page turned."""
    out: list[_Pending] = []
    for p in pending:
        prev = out[-1] if out else None
        if p.kind is BlockKind.table and prev is not None and prev.kind is BlockKind.table \
                and _continues(prev, p):
            _append_rows(prev, p)
        else:
            out.append(p)
    return out


def _grid_width(cells: list[CellIn]) -> int:
    return max((c.col + c.col_span for c in cells), default=0)


def _row_texts(cells: list[CellIn], n: int) -> list[tuple[str, ...]]:
    rows: dict[int, list[CellIn]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c)
    return [tuple(c.text for c in sorted(rows.get(r, []), key=lambda c: c.col)) for r in range(n)]


def _repeated_header(first: _Pending, second: _Pending) -> int:
    """How many leading rows of ``second`` repeat the header of ``first`` (with the
    column-number row under it, when there is one and it is repeated too).

    Exactly the same text; or, when ``first`` has known header rows, nearly the same letters
    (``_HEADER_LIKENESS``): a header scanned twice is read by OCR with a few characters
    changed ("Số tiền" / "Sếtiền"). Data rows are never compared loosely.
    """
    n = first.header_rows or 1
    head = _row_texts(first.cells, n + 1)
    if not any(any(r) for r in head[:n]):
        return 0
    again = _row_texts(second.cells, n + 1)
    if again[:n] == head[:n]:
        repeated = True
    elif first.header_rows:
        a, b = _letters(head[:n]), _letters(again[:n])
        repeated = bool(a) and SequenceMatcher(None, a, b, autojunk=False).ratio() \
            >= _HEADER_LIKENESS
    else:
        repeated = False
    if not repeated:
        return 0
    # the column-number row under a header ("1 | 2 | 3 ..."), repeated with it
    numbering = len(head) > n and head[n] == again[n] and _is_numbering(head[n])
    return n + 1 if numbering else n


def _is_numbering(row: tuple[str, ...]) -> bool:
    """A row of column numbers: "1 2 3 4 5", "(1) (2) (3)", a blank where OCR lost one."""
    numbers = [t.strip("() ") for t in row if t.strip()]
    return len(numbers) >= 2 and all(t.isdigit() for t in numbers) \
        and [int(t) for t in numbers] == sorted(int(t) for t in numbers)


def _letters(rows: list[tuple[str, ...]]) -> str:
    return "".join(ch for row in rows for text in row for ch in text.casefold() if ch.isalnum())


def _continues(first: _Pending, second: _Pending) -> bool:
    if _grid_width(first.cells) != _grid_width(second.cells):
        return False
    if _repeated_header(first, second):
        return True
    a, b = first.pieces[-1].page, second.location.page
    return a is not None and b == a + 1


def _append_rows(first: _Pending, second: _Pending) -> None:
    skip = _repeated_header(first, second)
    if skip and not first.header_rows:
        first.header_rows = 1          # row one was repeated: it is a header
    offset = max(c.row + c.row_span for c in first.cells) - skip
    first.cells.extend(CellIn(c.row + offset, c.col, c.text, c.row_span, c.col_span, c.location)
                       for c in second.cells if c.row >= skip)
    first.pieces.append(second.location)


def _layout(pending: list[_Pending]) -> tuple[str, list[Block]]:
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for p in pending:
        if parts:
            parts.append(BLOCK_SEP)
            pos += len(BLOCK_SEP)
        start = pos
        if p.kind is BlockKind.table:
            text, table = _layout_table(p, start)
        else:
            text, table = p.text, None
        parts.append(text)
        pos += len(text)
        blocks.append(Block(id=len(blocks), kind=p.kind, span=(start, pos), location=p.location,
                            level=p.level, table=table, footnote=p.footnote,
                            lines=_fragments(p, start)))
    return "".join(parts), blocks


def _fragments(p: _Pending, start: int) -> list[Fragment]:
    out: list[Fragment] = []
    pos = start
    for text, page, bbox in p.lines:
        out.append(Fragment(span=(pos, pos + len(text)), page=page, bbox=bbox))
        pos += len(text) + 1
    return out


def _layout_table(p: _Pending, start: int) -> tuple[str, Table]:
    n_rows = max(c.row + c.row_span for c in p.cells)
    n_cols = _grid_width(p.cells)
    by_row: dict[int, list[CellIn]] = {}
    for c in p.cells:
        by_row.setdefault(c.row, []).append(c)
    lines: list[str] = []
    cells: list[Cell] = []
    pos = start
    for r in range(n_rows):
        if r:
            pos += len(ROW_SEP)
        row_parts: list[str] = []
        for i, c in enumerate(sorted(by_row.get(r, []), key=lambda c: c.col)):
            if i:
                pos += len(CELL_SEP)
            cells.append(Cell(row=r, col=c.col, text=c.text, span=(pos, pos + len(c.text)),
                              row_span=c.row_span, col_span=c.col_span, header=r < p.header_rows,
                              location=c.location))
            row_parts.append(c.text)
            pos += len(c.text)
        lines.append(CELL_SEP.join(row_parts))
    table = Table(n_rows=n_rows, n_cols=n_cols, header_rows=p.header_rows, cells=cells,
                  pieces=p.pieces)
    return ROW_SEP.join(lines), table


def _link_footnotes(doc: Document) -> list[Footnote]:
    notes = {b.footnote: b for b in doc.blocks if b.footnote is not None}
    markers: dict[str, list[tuple[int, int]]] = {label: [] for label in notes}
    for b in doc.blocks:
        if b.kind is BlockKind.footnote:
            continue
        for m in _MARKER.finditer(doc.text, b.span[0], b.span[1]):
            if m.group(1) in markers:
                markers[m.group(1)].append(m.span())
    return [Footnote(label=label, block=b.id, span=b.span, markers=markers[label])
            for label, b in notes.items()]
