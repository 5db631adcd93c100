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
of a page that hold no text layer) one by one (``parsers.ocr``). Glyphs drawn in a legacy
font (.VnTime: TCVN3, VNI-Times: VNI) are converted to Unicode by the font's name as they are
read, before step 1 builds lines; legacy text in fonts that lost their names (found by
spelling) and accents split by stray spaces are repaired line by line (``parsers.legacy``).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from baocao.parsers import legacy, ocr
from baocao.parsers.base import Limits
from baocao.parsers.builder import DocumentBuilder
from baocao.parsers.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    NeedsOCRError,
    ResourceLimitError,
)
from baocao.parsers.pdf_layout import (
    Glyph,
    PageText,
    build_lines,
    drop_page_furniture,
    emit,
    flow_document,
)
from baocao.parsers.pdf_tables import edges_of, find_tables
from baocao.schemas.document import BBox, Document, Source

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
_FORM_DEPTH = 8         # nested form XObjects followed when looking for legacy fonts
_GET_OBJECTS_DEPTH = 15  # ... and when counting paths (pypdfium2's get_objects default)
# PDFium's codes for a "-" ending a line ("Bà Rịa-" / "Vũng Tàu"): 0x02 per character,
# U+FFFE in bulk text. Vietnamese does not hyphenate words, so the hyphen is kept.
_LINE_END_HYPHEN = frozenset((0x02, 0xFFFE))
_SKIP = frozenset((0x0A, 0x0D, 0xFFFF))
_SPACES = frozenset((0x20, 0xA0, 0x09, 0x3000))
_CHAR = itemgetter(0)   # a Glyph's character
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
    ocr_boxes, turns = _read_scans(path, pages, builder, limits)
    drop_page_furniture(pages)
    body, notes = flow_document(pages)
    emit(builder, body, notes)
    doc = builder.build()
    ocr.mark_ocr_blocks(doc, ocr_boxes, turns)
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
    """One page's lines, tables and counts; the page and its textpage are closed on return.
    Text drawn in a TCVN3/VNI font (.VnTime, VNI-Times) is converted here, glyph by glyph,
    before lines and table cells are built from the glyphs (``legacy.convert_glyph_runs``)."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        paths = _count_objects(page, pdfium_c.FPDF_PAGEOBJ_PATH, _TABLE_PATHS)
        fonts = _legacy_fonts(page)
        textpage = page.get_textpage()
        try:
            glyphs, runs = _glyphs(textpage, height, fonts)
        finally:
            textpage.close()
        pictures = ocr.image_boxes(page, height)   # a scan, or a scan pasted into a page
        edges = edges_of(page, height) if paths >= _TABLE_PATHS else []
    finally:
        page.close()
    legacy_lines: dict[legacy.SchemeName, int] = {}
    if runs:
        glyphs, legacy_lines = legacy.convert_glyph_runs(glyphs, runs)
    chars = len(glyphs) - sum(map(str.isspace, map(_CHAR, glyphs)))   # non-space, in C
    lines = build_lines(glyphs, index + 1)
    tables = find_tables(edges, glyphs, index + 1, (width, height), limits, where)
    return PageText(index + 1, width, height, lines, chars, paths, len(pictures), tables,
                    pictures, legacy_lines)


def _count_objects(page: pdfium.PdfPage, kind: int, cap: int) -> int:
    """Page objects of one kind (paths, images), counting stops at ``cap``: what
    ``len(page.get_objects(filter=[kind]))`` capped would say, walked in the same order
    (objects of form XObjects to the same depth, the same errors), with raw calls: pypdfium2's
    ``get_objects`` wraps every object of the page in a Python object first."""
    found = 0

    def walk(count: int, get: Any, parent: int, level: int) -> bool:   # True: cap reached
        nonlocal found
        if count < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for i in range(count):
            obj = get(parent, i)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            obj_kind = _OBJECT_TYPE(obj)
            if obj_kind == kind:
                found += 1
                if found >= cap:
                    return True
            if obj_kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < _GET_OBJECTS_DEPTH - 1 and \
                    walk(_FORM_OBJECTS(obj), _FORM_OBJECT, obj, level + 1):
                return True
        return False

    raw = _address(page.raw)
    walk(_PAGE_OBJECTS(raw), _PAGE_OBJECT, raw, 0)
    return found


def _glyphs(textpage: pdfium.PdfTextPage, height: float, fonts: dict[int, legacy.LegacyFont]
            ) -> tuple[list[Glyph], list[legacy.GlyphRun]]:
    """Every printable character with its loose box (font ascent to descent, so all glyphs
    of one font size on a baseline share top and bottom) in top-left coordinates; and the
    runs of them drawn in a legacy font, when ``fonts`` (``_legacy_fonts``) names any.

    Raw PDFium calls: the per-character helpers of pypdfium2 cost 5-10x more per call. The
    characters come from one bulk ``FPDFText_GetText`` when it maps one to one onto PDFium's
    character indices (it does unless the page has characters outside the BMP). A character's
    font is looked up (through its text object) only on a page that uses a legacy font.
    """
    raw = textpage.raw
    box_of, size_of = _LOOSE_BOX, _FONT_SIZE
    count = pdfium_c.FPDFText_CountChars(raw)
    codes = _codes(raw, count)
    rect = pdfium_c.FS_RECTF()
    handle, rect_at = ctypes.c_void_p(_address(raw)), ctypes.byref(rect)
    space = False
    out: list[Glyph] = []
    runs: list[legacy.GlyphRun] = []
    run_font: legacy.LegacyFont | None = None
    run_start = 0
    text_of: dict[int, str] = {}   # code → _char(code), "" for no text: a page has few codes
    for k in range(count):
        char = text_of.get(code := codes[k])
        if char is None:
            char = text_of[code] = _char(code) or ""
        if char == " ":
            space = True
            continue
        if not char or not box_of(handle, k, rect_at):
            continue
        if fonts:
            font = fonts.get(_TEXT_OBJECT(handle, k))  # None: not drawn in a legacy font
            if font != run_font:
                if run_font is not None:
                    runs.append((run_start, len(out), run_font))
                run_font, run_start = font, len(out)
        out.append((char, rect.left, height - rect.top, rect.right, height - rect.bottom,
                    size_of(handle, k), space))
        space = False
    if run_font is not None:
        runs.append((run_start, len(out), run_font))
    return out, runs


def _legacy_fonts(page: pdfium.PdfPage) -> dict[int, legacy.LegacyFont]:
    """The page's text objects (form XObjects' too) drawn in a TCVN3 or VNI font, by address,
    with the font's scheme; empty on a page without one, which then pays nothing more.

    Fonts are known by their /BaseFont name (PDFium drops the subset tag) through the same
    data as DOCX runs (``legacy.scheme_for_font``); each font handle is named once a page.
    """
    schemes: dict[int, legacy.LegacyFont | None] = {}
    found: dict[int, legacy.LegacyFont] = {}
    raw = _address(page.raw)
    stack = [(_PAGE_OBJECTS(raw), _PAGE_OBJECT, raw, 0)]
    while stack:
        count, get, parent, depth = stack.pop()
        for i in range(count):
            obj = get(parent, i)
            kind = _OBJECT_TYPE(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                font = _TEXT_FONT(obj)
                if font not in schemes:
                    size = _FONT_NAME(font, None, 0)
                    name = ctypes.create_string_buffer(size)
                    _FONT_NAME(font, name, size)
                    schemes[font] = legacy.scheme_for_font(name.value.decode("latin-1"))
                if (scheme := schemes[font]) is not None:
                    found[obj] = scheme
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _FORM_DEPTH:
                stack.append((_FORM_OBJECTS(obj), _FORM_OBJECT, obj, depth + 1))
    return found


def _address(pointer: Any) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _by_address(function: Any, restype: Any, *argtypes: Any) -> Any:
    """A ``pypdfium2.raw`` function declared anew to pass handles as plain addresses (ints):
    pypdfium2's own returns a new pointer object each call, which compares by identity and
    costs a ``ctypes.cast`` to read. Text objects and fonts are dictionary keys here."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(_address(function))


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_PAGE_OBJECTS = _by_address(pdfium_c.FPDFPage_CountObjects, _INT, _VOID)
_PAGE_OBJECT = _by_address(pdfium_c.FPDFPage_GetObject, _VOID, _VOID, _INT)
_FORM_OBJECTS = _by_address(pdfium_c.FPDFFormObj_CountObjects, _INT, _VOID)
_FORM_OBJECT = _by_address(pdfium_c.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_OBJECT_TYPE = _by_address(pdfium_c.FPDFPageObj_GetType, _INT, _VOID)
_TEXT_FONT = _by_address(pdfium_c.FPDFTextObj_GetFont, _VOID, _VOID)
_FONT_NAME = _by_address(pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_size_t, _VOID,
                         ctypes.c_char_p, ctypes.c_size_t)
# The calls made for every character (the text object's only on a page with a legacy font),
# declared without argument types: ctypes then passes each argument as what it already is
# (a c_void_p, a Python int as a C int, a byref) instead of running a converter per
# argument, which cut a call by 35-40 % (365 → 223 ns and 320 → 199 ns on the corpus PDFs).
# The callers pass exactly the prototypes' types: (FPDF_TEXTPAGE, int[, FS_RECTF*]).
_LOOSE_BOX = ctypes.CFUNCTYPE(_INT)(_address(pdfium_c.FPDFText_GetLooseCharBox))
_FONT_SIZE = ctypes.CFUNCTYPE(ctypes.c_double)(_address(pdfium_c.FPDFText_GetFontSize))
_TEXT_OBJECT = ctypes.CFUNCTYPE(_VOID)(_address(pdfium_c.FPDFText_GetTextObject))


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


def _read_scans(path: Path, pages: list[PageText], builder: DocumentBuilder, limits: Limits
                ) -> tuple[dict[int, list[BBox]], dict[int, ocr.Turn]]:
    """OCR the picture regions that hold no text layer (``parsers.ocr.ocr_regions``), page by
    page, and merge their lines and tables into the pages; returns the boxes of the OCR text
    per page number (``ocr.ocr_boxes``) and the pages levelled before OCR, for
    ``ocr.mark_ocr_blocks``.

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
    turns: dict[int, ocr.Turn] = {}
    scans = ocr.ocr_pages(path, sorted(plan), regions=plan, limits=limits) if plan else []
    for scanned in scans:
        lines = ocr.layout_lines(scanned)
        page = pages[scanned.number - 1]
        page.lines = ocr.merge_lines(page.lines, lines)
        page.tables = sorted(page.tables + scanned.tables, key=lambda t: t.bbox[1])
        boxes[scanned.number] = ocr.ocr_boxes(lines, scanned.tables)
        if scanned.turn is not None:
            turns[scanned.number] = scanned.turn
        for message in scanned.warnings:
            builder.warn(message)
    if total == 0 and not any(boxes.values()):
        raise NeedsOCRError(f"no text layer and no text found by OCR ({len(pages)} pages)",
                            path=where)
    if plan:
        builder.warn(f"ocr: page(s) {numbers} read by OCR (Tesseract {ocr.LANG}, "
                     f"{ocr.DPI} DPI)")
    return boxes, turns
