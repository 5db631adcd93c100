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
* **Boxes in PDF points, top-left origin**, the same as the text layer's
  (``schemas.document.BBox``), so a fact found in OCR text points at its place on the page.

The lines are returned as ``OcrLine`` records and, for the PDF reader, as
``parsers.pdf_layout.Line`` objects so OCR'd pages go through the same paragraph, footnote
and page-furniture rules as born-digital ones. Facts from them are marked ``origin="ocr"``
(``mark_ocr_blocks``) and carry a lower confidence downstream.
"""

from __future__ import annotations

import ctypes
import io
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

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.base import Limits
from parsers.builder import DocumentBuilder
from parsers.errors import (
    ConversionError,
    CorruptFileError,
    OCRUnavailableError,
    ResourceLimitError,
)
from parsers.pdf_layout import Line, PageText, drop_page_furniture, emit, flow_document
from schemas.document import BBox, Document, Source

__all__ = [
    "DPI", "LANG", "OcrWord", "OcrLine", "OcrPage", "tesseract_status", "require_tesseract",
    "image_boxes", "ocr_regions", "needs_ocr", "ocr_page", "ocr_pages", "ocr_image",
    "parse_tsv", "fix_digits", "layout_lines", "merge_lines", "mark_ocr_blocks", "read_ocr",
]

DPI = 150                      # render resolution; see the module docstring for the measurements
LANG = "vie"                   # Tesseract's Vietnamese model (Debian: tesseract-ocr-vie)
PAGE_TIMEOUT = 120.0           # seconds one page may take before it is given up with a warning
MAX_PIXELS = 40_000_000        # a larger render is scaled down (an A0 poster at 200 DPI is 74 MP)
MIN_TEXT_CHARS = 100           # a page with fewer text-layer characters may be a scan ...
MIN_IMAGE_SHARE = 0.05         # ... if a picture without text covers this share of it or more
MIN_LINE_CONF = 30.0           # a line whose mean word confidence is lower is noise (stamps, rules)
_SIZE_RATIO = 0.8              # font size ≈ 0.8 x an OCR line's box height (accents, descenders)
_SAME_BODY = 0.35              # lines within 35 % of the page's median height share its size
# A number with letters Tesseract confuses for digits, punctuation around it kept apart
_DIGITISH = re.compile(r"([(\[]?)([\dlIO|o]+(?:[.,/][\dlIO|o]+)*)([)\].,;:%]*)")
_LOOKALIKES = str.maketrans("lI|Oo", "11100")
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


@dataclass
class OcrPage:
    number: int              # 1-based page number
    width: float             # page size in points
    height: float
    lines: list[OcrLine] = field(default_factory=list)
    dpi: float = DPI
    warnings: list[str] = field(default_factory=list)

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


def render_png(page: pdfium.PdfPage, dpi: float = DPI) -> tuple[bytes, float]:
    """The page as a grayscale PNG, and the points → pixels factor used."""
    width, height = page.get_size()
    scale = _scale(width, height, dpi)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=1)
    finally:
        bitmap.close()
    return buffer.getvalue(), scale


# ------------------------------------------------------------------------------- Tesseract

def run_tesseract(image: bytes, dpi: float, *, timeout: float = PAGE_TIMEOUT,
                  path: str | None = None) -> str:
    """Tesseract's TSV for one image (PNG bytes); ``ConversionError`` if it fails or hangs."""
    binary = require_tesseract(path)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [binary, "stdin", "stdout", "-l", LANG, "--dpi", str(round(dpi)), "--psm", "3", "tsv"]
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
    return [_line(words, key[0]) for key, words in lines.items() if _keep(words)]


