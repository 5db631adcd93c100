"""The Document: one canonical text per file, and where every character of it came from.

Parsers (``parsers/``) produce a Document; the extractor (``extractor/``) reads only this.
Every span is ``(start, end)`` into ``Document.text`` with Python slice semantics, so
``doc.text[start:end]`` is always the block, cell or footnote it describes.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

DOCUMENT_SCHEMA_VERSION = "1.0"

Span = tuple[int, int]
BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, origin top-left


class Strict(BaseModel):
    """Base for every schema model: unknown fields are errors, not silently kept."""

    model_config = ConfigDict(extra="forbid")


class Format(str, Enum):
    pdf = "pdf"
    docx = "docx"
    html = "html"
    text = "text"
    doc = "doc"     # Word 97-2003, read through LibreOffice (parsers/doc.py)


class BlockKind(str, Enum):
    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    table = "table"
    footnote = "footnote"


class Location(Strict):
    """Where a block or cell sits in the source file; the fields that apply to its format are set."""

    page: int | None = Field(None, description="1-based page number (PDF)")
    bbox: BBox | None = Field(None, description="x0, top, x1, bottom in points, top-left origin (PDF)")
    body_index: int | None = Field(None, description="index of the element among w:body children (DOCX)")
    element_path: str | None = Field(None, description="CSS-like path of the element (HTML)")
    line: int | None = Field(None, description="1-based line number (text)")
    part: str | None = Field(None, description="package part for non-body content, e.g. word/footnotes.xml")


class Cell(Strict):
    row: int
    col: int
    text: str
    span: Span
    row_span: int = 1
    col_span: int = 1
    header: bool = False
    location: Location | None = None


class Table(Strict):
    n_rows: int
    n_cols: int
    header_rows: int = 0
    cells: list[Cell]
    pieces: list[Location] = Field(default_factory=list, description="one per page or part it was stitched from")

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell covering (row, col), merged cells included."""
        for c in self.cells:
            if c.row <= row < c.row + c.row_span and c.col <= col < c.col + c.col_span:
                return c
        return None

    def rows(self) -> list[list[str]]:
        """The grid as text, merged cells repeated in every position they cover."""
        grid = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, min(c.row + c.row_span, self.n_rows)):
                for k in range(c.col, min(c.col + c.col_span, self.n_cols)):
                    grid[r][k] = c.text
        return grid


class Fragment(Strict):
    """A piece of a block with its own box: a PDF text line, so a fact can point at its line."""

    span: Span
    page: int
    bbox: BBox


class Block(Strict):
    id: int
    kind: BlockKind
    span: Span
    location: Location
    level: int | None = Field(None, description="heading level when the source states one")
    table: Table | None = None
    footnote: str | None = Field(None, description="the label of the footnote this block is")
    lines: list[Fragment] = Field(default_factory=list, description="PDF lines with their boxes")
    origin: Literal["text", "ocr"] = Field(
        "text", description='"ocr" when the text was recognised from a scanned image')


class Footnote(Strict):
    label: str
    block: int = Field(description="id of the footnote block")
    span: Span
    markers: list[Span] = Field(default_factory=list, description="where the marker stands in the body")


class Section(Strict):
    number: str = Field(description='the numbering as written: "I.", "4.1.", "a)", "-"')
    style: Literal["roman", "arabic", "letter", "dash", "plus"]
    depth: int = Field(description="1-based depth in the outline tree")
    title: str
    heading_block: int
    span: Span = Field(description="from the heading to the end of the section's content")
    children: list[Section] = Field(default_factory=list)


class Source(Strict):
    path: str
    sha256: str
    format: Format
    size: int
    pages: int | None = None


class Document(Strict):
    schema_version: str = DOCUMENT_SCHEMA_VERSION
    source: Source
    text: str
    blocks: list[Block]
    sections: list[Section] = Field(default_factory=list)
    footnotes: list[Footnote] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    _starts: list[int] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _spans_inside_text(self) -> Document:
        n = len(self.text)
        for b in self.blocks:
            if not 0 <= b.span[0] <= b.span[1] <= n:
                raise ValueError(f"block {b.id} span {b.span} outside text of length {n}")
        return self

    def block_at(self, offset: int) -> Block | None:
        """The block containing character ``offset`` (bisection over cached block starts)."""
        if self._starts is None or len(self._starts) != len(self.blocks):
            self._starts = [b.span[0] for b in self.blocks]
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and self.blocks[i].span[0] <= offset < self.blocks[i].span[1]:
            return self.blocks[i]
        return None

    def cell_at(self, offset: int) -> Cell | None:
        """The table cell containing character ``offset``, if it is in a table."""
        block = self.block_at(offset)
        if block is None or block.table is None:
            return None
        for c in block.table.cells:
            if c.span[0] <= offset < c.span[1]:
                return c
        return None

    def sections_at(self, offset: int) -> list[Section]:
        """The chain of sections (outermost first) that contain ``offset``."""
        chain: list[Section] = []
        level = self.sections
        while True:
            hit = next((s for s in level if s.span[0] <= offset < s.span[1]), None)
            if hit is None:
                return chain
            chain.append(hit)
            level = hit.children

    def iter_sections(self) -> list[Section]:
        """Every section, depth first."""
        out: list[Section] = []
        stack = list(reversed(self.sections))
        while stack:
            s = stack.pop()
            out.append(s)
            stack.extend(reversed(s.children))
        return out
