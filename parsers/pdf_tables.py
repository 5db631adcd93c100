"""Ruled tables of a page: pdfplumber's ``TableFinder`` on ruling lines.

Shared by the born-digital reader (``parsers.pdf``: level and plumb path segments read with
PDFium, ``edges_of``) and the scan reader (``parsers.ocr``: rules found in the page image),
so a table comes out the same way whatever drew it: ``find_tables`` turns the edges into
grid cells (merged cells as row/col spans, header rows) holding the text lines of the
glyphs that fall in them.
"""

from __future__ import annotations

import bisect
import ctypes
import re
from collections.abc import Iterator
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from baocao.parsers.base import Limits
from baocao.parsers.errors import ResourceLimitError
from baocao.parsers.pdf_layout import CellBox, Glyph, TableIn, build_lines
from baocao.schemas.document import BBox

__all__ = ["edges_of", "find_tables", "find_grids", "tables_in", "line_edge"]

_FORM_DEPTH = 8         # nested form XObjects followed when collecting ruling lines
_STRAIGHT = 0.5         # a segment within half a point of level/plumb is a ruling line
_GRID_SNAP = 1.5        # cell edges closer than this (points) are the same grid line
_DIGITS_ONLY = re.compile(r"^[\d\s.,/%()+\-–]+$")   # a data cell: "1", "1.1", "11,1/18", "100%"
_MAX_HEADER_ROWS = 3

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def edges_of(page: pdfium.PdfPage, height: float) -> list[dict[str, Any]]:
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
    return line_edge(orientation, x0, top, x1, bottom)


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


def find_tables(edges: list[dict[str, Any]], glyphs: list[Glyph], page: int,
                size: tuple[float, float], limits: Limits, where: str) -> list[TableIn]:
    """The page's ruled tables, top to bottom, with their cells' text lines."""
    return tables_in(find_grids(edges, size), glyphs, page, limits, where)


def find_grids(edges: list[dict[str, Any]], size: tuple[float, float]) -> list[list[BBox]]:
    """The cell rectangles of each table the edges make (pdfplumber's ``TableFinder``)."""
    if not edges:
        return []
    from pdfplumber.table import TableFinder  # imported on the first ruled page: 16 MB, 80 ms

    found = TableFinder(_EdgePage(edges, size)).tables  # type: ignore[arg-type]
    return [[_bbox(c) for c in t.cells] for t in found]


def tables_in(grids: list[list[BBox]], glyphs: list[Glyph], page: int, limits: Limits,
              where: str) -> list[TableIn]:
    """The tables of ``grids`` (framed paragraphs dropped), each cell holding the lines of
    the glyphs that fall in it, top to bottom."""
    tables = [_table_in(grid, glyphs, page, limits, where) for grid in grids]
    return sorted((t for t in tables if t is not None), key=lambda t: t.bbox[1])


def line_edge(orientation: str, x0: float, top: float, x1: float,
              bottom: float) -> dict[str, Any]:
    """A ruling line as the edge dict pdfplumber's ``TableFinder`` reads (top-left points)."""
    return {"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top}


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
