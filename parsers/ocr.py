"""Scanned pages → text lines with boxes, through Tesseract and its Vietnamese model.

Why it is built this way:

* **The tesseract command line, not pytesseract.** pytesseract is a thin wrapper that writes
  the image to a temporary file and runs the same binary; calling the binary ourselves costs
  no extra dependency, reads the image from stdin (no temporary files), and gives each page
  a hard ``timeout`` and an isolated process (a crash or a hang in Tesseract costs one page,
  never the reader). The TSV output carries every word's box and confidence.
* **Render with pypdfium2 at ``DPI`` = 150.** Measured (``benchmarks/ocr.py``) on corpus
  PDFs turned into 200-DPI image-only scans, fact recall against ``corpus/gold`` at 150 /
  200 / 300 DPI: clean 0.971 / 0.967 / 0.955, noisy 0.955 / 0.930 / -, rotated 1.5°
  0.947 / 0.947 / -; on the six real scans of ``../shared/realdocs`` (200 DPI, 1-bit) both
  150 and 200 find all 19 checked deadlines, fractions and percentages, at 1.1 against 1.6
  s a page (one Tesseract thread). Higher resolutions are slower and worse on noisy pages
  (Tesseract's binarisation sees upsampled noise as strokes); Tesseract rescales text
  lines itself, so 150 DPI loses nothing on 10-point footnotes.
* **One Tesseract thread per process, pages in parallel.** Tesseract's OpenMP threads spin
  against each other on two cores (measured on four real-scan pages: 41 s with two OpenMP
  threads, 7 s with ``OMP_THREAD_LIMIT=1``); pages are independent, so ``workers``
  single-threaded processes run side by side instead.
* **Per page, per region.** A page is OCR'd when it shows a large picture and its text layer
  holds no text inside it (``ocr_regions``); OCR lines are then kept only inside those
  pictures, so a page that is half typed text and half a pasted scan keeps its real text and
  gains the scanned part, and a fully scanned page is read whole.
* **Levelled, rulings erased** (``parsers.scan_image``). A scanned page (not a picture
  pasted into a typed one) turned by ``MIN_SKEW`` or more is turned level before Tesseract.
  Measured (``benchmarks/ocr.py``, 150 DPI), fact recall on scans fed 1.5° / 3° askew:
  0.947 / 0.911 before this step existed, 0.979 / 0.982 with it (0.926 / 0.905 with it
  switched off, rulings of a turned page making broken tables); clean 0.971 → 0.973, noisy
  0.955 → 0.967. It costs 17-19 ms a page to measure the skew and 41-42 ms on pages it
  turns. The real scans lie 0.1-0.8° askew. Long thin dark runs are ruling lines: they are
  painted white so Tesseract does not read a cell's rule into its figure ("30.7011" for
  30.701), and kept as edges for the table finder.
* **Tables as in born-digital PDFs.** The rulings, in points, go through the PDF reader's
  table finder (``parsers.pdf_tables.find_tables``: pdfplumber's ``TableFinder``) with the OCR
  words as its characters, so a scanned table becomes a ``TableIn`` with cells, spans and
  header rows, placed in the flow like a typed one. Its cells are cut out and read in a
  Tesseract run of their own, at ``CELL_DPI`` (``_stack``: small table fonts lose their
  commas at 150 DPI), and left blank in the page's image, so a word is in a cell or in the
  page's lines, never both.
* **Boxes in PDF points, top-left origin**, the same as the text layer's
  (``schemas.document.BBox``), so a fact found in OCR text points at its place on the page.
  On a levelled page everything (lines, tables, paragraph rules) is laid out in the level
  frame, where lines have their true heights and pitch; ``mark_ocr_blocks`` then turns the
  boxes of the page's OCR blocks back (``Turn.back``) to where the page shows them.

The lines are returned as ``OcrLine`` records and, for the PDF reader, as
``parsers.pdf_layout.Line`` objects so OCR'd pages go through the same paragraph, footnote
and page-furniture rules as born-digital ones. Facts from them are marked ``origin="ocr"``
(``mark_ocr_blocks``) and carry a lower confidence downstream.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import math
import os
import re
import shutil
import statistics
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from baocao.parsers.base import Limits
from baocao.parsers.builder import DocumentBuilder
from baocao.parsers.errors import (
    ConversionError,
    CorruptFileError,
    OCRUnavailableError,
    ResourceLimitError,
)
from baocao.parsers.pdf_layout import (
    Glyph,
    Line,
    PageText,
    TableIn,
    drop_page_furniture,
    emit,
    flow_document,
)
from baocao.parsers.pdf_tables import find_grids, line_edge, tables_in
from baocao.schemas.document import BBox, Block, Document, Location, Source

if TYPE_CHECKING:  # numpy, Pillow and the image module load with the first scanned page
    import numpy as np
    from PIL import Image

    from baocao.parsers import scan_image

__all__ = [
    "DPI", "LANG", "OcrWord", "OcrLine", "OcrPage", "Turn", "tesseract_status", "require_tesseract",
    "image_boxes", "ocr_regions", "needs_ocr", "ocr_page", "ocr_pages", "ocr_image",
    "parse_tsv", "fix_digits", "layout_lines", "join_split_lines", "merge_lines", "ocr_boxes",
    "mark_ocr_blocks", "read_ocr",
]

DPI = 150                      # render resolution; see the module docstring for the measurements
LANG = "vie"                   # Tesseract's Vietnamese model (Debian: tesseract-ocr-vie)
PAGE_TIMEOUT = 120.0           # seconds one page may take before it is given up with a warning
MAX_PIXELS = 40_000_000        # a larger render is scaled down (an A0 poster at 200 DPI is 74 MP)
MIN_TEXT_CHARS = 100           # a page with fewer text-layer characters may be a scan ...
MIN_IMAGE_SHARE = 0.05         # ... if a picture without text covers this share of it or more
MIN_LINE_CONF = 30.0           # a line whose mean word confidence is lower is noise (stamps, rules)
# A scanned page turned less than this is read as it is: 0.2° moves the end of a 17 cm rule by
# 1.7 points, inside the table finder's 3-point snap, and Tesseract does not notice it.
MIN_SKEW = 0.2                 # degrees
MIN_SCAN_SHARE = 0.5           # pictures covering this share of a page make it a scanned page
CELL_DPI = 225                 # table cells are read again at this resolution (see _stack)
_CELL_INK = 12                 # a cell with fewer dark pixels (150 DPI) is empty: specks, dust
_CELL_GAP = 16                 # white pixels around each cell stacked for the cell pass
_STACK_MAX = 16_000            # pixels: a taller stack is split (Tesseract's limit is 32,767)
_SIZE_RATIO = 0.8              # font size ≈ 0.8 x an OCR line's box height (accents, descenders)
_SAME_BODY = 0.35              # lines within 35 % of the page's median height share its size
_JOIN_GAP = 1.5                # two pieces of one line cut by Tesseract lie < 1.5 line heights apart
_JOIN_OVERLAP = 0.6            # ... and share 60 % of the shorter piece's height
# A number with letters Tesseract confuses for digits, punctuation around it kept apart
_DIGITISH = re.compile(r"([(\[]?)([\dlIO|o$§]+(?:[.,/][\dlIO|o$§]+)*)([)\].,;:%]*)")
_LOOKALIKES = str.maketrans("lI|Oo$§", "1110058")
# A list marker that may hang left of its text: "-", "+", "a)", "1.", "2.1.", "IV."
_LIST_MARKER = re.compile(r"^(?:[-–—•+]|[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*\.|[IVXLC]{1,6}\.)$")
_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie"


@dataclass(frozen=True)
class OcrWord:
    text: str
    bbox: BBox               # PDF points, top-left origin
    confidence: float        # 0..1, Tesseract's word confidence / 100


@dataclass(frozen=True)
class OcrLine:
    text: str
    bbox: BBox
    confidence: float        # mean of the words' confidences
    words: tuple[OcrWord, ...]
    block: int = 0           # Tesseract's block number: lines of one block read together


@dataclass(frozen=True)
class Turn:
    """How a scanned page was levelled: its render turned by ``-angle`` degrees (the sheet lay
    ``angle`` degrees counter-clockwise on the scanner) about ``centre``, in points."""

    angle: float
    centre: tuple[float, float]

    def back(self, box: BBox) -> BBox:
        """Where ``box`` of the levelled render lies on the page: the box around its corners
        turned back by ``angle`` (a line's box grows by its slope: it holds the whole line)."""
        a = math.radians(self.angle)
        cos, sin = math.cos(a), math.sin(a)
        cx, cy = self.centre
        xs, ys = [], []
        for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
            dx, dy = x - cx, y - cy                # y grows downwards: counter-clockwise as seen
            xs.append(cx + dx * cos + dy * sin)
            ys.append(cy - dx * sin + dy * cos)
        return (min(xs), min(ys), max(xs), max(ys))


@dataclass
class OcrPage:
    """One page as OCR read it. On a levelled page (``turn`` set) boxes are in the level frame."""

    number: int              # 1-based page number
    width: float             # page size in points
    height: float
    lines: list[OcrLine] = field(default_factory=list)   # text outside tables
    dpi: float = DPI
    warnings: list[str] = field(default_factory=list)
    tables: list[TableIn] = field(default_factory=list)  # ruled tables, with their words
    turn: Turn | None = None

    def to_page(self, box: BBox) -> BBox:
        """A box of this page's render as the page shows it."""
        return self.turn.back(box) if self.turn is not None else box

    @property
    def confidence(self) -> float:
        """Mean word confidence of the page (0 when nothing was read)."""
        words = [w.confidence for ln in self.lines for w in ln.words]
        return statistics.fmean(words) if words else 0.0


# ------------------------------------------------------------------------ the Tesseract binary

def _binary() -> str | None:
    return os.environ.get("BAOCAO_TESSERACT") or shutil.which("tesseract")


@cache
def _languages(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def tesseract_status() -> str | None:
    """None when Tesseract and its Vietnamese model are installed, else what is missing."""
    binary = _binary()
    if binary is None:
        return "Tesseract is not installed"
    if LANG not in _languages(binary):
        return f"Tesseract's Vietnamese model ({LANG}) is not installed"
    return None


def require_tesseract(path: str | None = None) -> str:
    """The tesseract binary, or ``OCRUnavailableError`` saying what to install."""
    missing = tesseract_status()
    if missing is not None:
        raise OCRUnavailableError(f"no text layer: needs OCR, and {missing}", path=path,
                                  hint=f"install it: {_INSTALL}")
    return _binary() or "tesseract"


# ---------------------------------------------------------------------- which pages need OCR

def image_boxes(page: pdfium.PdfPage, height: float, cap: int = 64) -> list[BBox]:
    """Boxes (points, top-left origin) of the page's pictures, the first ``cap`` of them,
    looking one level into form XObjects (scanners wrap the page image in one).

    Raw PDFium calls, as in ``parsers.pdf``: pypdfium2's ``get_objects`` wraps every object
    of the page in a Python object, which on text-heavy pages cost 15 % of the reader."""
    boxes: list[BBox] = []
    left, bottom = ctypes.c_float(), ctypes.c_float()
    right, top = ctypes.c_float(), ctypes.c_float()
    stack = [(pdfium_c.FPDFPage_CountObjects(page.raw), pdfium_c.FPDFPage_GetObject, page.raw, 0)]
    while stack and len(boxes) < cap:
        count, get, parent, depth = stack.pop()
        for k in range(count):
            obj = get(parent, k)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE and pdfium_c.FPDFPageObj_GetBounds(
                    obj, left, bottom, right, top):
                boxes.append((left.value, height - top.value, right.value,
                              height - bottom.value))
                if len(boxes) >= cap:
                    break
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 1:
                stack.append((pdfium_c.FPDFFormObj_CountObjects(obj),
                              pdfium_c.FPDFFormObj_GetObject, obj, depth + 1))
    return boxes


def _area(box: BBox) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _clip(box: BBox, width: float, height: float) -> BBox:
    return (max(0.0, box[0]), max(0.0, box[1]), min(width, box[2]), min(height, box[3]))


def _centre_in(box: BBox, region: BBox, tol: float = 1.0) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] - tol <= cx <= region[2] + tol and region[1] - tol <= cy <= region[3] + tol


def ocr_regions(width: float, height: float, text_lines: Sequence[BBox],
                images: Sequence[BBox], chars: int | None = None) -> list[BBox]:
    """The picture regions of a page that OCR should read: large pictures holding no text line.

    ``chars`` (text-layer characters on the page) short-cuts the common case: a page with
    ``MIN_TEXT_CHARS`` or more characters is read from its text layer unless one of its
    pictures is large and text-free (a scanned table pasted into a typed report).
    """
    page_area = max(width * height, 1.0)
    regions = []
    for box in images:
        box = _clip(box, width, height)
        if _area(box) < MIN_IMAGE_SHARE * page_area:
            continue
        if not any(_centre_in(line, box) for line in text_lines):
            regions.append(box)
    if chars is not None and chars >= MIN_TEXT_CHARS:
        regions = [r for r in regions if _area(r) >= 4 * MIN_IMAGE_SHARE * page_area]
    return regions


def needs_ocr(width: float, height: float, text_lines: Sequence[BBox],
              images: Sequence[BBox], chars: int | None = None) -> bool:
    """Whether a page has a picture region to OCR (see ``ocr_regions``)."""
    return bool(ocr_regions(width, height, text_lines, images, chars))


# ------------------------------------------------------------------------------- rendering

def _scale(width: float, height: float, dpi: float) -> float:
    """Points → pixels factor at ``dpi``, reduced so the render stays under MAX_PIXELS."""
    scale = dpi / 72.0
    pixels = width * height * scale * scale
    if pixels > MAX_PIXELS:
        scale *= (MAX_PIXELS / pixels) ** 0.5
    return scale


# ------------------------------------------------------------------------------- Tesseract

def run_tesseract(image: bytes, dpi: float, *, timeout: float = PAGE_TIMEOUT,
                  path: str | None = None, psm: int = 3) -> str:
    """Tesseract's TSV for one image (PNG bytes); ``ConversionError`` if it fails or hangs.
    ``psm`` 3 finds the page's layout itself; 6 reads the image as one block of lines."""
    binary = require_tesseract(path)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [binary, "stdin", "stdout", "-l", LANG, "--dpi", str(round(dpi)), "--psm", str(psm),
           "tsv"]
    try:
        done = subprocess.run(cmd, input=image, capture_output=True, timeout=timeout,
                              env=env, check=False)
    except subprocess.TimeoutExpired as e:
        raise ConversionError(f"Tesseract took over {timeout:.0f} s on a page",
                              path=path) from e
    except OSError as e:
        raise OCRUnavailableError(f"cannot run Tesseract ({e.strerror})", path=path,
                                  hint=f"install it: {_INSTALL}") from e
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise ConversionError(f"Tesseract failed on a page: {tail[0][:200]}", path=path)
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, scale: float) -> list[OcrLine]:
    """Tesseract TSV → lines of words, boxes divided by ``scale`` (pixels per point)."""
    return [_line(words, key[0]) for key, words in _tsv_words(tsv, scale).items()
            if _keep(words)]


