"""PDF reader: born-digital PDFs into a Document, words in reading order with their boxes.

The pipeline follows MEASURED.md (the fastest correct one on these documents):

1. pypdfium2 reads every page's glyphs (character, loose box, font size) and counts its vector
   paths; ``parsers.pdf_layout`` rebuilds lines from the boxes (so superscript footnote
   markers stay on their line) and groups them into paragraphs.
2. pdfplumber's table finder runs only on pages that draw at least ``_TABLE_PATHS`` paths
   (ruled tables); a page of plain text never pays for pdfminer. Each pdfplumber page is
   closed after use so memory stays flat on long files.
3. Running headers, footers and page numbers are dropped, tables take their place in the
   flow, and everything goes to ``DocumentBuilder`` in reading order.

Pages are kept as separate ``PageText`` records so a later OCR step can fill in image pages
one by one; for now a file with (almost) no text layer raises ``NeedsOCRError``.
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import gc
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.base import Limits
from parsers.builder import CellIn, DocumentBuilder
from parsers.errors import (
    BaocaoError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    NeedsOCRError,
    ResourceLimitError,
)
from parsers.pdf_layout import (
    Glyph,
    PageText,
    TableIn,
    build_lines,
    drop_page_furniture,
    emit,
    flow_document,
)
from schemas.document import BBox, Document, Location, Source

__all__ = ["read_pdf"]

# A page is a table candidate when it draws at least this many vector paths: the rule under
# the national motto and the subject line is 1-2 paths, a ruled table is a dozen or more.
_TABLE_PATHS = 4
# Text-layer density rule. A typed A4 page holds 1,500-2,500 characters; scanned, signed
# files from chinhphu.vn hold none (or only a ~180-character signature stamp over 2-8 pages).
# Below 100 non-space characters per page on average, with no text at all or with a picture
# on a text-light page, the file is treated as scanned (see _check_text_layer).
_OCR_CHARS_PER_PAGE = 100
# A page under this many characters that shows an image, in an otherwise textual file, is
# flagged in a warning: it is the page a later per-page OCR step will read.
_IMAGE_PAGE_CHARS = 20
_CHUNK = 50            # pages read per opening of the file (bounds the libraries' caches)
_TABLE_CHUNK = 25      # table pages per pdfplumber opening, each followed by a GC pass
_GRID_SNAP = 1.5        # cell edges closer than this (points) are the same grid line
_DIGITS_ONLY = re.compile(r"^[\d\s.,/%()+\-–]+$")   # a data cell: "1", "1.1", "11,1/18", "100%"
_MAX_HEADER_ROWS = 3
_LINE_END_HYPHEN = 0x02  # PDFium's code for a "-" ending a line ("Bà Rịa-" / "Vũng Tàu"): kept
_SKIP = frozenset((0x0A, 0x0D, 0xFFFE, 0xFFFF))
_SPACES = frozenset((0x20, 0xA0, 0x09, 0x3000))
# U+F000-F0FF is where Symbol/Wingdings glyphs land without a Unicode mapping; in these
# documents they are list bullets (Word's U+F0B7, U+F0A7, U+F0D8), read as "•".


def read_pdf(path: Path, source: Source, limits: Limits) -> Document:
    """Read a born-digital PDF; raise a typed ``ParseError`` for anything unreadable."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise CorruptFileError(f"cannot read the file ({e.strerror})", path=where) from e
    if size == 0:
        raise EmptyFileError("the file is empty", path=where)
    pages = _read_pages(path, limits)
    builder = DocumentBuilder(source.model_copy(update={"pages": len(pages)}))
    _check_text_layer(pages, where, builder)
    candidates = [p.number for p in pages if p.paths >= _TABLE_PATHS]
    for number, tables in _read_tables(path, candidates, limits).items():
        pages[number - 1].tables = tables
    drop_page_furniture(pages)
    body, notes = flow_document(pages)
    emit(builder, body, notes)
    return builder.build()


# --- pass one: pypdfium2 glyphs ---------------------------------------------------------

def _read_pages(path: Path, limits: Limits) -> list[PageText]:
    """Every page's text lines. The document is reopened every ``_CHUNK`` pages: PDFium keeps
    the fonts and objects of every page it loaded until the document closes, which on a
    500-page file is 40+ MB that a reopen gives back."""
    where = str(path)
    pdf = _open(where)
    try:
        n = len(pdf)
        if n == 0:
            raise CorruptFileError("truncated or damaged PDF (no pages)", path=where)
        if n > limits.max_pages:
            raise ResourceLimitError(f"{n:,} pages is over the {limits.max_pages:,}-page limit",
                                     path=where)
        pages: list[PageText] = []
        for i in range(n):
            if i and i % _CHUNK == 0:
                pdf.close()
                pdf = _open(where)
            pages.append(_read_page(pdf, i))
        return pages
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"truncated or damaged PDF ({e})", path=where) from e
    finally:
        pdf.close()