def fix_digits(word: str) -> str:
    """Letters Tesseract reads for digits inside a number: "l1" → "11", "2O25" → "2025".

    Only a token of digits and look-alikes (l I | O o) with at least one real digit is
    changed, so words, roman numerals ("II") and symbols ("TTHC") are left alone.

    >>> fix_digits("l1"), fix_digits("2O25,"), fix_digits("II"), fix_digits("lO")
    ('11', '2025,', 'II', 'lO')
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
              regions: dict[int, list[BBox]] | None = None) -> list[OcrPage]:
    """OCR several pages of one PDF, ``workers`` Tesseract processes side by side.

    Pages are rendered one at a time in this thread (PDFium is not thread-safe) and at most
    ``2 x workers`` rendered pages wait for Tesseract, which bounds memory on long scans. A
    page Tesseract fails on or times out on comes back empty with a warning.
    """
    where = str(pdf_path)
    require_tesseract(where)
    workers = max(1, workers or min(os.cpu_count() or 1, 4))
    pages: list[OcrPage] = []
    pending: list[tuple[OcrPage, float, Future[str]]] = []
    try:
        pdf = pdfium.PdfDocument(where)
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"truncated or damaged PDF ({e})", path=where) from e
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for index in indices:
                if len(pending) >= 2 * workers:
                    pages.append(_collect(*pending.pop(0), regions, timeout))
                page, png, scale = _render(pdf, index, dpi, where)
                job = pool.submit(run_tesseract, png, scale * 72, timeout=timeout, path=where)
                pending.append((page, scale, job))
            pages.extend(_collect(*p, regions, timeout) for p in pending)
    finally:
        pdf.close()
    return pages


def _render(pdf: pdfium.PdfDocument, index: int, dpi: float,
            where: str) -> tuple[OcrPage, bytes, float]:
    try:
        page = pdf[index]
        try:
            width, height = page.get_size()
            png, scale = render_png(page, dpi)
        finally:
            page.close()
    except pdfium.PdfiumError as e:
        raise CorruptFileError(f"page {index + 1} cannot be rendered ({e})", path=where) from e
    return OcrPage(index + 1, width, height, dpi=scale * 72), png, scale


def _collect(page: OcrPage, scale: float, job: Future[str],
             regions: dict[int, list[BBox]] | None, timeout: float) -> OcrPage:
    try:
        lines = parse_tsv(job.result(), scale)
    except ConversionError as e:
        page.warnings.append(f"ocr: page {page.number} not read: {e.message}")
        return page
    wanted = regions.get(page.number - 1) if regions is not None else None
    if wanted is not None:
        lines = [ln for ln in lines if any(_centre_in(ln.bbox, r) for r in wanted)]
    page.lines = lines
    return page


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
    heights = [ln.bbox[3] - ln.bbox[1] for ln in page.lines]
    body = statistics.median(heights) if heights else 0.0
    out: list[Line] = []
    for ln in page.lines:
        words = ln.words
        bottom = statistics.median(w.bbox[3] for w in words)
        box = (ln.bbox[0], ln.bbox[1], ln.bbox[2], max(bottom, ln.bbox[1] + 1.0))
        hang = box[0]
        if len(words) > 1 and _LIST_MARKER.match(words[0].text):
            hang = words[1].bbox[0]
        out.append(Line([(ln.text, False)], page.number, box,
                        _size(ln.bbox[3] - ln.bbox[1], body), hang))
    return out


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


def mark_ocr_blocks(doc: Document, ocr_boxes: dict[int, list[BBox]]) -> int:
    """Set ``origin="ocr"`` on every block that holds an OCR line; returns how many.

    ``ocr_boxes`` maps a 1-based page number to the boxes of the OCR lines fed for it. A
    block with line fragments is OCR when one of its fragments is one of those lines; a
    block without (a footnote) when an OCR line's centre lies inside its box.
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
    return marked


def read_ocr(path: Path, source: Source, limits: Limits, *, dpi: float = DPI,
             workers: int | None = None) -> Document:
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
    scanned = ocr_pages(path, range(n), dpi=dpi, workers=workers)
    pages = [PageText(p.number, p.width, p.height, layout_lines(p), 0, 0, 1) for p in scanned]
    builder = DocumentBuilder(source.model_copy(update={"pages": n}))
    for p in scanned:
        for message in p.warnings:
            builder.warn(message)
    builder.warn(f"ocr: {n} page(s) read by OCR (Tesseract {LANG}, {dpi:.0f} DPI)")
    drop_page_furniture(pages)
    body, notes = flow_document(pages)
    emit(builder, body, notes)
    doc = builder.build()
    mark_ocr_blocks(doc, {p.number: [ln.bbox for ln in p.lines] for p in pages})
    return doc


def iter_words(pages: Iterable[OcrPage]) -> Iterator[OcrWord]:
    """Every word of the pages, in reading order (for benchmarks and diagnostics)."""
    for page in pages:
        for line in page.lines:
            yield from line.words