def _tsv_words(tsv: str, scale: float) -> dict[tuple[int, int, int], list[OcrWord]]:
    """The words of a TSV by Tesseract's (block, paragraph, line), digits fixed."""
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            left, top, w, h = (int(c) for c in cols[6:10])
            conf = float(cols[10])
            key = (int(cols[2]), int(cols[3]), int(cols[4]))
        except ValueError:
            continue
        box = (left / scale, top / scale, (left + w) / scale, (top + h) / scale)
        word = fix_digits(cols[11].strip())
        lines.setdefault(key, []).append(OcrWord(word, box, max(conf, 0.0) / 100))
    return lines


def fix_digits(word: str) -> str:
    """Letters Tesseract reads for digits inside a number: "l1" → "11", "2O25" → "2025",
    "§7.880" → "87.880" (an 8 or a 5 of a small table font read as § or $).

    Only a token of digits and look-alikes (l I | O o $ §) with at least one real digit is
    changed, so words, roman numerals ("II") and symbols ("TTHC") are left alone.

    >>> fix_digits("l1"), fix_digits("2O25,"), fix_digits("II"), fix_digits("lO"), fix_digits("$")
    ('11', '2025,', 'II', 'lO', '$')
    """
    m = _DIGITISH.fullmatch(word)
    if m is None or len(m.group(2)) < 2 or not any(ch.isdigit() for ch in m.group(2)):
        return word
    return m.group(1) + m.group(2).translate(_LOOKALIKES) + m.group(3)


