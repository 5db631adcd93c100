"""PDF reader: born-digital PDFs into a Document, words in reading order with their boxes.

The pipeline follows MEASURED.md (pypdfium2 text, pdfplumber's table finder only on pages
that draw ruling lines), in one pass over the pages:

1. pypdfium2 reads every page's glyphs (character, loose box, font size) and counts its vector
   paths; ``parsers.pdf_layout`` rebuilds lines from the boxes (so superscript footnote
   markers stay on their line) and later groups them into paragraphs.
2. On a page that draws at least ``_TABLE_PATHS`` paths, pdfplumber's ``TableFinder`` (its
   snapping, joining, intersections, cells and tables) runs on the page's straight path
   segments, read with PDFium. Letting pdfminer parse the page instead would cost as much as
   pdfplumber's whole ``extract_text`` (measured: every-page-a-table reports ran at 11
   pages/s that way, against 18 for bare extract_text); cell text comes from the glyphs
   already read, with the same centre-in-cell rule as pdfplumber's ``Table.extract``.
3. Running headers, footers and page numbers are dropped, tables take the place of the lines
   they cover, and everything goes to ``DocumentBuilder`` in reading order.

Pages are kept as separate ``PageText`` records so OCR fills in image pages (or the pictures
of a page that hold no text layer) one by one (``parsers.ocr``); legacy-font text (TCVN3,
VNI) and accents split by stray spaces are repaired line by line (``parsers.legacy``).
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers import legacy, ocr
from parsers.base import Limits
from parsers.builder import DocumentBuilder
from parsers.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    NeedsOCRError,
    ResourceLimitError,
)
from parsers.pdf_layout import (
    CellBox,
    Glyph,
    PageText,
    TableIn,
    build_lines,
    drop_page_furniture,
    emit,
    flow_document,
)
from schemas.document import BBox, Document, Source

__all__ = ["read_pdf"]

# A page is a table candidate when it draws at least this many vector paths: the rule under
# the national motto and the subject line is 1-2 paths, a ruled table is a dozen or more.
_TABLE_PATHS = 4
# Text-layer density rule. A typed A4 page holds 1,500-2,500 characters; scanned, signed
# files from chinhphu.vn hold none (or only a ~180-character signature stamp over 2-8 pages).
# Which pages are OCR'd is decided per page and per picture (parsers.ocr.ocr_regions); without
# Tesseract, a file under 100 non-space characters per page is unreadable (OCRUnavailableError)
# and one with more is read from its text layer with a warning (see _read_scans).
_OCR_CHARS_PER_PAGE = 100
_CHUNK = 50             # pages read per opening of the file (bounds PDFium's caches)
_FORM_DEPTH = 8         # nested form XObjects followed when collecting ruling lines
_STRAIGHT = 0.5         # a segment within half a point of level/plumb is a ruling line
_GRID_SNAP = 1.5        # cell edges closer than this (points) are the same grid line
_DIGITS_ONLY = re.compile(r"^[\d\s.,/%()+\-–]+$")   # a data cell: "1", "1.1", "11,1/18", "100%"
_MAX_HEADER_ROWS = 3
# PDFium's codes for a "-" ending a line ("Bà Rịa-" / "Vũng Tàu"): 0x02 per character,
# U+FFFE in bulk text. Vietnamese does not hyphenate words, so the hyphen is kept.
_LINE_END_HYPHEN = frozenset((0x02, 0xFFFE))
_SKIP = frozenset((0x0A, 0x0D, 0xFFFF))
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
    legacy_warning = legacy.convert_pdf_pages(pages)     # TCVN3/VNI text, split accents
    if legacy_warning:
        builder.warn(legacy_warning)
    ocr_boxes = _read_scans(path, pages, builder)
    drop_page_furniture(pages)
    body, notes = flow_document(pages)
    emit(builder, body, notes)
    doc = builder.build()
    ocr.mark_ocr_blocks(doc, ocr_boxes)
    return doc


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
            pages.append(_read_page(pdf, i, limits, where))
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


def _read_page(pdf: pdfium.PdfDocument, index: int, limits: Limits, where: str) -> PageText:
    """One page's lines, tables and counts; the page and its textpage are closed on return."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        paths = _count_objects(page, pdfium_c.FPDF_PAGEOBJ_PATH, _TABLE_PATHS)
        textpage = page.get_textpage()
        try:
            glyphs = list(_glyphs(textpage, height))
        finally:
            textpage.close()
        pictures = ocr.image_boxes(page, height)   # a scan, or a scan pasted into a page
        edges = _edges(page, height) if paths >= _TABLE_PATHS else []
    finally:
        page.close()
    chars = sum(1 for g in glyphs if not g[0].isspace())
    lines = build_lines(glyphs, index + 1)
    tables = _find_tables(edges, glyphs, index + 1, (width, height), limits, where)
    return PageText(index + 1, width, height, lines, chars, paths, len(pictures), tables,
                    pictures)


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
    if code in _LINE_END_HYPHEN:
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