def _open(where: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(where)
    except pdfium.PdfiumError as e:
        if e.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedFileError("password required", path=where) from e
        raise CorruptFileError(f"truncated or damaged PDF ({e})", path=where) from e


def _read_page(pdf: pdfium.PdfDocument, index: int) -> PageText:
    """One page's lines and path count; the page and its textpage are closed before return."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        paths = _count_objects(page, pdfium_c.FPDF_PAGEOBJ_PATH, _TABLE_PATHS)
        textpage = page.get_textpage()
        try:
            glyphs = list(_glyphs(textpage, height))
        finally:
            textpage.close()
        images = 0
        if len(glyphs) < _OCR_CHARS_PER_PAGE:   # only a text-light page may be a scan
            images = _count_objects(page, pdfium_c.FPDF_PAGEOBJ_IMAGE, 1)
    finally:
        page.close()
    chars = sum(1 for g in glyphs if not g[0].isspace())
    lines = build_lines(glyphs, index + 1)
    return PageText(index + 1, width, height, lines, chars, paths, images)


def _count_objects(page: pdfium.PdfPage, kind: int, cap: int) -> int:
    """Page objects of one kind (paths, images), counting stops at ``cap``."""
    found = 0
    for _ in page.get_objects(filter=[kind]):
        found += 1
        if found >= cap:
            break
    return found


def _glyphs(textpage: pdfium.PdfTextPage, height: float) -> Iterator[Glyph]:
    """Every printable character with its loose box (font ascent to descent, so all glyphs
    of one font size on a baseline share top and bottom) in top-left coordinates.

    Raw PDFium calls: the per-character helpers of pypdfium2 cost 5-10x more per call. The
    characters come from one bulk ``FPDFText_GetText`` when it maps one to one onto PDFium's
    character indices (it does unless the page has characters outside the BMP).
    """
    raw = textpage.raw
    box_of, size_of = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetFontSize
    count = pdfium_c.FPDFText_CountChars(raw)
    codes = _codes(raw, count)
    rect = pdfium_c.FS_RECTF()
    space = False
    for k in range(count):
        char = _char(codes[k])
        if char == " ":
            space = True
            continue
        if char is None or not box_of(raw, k, rect):
            continue
        yield (char, rect.left, height - rect.top, rect.right, height - rect.bottom,
               size_of(raw, k), space)
        space = False


@functools.lru_cache(maxsize=4096)
def _char(code: int) -> str | None:
    """The text of a PDFium character code: " " for any space, None for what is not text."""
    if code in _SPACES:
        return " "
    if code == _LINE_END_HYPHEN:
        return "-"
    if code < 0x20 or code in _SKIP or 0xD800 <= code <= 0xDFFF:
        return None
    return "•" if 0xF000 <= code <= 0xF0FF else chr(code)


def _codes(raw: Any, count: int) -> Sequence[int]:
    """The code point of every character index, in one call when possible."""
    if count <= 0:
        return []
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(raw, 0, count, buffer)
    if written == count + 1:                         # count characters and the terminator
        return buffer[:count]
    return [pdfium_c.FPDFText_GetUnicode(raw, k) for k in range(count)]


def _check_text_layer(pages: list[PageText], where: str, builder: DocumentBuilder) -> None:
    """Raise NeedsOCRError for a scanned file; warn about image-only pages of a textual one.

    Scanned: under ``_OCR_CHARS_PER_PAGE`` characters per page on average, and either no text
    at all or a picture on a text-light page (a short born-digital notice has no picture).
    """
    total = sum(p.chars for p in pages)
    light = [p for p in pages if p.chars < _OCR_CHARS_PER_PAGE]
    if total < _OCR_CHARS_PER_PAGE * len(pages) and (total == 0 or any(p.images for p in light)):
        raise NeedsOCRError(f"no text layer: needs OCR ({total} characters on {len(pages)} "
                            f"pages)", path=where)
    empty = [str(p.number) for p in light if p.chars < _IMAGE_PAGE_CHARS and p.images]
    if empty:
        builder.warn(f"pages without a text layer (need OCR): {', '.join(empty)}")


# --- pass two: pdfplumber tables on candidate pages --------------------------------------

def _read_tables(path: Path, numbers: list[int], limits: Limits) -> dict[int, list[TableIn]]:
    """Tables of the given 1-based pages; pdfminer failures become CorruptFileError."""
    found: dict[int, list[TableIn]] = {}
    try:
        for start in range(0, len(numbers), _TABLE_CHUNK):
            with pdfplumber.open(path, pages=numbers[start:start + _TABLE_CHUNK]) as pdf:
                for page in pdf.pages:
                    drawn = page.filter(_drawn)
                    try:
                        tables = (_table_in(t, page.page_number, limits, str(path))
                                  for t in drawn.find_tables())
                        found[page.page_number] = [t for t in tables if t is not None]
                    finally:
                        drawn.close()     # a filtered page sits in a reference cycle (its
                        page.close()      # lru_cache): closing drops its objects at once
            gc.collect()                  # and the leftover cycles go per chunk
    except BaocaoError:
        raise
    except Exception as e:  # pdfminer raises many unrelated types on damaged files
        raise CorruptFileError(f"truncated or damaged PDF ({type(e).__name__}: {e})",
                               path=str(path)) from e
    return found


def _drawn(obj: dict[str, Any]) -> bool:
    """False for white filled rectangles without a stroke: text highlights and backgrounds
    that are invisible on paper but whose edges pdfplumber would read as ruling lines."""
    if obj.get("object_type") != "rect" or obj.get("stroke") or not obj.get("fill"):
        return True
    color = obj.get("non_stroking_color")
    values = color if isinstance(color, (tuple, list)) else (color,)
    white = values in ((0, 0, 0, 0), (0.0, 0.0, 0.0, 0.0)) or all(v == 1 for v in values)
    return not white


def _grid_lines(values: list[float]) -> list[float]:
    """Distinct edge positions, snapping ones closer than ``_GRID_SNAP``."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _GRID_SNAP:
            out.append(v)
    return out


def _index(grid: list[float], v: float) -> int:
    i = bisect.bisect_left(grid, v - _GRID_SNAP)
    return min(i, len(grid) - 1)


def _table_in(table: Any, page: int, limits: Limits, where: str) -> TableIn | None:
    """A pdfplumber table as grid cells: each merged region once, at its top-left, with
    row/col spans computed from the cell rectangles against the table's distinct edges."""
    xs = _grid_lines([c[0] for c in table.cells] + [c[2] for c in table.cells])
    ys = _grid_lines([c[1] for c in table.cells] + [c[3] for c in table.cells])
    size = (len(xs) - 1) * (len(ys) - 1)
    if size > limits.max_table_cells:
        raise ResourceLimitError(f"a table of {size:,} cells on page {page} is over the "
                                 f"{limits.max_table_cells:,}-cell limit", path=where)
    if size <= 1:
        return None                                   # a framed paragraph, not a table
    cells: list[CellIn] = []
    for row, texts in zip(table.rows, table.extract()):
        for box, text in zip(row.cells, texts):
            if box is None:
                continue
            r, c = _index(ys, box[1]), _index(xs, box[0])
            cells.append(CellIn(r, c, text or "", max(1, _index(ys, box[3]) - r),
                                max(1, _index(xs, box[2]) - c),
                                Location(page=page, bbox=_bbox(box))))
    bbox = _bbox(table.bbox)
    return TableIn(page, bbox, cells, _header_rows(cells))


def _bbox(box: tuple[float, float, float, float]) -> BBox:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def _header_rows(cells: list[CellIn]) -> int:
    """Leading rows without a numbers-only cell are header rows (at most three, never every
    row); a header cell spanning rows takes the rows it covers along."""
    n_rows = max((c.row + c.row_span for c in cells), default=0)
    rows: dict[int, list[CellIn]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c)
    count = 0
    while count < n_rows and _looks_like_header(rows.get(count, [])):
        count += 1
    if count == 0:
        return 0
    if count > _MAX_HEADER_ROWS or count >= n_rows:
        count = 1                          # no data row told header from body: trust row one
    span = max(c.row + c.row_span for c in rows.get(0, []))
    return min(max(count, span), n_rows - 1)


def _looks_like_header(row: list[CellIn]) -> bool:
    texts = [c.text for c in row if c.text.strip()]
    return bool(texts) and not any(_DIGITS_ONLY.match(t) for t in texts)