def _line(words: list[OcrWord], block: int) -> OcrLine:
    box = (min(w.bbox[0] for w in words), min(w.bbox[1] for w in words),
           max(w.bbox[2] for w in words), max(w.bbox[3] for w in words))
    conf = statistics.fmean(w.confidence for w in words)
    return OcrLine(" ".join(w.text for w in words), box, conf, tuple(words), block)


def _keep(words: list[OcrWord]) -> bool:
    """A line worth keeping: some letter or digit, and not the low-confidence noise that
    stamps, signatures and ruling lines produce."""
    if not any(ch.isalnum() for w in words for ch in w.text):
        return False
    return statistics.fmean(w.confidence for w in words) * 100 >= MIN_LINE_CONF


def ocr_image(image: bytes, scale: float, *, dpi: float = DPI,
              timeout: float = PAGE_TIMEOUT, path: str | None = None) -> list[OcrLine]:
    """OCR one rendered image (PNG bytes) whose pixels are ``scale`` per PDF point."""
    return parse_tsv(run_tesseract(image, dpi, timeout=timeout, path=path), scale)


# ------------------------------------------------------------------------------ PDF pages

def ocr_page(pdf_path: str | Path, page_index: int, *, dpi: float = DPI,
             regions: Sequence[BBox] | None = None,
             timeout: float = PAGE_TIMEOUT) -> OcrPage:
    """OCR one page (0-based ``page_index``); keep only lines inside ``regions`` if given."""
    return ocr_pages(pdf_path, [page_index], dpi=dpi, workers=1, timeout=timeout,
                     regions={page_index: list(regions)} if regions is not None else None)[0]