def _read_scans(path: Path, pages: list[PageText], builder: DocumentBuilder
                ) -> dict[int, list[BBox]]:
    """OCR the picture regions that hold no text layer (``parsers.ocr.ocr_regions``), page by
    page, and merge their lines into the pages; returns the OCR line boxes per page number.

    Without Tesseract, a file with (almost) no text raises ``OCRUnavailableError`` (what to
    install); one with text is read from its text layer and warned about the scanned pages.
    A file with no text and nothing to OCR (or OCR finding nothing) is ``NeedsOCRError``.
    """
    where = str(path)
    total = sum(p.chars for p in pages)
    plan = {p.number - 1: regions for p in pages if (regions := ocr.ocr_regions(
        p.width, p.height, [ln.bbox for ln in p.lines], p.image_boxes, p.chars))}
    numbers = ", ".join(str(i + 1) for i in sorted(plan))
    if plan and (missing := ocr.tesseract_status()) is not None:
        if total < _OCR_CHARS_PER_PAGE * len(pages):
            ocr.require_tesseract(where)
        builder.warn(f"pages without a text layer (need OCR): {numbers}; {missing}")
        plan = {}
    boxes: dict[int, list[BBox]] = {}
    for scanned in ocr.ocr_pages(path, sorted(plan), regions=plan) if plan else []:
        lines = ocr.layout_lines(scanned)
        page = pages[scanned.number - 1]
        page.lines = ocr.merge_lines(page.lines, lines)
        boxes[scanned.number] = [ln.bbox for ln in lines]
        for message in scanned.warnings:
            builder.warn(message)
    if total == 0 and not any(boxes.values()):
        raise NeedsOCRError(f"no text layer and no text found by OCR ({len(pages)} pages)",
                            path=where)
    if plan:
        builder.warn(f"ocr: page(s) {numbers} read by OCR (Tesseract {ocr.LANG}, "
                     f"{ocr.DPI} DPI)")
    return boxes


# --- tables: pdfplumber's TableFinder on ruling lines read with PDFium -------------------

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _edges(page: pdfium.PdfPage, height: float) -> list[dict[str, Any]]:
    """The page's level and plumb path segments as pdfplumber edge dicts (top-left
    coordinates). Invisible paths (neither stroked nor filled, or white fills without a
    stroke: text highlights) are skipped, so their edges are not read as ruling lines."""
    out: list[dict[str, Any]] = []
    for obj, matrix in _paths(page.raw, pdfium_c.FPDFPage_CountObjects,
                              pdfium_c.FPDFPage_GetObject, _IDENTITY, 0):
        if _visible(obj):
            out.extend(e for a, b in _segments(obj, matrix) if (e := _edge(a, b, height)))
    return out


def _edge(a: tuple[float, float], b: tuple[float, float], height: float) -> dict[str, Any] | None:
    """A segment as a pdfplumber edge, if it is level ("h") or plumb ("v") and not a dot."""
    x0, x1 = min(a[0], b[0]), max(a[0], b[0])
    top, bottom = height - max(a[1], b[1]), height - min(a[1], b[1])
    if x1 - x0 < _STRAIGHT <= bottom - top:
        orientation, x0, x1 = "v", (x0 + x1) / 2, (x0 + x1) / 2
    elif bottom - top < _STRAIGHT <= x1 - x0:
        orientation, top, bottom = "h", (top + bottom) / 2, (top + bottom) / 2
    else:
        return None
    return {"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top}


def _paths(parent: Any, count: Any, get: Any, matrix: Matrix,
           depth: int) -> Iterator[tuple[Any, Matrix]]:
    """Path objects of a page or form XObject, each with its matrix to page space."""
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield obj, _compose(_matrix(obj), matrix)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _FORM_DEPTH:
            yield from _paths(obj, pdfium_c.FPDFFormObj_CountObjects,
                              pdfium_c.FPDFFormObj_GetObject,
                              _compose(_matrix(obj), matrix), depth + 1)


def _matrix(obj: Any) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _visible(obj: Any) -> bool:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke):
        return True
    if stroke.value:
        return True
    if fill.value == pdfium_c.FPDF_FILLMODE_NONE:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return True
    return (r.value, g.value, b.value) != (255, 255, 255) and a.value > 0