def ocr_pages(pdf_path: str | Path, indices: Iterable[int], *, dpi: float = DPI,
              workers: int | None = None, timeout: float = PAGE_TIMEOUT,
              regions: dict[int, list[BBox]] | None = None,
              limits: Limits | None = None, deskew: bool = True) -> list[OcrPage]:
    """OCR several pages of one PDF, ``workers`` Tesseract processes side by side.

    Pages are rendered and prepared (``_prepare``: levelled, rulings erased, table cells cut
    out for their own run) one at a time in this thread (PDFium is not thread-safe) and at
    most ``2 x workers`` prepared pages wait for Tesseract, which bounds memory on long scans.
    A page Tesseract fails on or times out on comes back empty with a warning. ``limits``
    bounds the tables found (``Limits()`` if None); ``deskew=False`` reads pages as turned as
    they are (``benchmarks/ocr.py`` compares).
    """
    where = str(pdf_path)
    require_tesseract(where)
    workers = max(1, workers or min(os.cpu_count() or 1, 4))
    limits = limits or Limits()
    pages: list[OcrPage] = []
    pending: list[_Pending] = []
    try:
        pdf = pdfium.PdfDocument(where)
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"truncated or damaged PDF ({e})", path=where) from e
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for index in indices:
                if len(pending) >= 2 * workers:
                    pages.append(_collect(pending.pop(0), limits, where))
                wanted = regions.get(index) if regions is not None else None
                ready = _prepare(pdf, index, dpi, wanted, limits, deskew, where)
                ready.job = pool.submit(run_tesseract, ready.png, ready.scale * 72,
                                        timeout=timeout, path=where)
                for stack in ready.stacks:
                    stack.job = pool.submit(run_tesseract, stack.png, CELL_DPI,
                                            timeout=timeout, path=where, psm=6)
                pending.append(ready)
            pages.extend(_collect(p, limits, where) for p in pending)
    finally:
        pdf.close()
    return pages


@dataclass
class _Stack:
    """Table cells cut out of a page, scaled to ``CELL_DPI`` and stacked into one image."""

    png: bytes
    tops: list[int]                           # where each cell starts in the stack
    origins: list[tuple[int, int]]            # each cell's top-left pixel on the page render
    factor: float                             # stack pixels per render pixel
    job: Future[str] | None = None


@dataclass
class _Pending:
    """A page prepared for Tesseract: its images, and what reading their TSV needs."""

    page: OcrPage
    scale: float                              # render pixels per point
    png: bytes                                # the page, levelled, rulings erased, cells blank
    grids: list[list[BBox]]                   # the cells of each table its rulings make
    stacks: list[_Stack]
    regions: list[BBox] | None                # keep only what lies in these (page frame)
    job: Future[str] | None = None

    @property
    def cells(self) -> list[BBox]:
        return [cell for grid in self.grids for cell in grid]


def _prepare(pdf: pdfium.PdfDocument, index: int, dpi: float, regions: list[BBox] | None,
             limits: Limits, deskew: bool, where: str) -> _Pending:
    """Render a page and make its images for Tesseract.

    A scanned page (``_scanned_page``) turned by ``MIN_SKEW`` or more is levelled first. The
    rulings found are erased, and the tables they make (``_grid``) are cut out cell by cell
    into stacks (``_stack``) read apart from the page, whose copy has them blank: the page
    run reads the text around the tables, the stack runs the tables' cells.
    """
    from baocao.parsers import scan_image  # numpy: 15 MB no born-digital PDF needs

    gray, scale, width, height = _render(pdf, index, dpi, where)
    page = OcrPage(index + 1, width, height, dpi=scale * 72)
    ink = scan_image.ink_mask(gray)
    scanned = deskew and _scanned_page(regions, width, height)
    angle = scan_image.skew_angle(ink) if scanned else 0.0
    if abs(angle) >= MIN_SKEW:
        page.turn = Turn(angle, (gray.shape[1] / scale / 2, gray.shape[0] / scale / 2))
        gray = scan_image.level(gray, angle)
        ink = scan_image.ink_mask(gray)
    rulings, mask = scan_image.find_rulings(ink, scale)
    edges = [_edge(seg, scale) for seg in rulings]
    if regions is not None:
        edges = [e for e in edges if any(_centre_in(page.to_page(
            (e["x0"], e["top"], e["x1"], e["bottom"])), r) for r in regions)]
    grids = _grids(edges, page, limits, where)
    cells = [cell for grid in grids for cell in grid]
    stacks: list[_Stack] = []
    if rulings:
        gray = scan_image.erase(gray, mask)
        stacks = _stack(gray, cells, scale)
        for box in cells:
            x0, y0, x1, y1 = _pixels(box, scale)
            gray[y0:y1, x0:x1] = 255
    return _Pending(page, scale, _png(gray), grids, stacks, regions)


def _render(pdf: pdfium.PdfDocument, index: int, dpi: float,
            where: str) -> tuple[np.ndarray, float, float, float]:
    """A page as a grayscale array, its pixels per point, and its size in points."""
    try:
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = _scale(width, height, dpi)
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                gray = bitmap.to_numpy().copy()
            finally:
                bitmap.close()
        finally:
            page.close()
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"page {index + 1} cannot be rendered ({e})", path=where) from e
    return gray, scale, width, height


def _scanned_page(regions: list[BBox] | None, width: float, height: float) -> bool:
    """Whether the page is a scan (read whole, or pictures over ``MIN_SCAN_SHARE`` of it), not
    a picture pasted into a typed page, whose text layer would not turn with a levelled render."""
    return regions is None or sum(_area(r) for r in regions) >= MIN_SCAN_SHARE * width * height