def _segments(obj: Any, m: Matrix) -> Iterator[tuple[tuple[float, float], tuple[float, float]]]:
    """Straight segments of a path in page space (Bézier pieces are skipped: rounded corners
    and curves are not table rulings)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    start = current = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if not pdfium_c.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        point = (m[0] * x.value + m[2] * y.value + m[4], m[1] * x.value + m[3] * y.value + m[5])
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            yield current, point
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None and start != point:
            yield point, start
            current = start


class _EdgePage:
    """The two attributes of a pdfplumber page that ``TableFinder`` reads with the default
    "lines" strategy: its edges and its box."""

    def __init__(self, edges: list[dict[str, Any]], size: tuple[float, float]) -> None:
        self.edges = edges
        self.bbox = (0.0, 0.0, size[0], size[1])


def _find_tables(edges: list[dict[str, Any]], glyphs: list[Glyph], page: int,
                 size: tuple[float, float], limits: Limits, where: str) -> list[TableIn]:
    """The page's ruled tables, top to bottom, with their cells' text lines."""
    if not edges:
        return []
    from pdfplumber.table import TableFinder  # imported on the first ruled page: 16 MB, 80 ms

    found = TableFinder(_EdgePage(edges, size)).tables  # type: ignore[arg-type]
    tables = [_table_in(t.cells, glyphs, page, limits, where) for t in found]
    return sorted((t for t in tables if t is not None), key=lambda t: t.bbox[1])


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


def _table_in(boxes: list[tuple[float, float, float, float]], glyphs: list[Glyph], page: int,
              limits: Limits, where: str) -> TableIn | None:
    """A table as grid cells: each merged region once, at its top-left, with row/col spans
    computed from the cell rectangles against the table's distinct edges."""
    xs = _grid_lines([c[0] for c in boxes] + [c[2] for c in boxes])
    ys = _grid_lines([c[1] for c in boxes] + [c[3] for c in boxes])
    size = (len(xs) - 1) * (len(ys) - 1)
    if size > limits.max_table_cells:
        raise ResourceLimitError(f"a table of {size:,} cells on page {page} is over the "
                                 f"{limits.max_table_cells:,}-cell limit", path=where)
    if size <= 1:
        return None                                   # a framed paragraph, not a table
    cells = []
    for box in boxes:
        r, c = _index(ys, box[1]), _index(xs, box[0])
        cells.append(CellBox(r, c, max(1, _index(ys, box[3]) - r), max(1, _index(xs, box[2]) - c),
                             _bbox(box), []))
    _fill_cells(cells, xs, ys, glyphs, page)
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    return TableIn(page, bbox, cells, _header_rows(cells))


def _fill_cells(cells: list[CellBox], xs: list[float], ys: list[float], glyphs: list[Glyph],
                page: int) -> None:
    """Give each cell the lines of the glyphs that fall in it: the glyph's vertical centre
    (pdfplumber's rule) and a point a quarter into it horizontally, so that a line-end hyphen
    hanging over the cell's right rule stays with its word."""
    slots: dict[tuple[int, int], int] = {}
    for i, cell in enumerate(cells):
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                slots[(r, c)] = i
    inside: list[list[Glyph]] = [[] for _ in cells]
    for g in glyphs:
        cx, cy = (3 * g[1] + g[3]) / 4, (g[2] + g[4]) / 2
        if xs[0] <= cx < xs[-1] and ys[0] <= cy < ys[-1]:
            slot = (bisect.bisect_right(ys, cy) - 1, bisect.bisect_right(xs, cx) - 1)
            if slot in slots:
                inside[slots[slot]].append(g)
    for cell, found in zip(cells, inside):
        cell.lines = build_lines(found, page)


def _bbox(box: tuple[float, float, float, float]) -> BBox:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def _header_rows(cells: list[CellBox]) -> int:
    """Leading rows without a numbers-only cell are header rows (at most three, never every
    row); a header cell spanning rows takes the rows it covers along."""
    n_rows = max((c.row + c.row_span for c in cells), default=0)
    rows: dict[int, list[CellBox]] = {}
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


def _looks_like_header(row: list[CellBox]) -> bool:
    texts = [c.text for c in row if c.text.strip()]
    return bool(texts) and not any(_DIGITS_ONLY.match(t) for t in texts)