def _png(gray: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _pixels(box: BBox, scale: float) -> tuple[int, int, int, int]:
    """A box in points as the pixels strictly inside it (its rules stay out)."""
    return (round(box[0] * scale) + 1, round(box[1] * scale) + 1, round(box[2] * scale) - 1,
            round(box[3] * scale) - 1)


def _collect(ready: _Pending, limits: Limits, where: str) -> OcrPage:
    page = ready.page
    try:
        assert ready.job is not None
        lines = parse_tsv(ready.job.result(), ready.scale)
    except ConversionError as e:
        page.warnings.append(f"ocr: page {page.number} not read: {e.message}")
        return page
    if ready.regions is not None:
        lines = [ln for ln in lines
                 if any(_centre_in(page.to_page(ln.bbox), r) for r in ready.regions)]
    if ready.cells:
        glyphs: list[Glyph] = []
        for stack in ready.stacks:
            try:
                glyphs += _stack_glyphs(stack, ready.scale)
            except ConversionError as e:
                page.warnings.append(f"ocr: table cells of page {page.number} not read: "
                                     f"{e.message}")
        page.tables = tables_in(ready.grids, glyphs, page.number, limits, where)
        lines = _outside(lines, ready.cells)
    page.lines = lines
    return page


# ---------------------------------------------------------------------------- scanned tables

def _edge(seg: scan_image.Segment, scale: float) -> dict[str, Any]:
    """A ruling (pixels) as a pdfplumber edge in points."""
    pos = seg.pos / scale
    lo, hi = seg.lo / scale, seg.hi / scale
    if seg.level:
        return line_edge("h", lo, pos, hi, pos)
    return line_edge("v", pos, lo, pos, hi)


def _grids(edges: list[dict[str, Any]], page: OcrPage, limits: Limits,
           where: str) -> list[list[BBox]]:
    """The cells of each table the rulings make, found once by the born-digital reader's
    table finder (``parsers.pdf_tables``; framed paragraphs dropped, table size limited);
    ``_collect`` fills them with the words read (``tables_in``)."""
    tables = tables_in(find_grids(edges, (page.width, page.height)), [], page.number, limits,
                       where)
    return [[c.bbox for c in t.cells] for t in tables]


def _stack(gray: np.ndarray, cells: list[BBox], scale: float) -> list[_Stack]:
    """The cells that hold ink, cut out, scaled to ``CELL_DPI`` and stacked ``_CELL_GAP``
    apart into images of at most ``_STACK_MAX`` pixels' height.

    Why a run of their own: table fonts are small (8-10 points), and at the page's 150 DPI
    Tesseract drops the comma of "11,3%" and skips cells holding a lone "5" or "-" that its
    layout analysis takes for specks. Stacked, each cell is a line of a plain block of text
    (``psm`` 6). Measured on 59 figures of seed 001's scanned table and the real 52-row
    annex of ``../shared/realdocs`` (congvan-15557), read right when cells are scaled to
    150 / 225 / 262 / 300 DPI: 54 / 57 / 58 / 53 (neighbouring scales differ by a figure or
    two either way), against 52 read in the page's own run once rulings are erased and 43
    before; one stack of that annex's 253 cells takes Tesseract about 2 s.
    """
    import numpy as np
    from PIL import Image

    from baocao.parsers import scan_image

    factor = CELL_DPI / (scale * 72)
    crops: list[tuple[Image.Image, int, int]] = []
    for box in cells:
        x0, y0, x1, y1 = _pixels(box, scale)
        crop = gray[y0:y1, x0:x1]
        if crop.size and int((crop < scan_image.INK).sum()) >= _CELL_INK:
            size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
            crops.append((Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC), x0, y0))
    stacks: list[_Stack] = []
    while crops:
        height, n = _CELL_GAP, 0
        while n < len(crops) and (n == 0 or height + crops[n][0].height < _STACK_MAX):
            height += crops[n][0].height + _CELL_GAP
            n += 1
        batch, crops = crops[:n], crops[n:]
        image = Image.new("L", (max(im.width for im, _, _ in batch) + 2 * _CELL_GAP, height),
                          255)
        tops = []
        y = _CELL_GAP
        for im, _, _ in batch:
            image.paste(im, (_CELL_GAP, y))
            tops.append(y)
            y += im.height + _CELL_GAP
        stacks.append(_Stack(_png(np.asarray(image)), tops, [(x, y) for _, x, y in batch],
                             factor))
    return stacks


def _stack_glyphs(stack: _Stack, scale: float) -> list[Glyph]:
    """The words Tesseract read in a stack, as "glyphs" (``parsers.pdf_layout.Glyph``) in page
    points at their line's font size. Judged word by word, not by line (a cell is a line):
    marks without a letter or digit ("|", "'", "_": what is left of an erased rule) are
    dropped, and so are words under ``MIN_LINE_CONF`` unless they hold a digit (Tesseract gave
    "87.130.263" and "38,1%", both right, confidences of 0 and 27; specks come out as "L");
    a rule's remains stuck to a word's end go (``_unframed``)."""
    assert stack.job is not None
    rows = _tsv_words(stack.job.result(), 1.0)
    heights = [max(w.bbox[3] for w in ws) - min(w.bbox[1] for w in ws) for ws in rows.values()]
    to_points = stack.factor * scale
    body = statistics.median(heights) / to_points if heights else 0.0
    glyphs: list[Glyph] = []
    for found in rows.values():
        words = [OcrWord(_unframed(w.text), w.bbox, w.confidence) for w in found
                 if any(ch.isalnum() for ch in w.text) and (
                     w.confidence * 100 >= MIN_LINE_CONF or any(ch.isdigit() for ch in w.text))]
        if not words:
            continue
        line = _line(words, 0)
        size = _size((line.bbox[3] - line.bbox[1]) / to_points, body)
        for w in words:
            k = bisect.bisect_right(stack.tops, (w.bbox[1] + w.bbox[3]) / 2) - 1
            if k < 0:
                continue
            x, y = stack.origins[k]
            dy = stack.tops[k]
            glyphs.append((w.text, ((w.bbox[0] - _CELL_GAP) / stack.factor + x) / scale,
                           ((w.bbox[1] - dy) / stack.factor + y) / scale,
                           ((w.bbox[2] - _CELL_GAP) / stack.factor + x) / scale,
                           ((w.bbox[3] - dy) / stack.factor + y) / scale, size, True))
    return glyphs


def _unframed(text: str) -> str:
    """A cell's word without the bar or unpaired bracket a cell rule left at its ends:
    "57.998.551]" → "57.998.551", "|Hà" → "Hà"; "[1]" and "(50%)" stay.

    >>> _unframed("57.998.551]"), _unframed("|Hà"), _unframed("[1]"), _unframed("(50%)")
    ('57.998.551', 'Hà', '[1]', '(50%)')
    """
    text = text.strip("|")
    if text.endswith("]") and "[" not in text:
        text = text[:-1]
    if text.startswith("[") and "]" not in text:
        text = text[1:]
    return text


def _outside(lines: list[OcrLine], cells: list[BBox]) -> list[OcrLine]:
    """The lines without their words that lie in a table cell (the table carries those): a
    word is in a cell when the point a quarter into it and half way down is, the point
    ``parsers.pdf_tables._fill_cells`` places characters by. The cells were blank for the page
    run, so this only takes out what strayed in (a word straddling a rule)."""
    out = []
    for ln in lines:
        words = [w for w in ln.words if not _in_cell(w.bbox, cells)]
        if len(words) == len(ln.words):
            out.append(ln)
        elif words and _keep(words):
            out.append(_line(words, ln.block))
    return out


def _in_cell(box: BBox, cells: list[BBox]) -> bool:
    x, y = (3 * box[0] + box[2]) / 4, (box[1] + box[3]) / 2
    return any(c[0] <= x < c[2] and c[1] <= y < c[3] for c in cells)


# ------------------------------------------------------------------- into the PDF layout

def _size(height: float, body: float) -> float:
    """A line's font size: the page's body size unless its box height says otherwise."""
    if body and abs(height - body) <= _SAME_BODY * body:
        height = body
    return round(height * _SIZE_RATIO * 2) / 2


def layout_lines(page: OcrPage) -> list[Line]:
    """The OCR lines as ``parsers.pdf_layout.Line``, for the paragraph and footnote rules.

    Two adjustments make OCR boxes behave like text-layer boxes, whose bottoms sit on the
    baseline of one font size: a line's bottom is the median bottom of its words (a line
    with "g", "p" or a dot below would otherwise drop by a descender and look like a new
    paragraph), and every line close to the page's median height gets one font size
    (paragraph grouping compares sizes).
    """
    lines = join_split_lines(page.lines)
    heights = [ln.bbox[3] - ln.bbox[1] for ln in lines]
    body = statistics.median(heights) if heights else 0.0
    out: list[Line] = []
    for ln in lines:
        words = ln.words
        bottom = statistics.median(w.bbox[3] for w in words)
        box = (ln.bbox[0], ln.bbox[1], ln.bbox[2], max(bottom, ln.bbox[1] + 1.0))
        hang = box[0]
        if len(words) > 1 and _LIST_MARKER.match(words[0].text):
            hang = words[1].bbox[0]
        out.append(Line([(ln.text, False)], page.number, box,
                        _size(ln.bbox[3] - ln.bbox[1], body), hang))
    return out


def join_split_lines(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Lines Tesseract cut in two on one baseline (a heading it put in two blocks: "VĂN" |
    "PHÒNG UBND TỈNH ...") joined again: the right piece starts within a word space or two
    (``_JOIN_GAP`` line heights: small running headers are set wide) of the left piece's end,
    and the two overlap vertically by most of the shorter one's height. Columns (the
    two-column national header) lie further apart and stay separate; the joined line takes
    the place of its left piece."""
    out: list[OcrLine] = []
    for line in lines:
        for i, left in enumerate(out):
            if _continues_on_baseline(left, line):
                out[i] = OcrLine(f"{left.text} {line.text}",
                                 (left.bbox[0], min(left.bbox[1], line.bbox[1]), line.bbox[2],
                                  max(left.bbox[3], line.bbox[3])),
                                 (left.confidence * len(left.words)
                                  + line.confidence * len(line.words))
                                 / max(1, len(left.words) + len(line.words)),
                                 left.words + line.words, left.block)
                break
        else:
            out.append(line)
    return out


def _continues_on_baseline(left: OcrLine, right: OcrLine) -> bool:
    height = min(left.bbox[3] - left.bbox[1], right.bbox[3] - right.bbox[1])
    if height <= 0:
        return False
    overlap = min(left.bbox[3], right.bbox[3]) - max(left.bbox[1], right.bbox[1])
    gap = right.bbox[0] - left.bbox[2]
    return overlap >= _JOIN_OVERLAP * height and -0.2 * height <= gap <= _JOIN_GAP * height


def merge_lines(text_lines: list[Line], ocr_lines: list[Line]) -> list[Line]:
    """Text-layer lines in their order, each OCR line inserted before the first text line
    that starts below it (OCR lines keep Tesseract's reading order among themselves)."""
    if not text_lines:
        return list(ocr_lines)
    out: list[Line] = []
    pending = list(ocr_lines)
    for line in text_lines:
        while pending and pending[0].bbox[1] < line.bbox[1]:
            out.append(pending.pop(0))
        out.append(line)
    return out + pending


def ocr_boxes(lines: Sequence[Line], tables: Sequence[TableIn]) -> list[BBox]:
    """The boxes ``mark_ocr_blocks`` knows OCR text by: the OCR lines fed to the layout and
    the lines of the cells of the tables found in the scan."""
    return [ln.bbox for ln in lines] + [ln.bbox for t in tables for c in t.cells
                                         for ln in c.lines]


def mark_ocr_blocks(doc: Document, ocr_boxes: dict[int, list[BBox]],
                    turns: dict[int, Turn] | None = None) -> int:
    """Set ``origin="ocr"`` on every block that holds an OCR line; returns how many.

    ``ocr_boxes`` maps a 1-based page number to the boxes of the OCR lines fed for it (table
    cells' lines included). A block with line fragments is OCR when one of its fragments is
    one of those lines; a block without (a table, a footnote) when an OCR line's centre lies
    inside its box. Then, on the pages in ``turns`` (levelled before OCR), the OCR blocks'
    boxes are turned back to where the page shows them.
    """
    marked = 0
    for block in doc.blocks:
        if block.lines:
            hit = any(f.bbox in ocr_boxes.get(f.page, ()) for f in block.lines)
        else:
            loc = block.location
            hit = loc.page is not None and loc.bbox is not None and any(
                _centre_in(box, loc.bbox) for box in ocr_boxes.get(loc.page, ()))
        if hit:
            block.origin = "ocr"
            marked += 1
            if turns:
                _turn_back(block, ocr_boxes, turns)
    return marked


def _turn_back(block: Block, ocr_boxes: dict[int, list[BBox]], turns: dict[int, Turn]) -> None:
    """An OCR block's boxes from the levelled frames of its pages to the pages: its location,
    its OCR lines (a text-layer line it holds stays), its table's cells and pieces."""
    def back(loc: Location) -> Location:
        turn = turns.get(loc.page) if loc.page is not None else None
        if turn is None or loc.bbox is None:
            return loc
        return loc.model_copy(update={"bbox": turn.back(loc.bbox)})

    block.location = back(block.location)
    for frag in block.lines:
        if frag.page in turns and frag.bbox in ocr_boxes.get(frag.page, ()):
            frag.bbox = turns[frag.page].back(frag.bbox)
    if block.table is not None:
        block.table.pieces = [back(loc) for loc in block.table.pieces]
        for cell in block.table.cells:
            if cell.location is not None:
                cell.location = back(cell.location)


def read_ocr(path: Path, source: Source, limits: Limits, *, dpi: float = DPI,
             workers: int | None = None, deskew: bool = True) -> Document:
    """Read a PDF by OCR alone, ignoring any text layer: every page rendered and recognised.

    For a scan, and for a PDF whose text layer is garbage (a broken font encoding); the
    PDF reader itself OCRs only the pages that need it and keeps the text layer elsewhere.
    """
    where = str(path)
    try:
        n = len(pdfium.PdfDocument(where))
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"truncated or damaged PDF ({e})", path=where) from e
    if n > limits.max_pages:
        raise ResourceLimitError(f"{n:,} pages is over the {limits.max_pages:,}-page limit",
                                 path=where)
    scanned = ocr_pages(path, range(n), dpi=dpi, workers=workers, limits=limits, deskew=deskew)
    pages = [PageText(p.number, p.width, p.height, layout_lines(p), 0, 0, 1, p.tables)
             for p in scanned]
    boxes = {p.number: ocr_boxes(p.lines, p.tables) for p in pages}
    builder = DocumentBuilder(source.model_copy(update={"pages": n}))
    for p in scanned:
        for message in p.warnings:
            builder.warn(message)
    builder.warn(f"ocr: {n} page(s) read by OCR (Tesseract {LANG}, {dpi:.0f} DPI)")
    drop_page_furniture(pages)
    body, notes = flow_document(pages)
    emit(builder, body, notes)
    doc = builder.build()
    mark_ocr_blocks(doc, boxes, {p.number: p.turn for p in scanned if p.turn is not None})
    return doc


def iter_words(pages: Iterable[OcrPage]) -> Iterator[OcrWord]:
    """Every word of the pages' lines, in reading order (table cells hold their own words)."""
    for page in pages:
        for line in page.lines:
            yield from line.words
