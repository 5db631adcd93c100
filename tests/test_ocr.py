"""OCR of scanned pages (parsers/ocr.py): Tesseract's words with their boxes, per-page and
per-region decisions, and the facts that come out of synthetic and real scans.

Synthetic scans are corpus PDFs rendered to images and saved back as image-only PDFs
(``benchmarks/ocr.py: make_scan``), clean, noisy and rotated; their facts are scored against
``corpus/gold``. Tests that need Tesseract skip with the reason where it is not installed and
fail under CI=true, where .ci/run installs tesseract-ocr and tesseract-ocr-vie. OCR costs
about a second a page, so these tests read few pages, and each file once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from functools import cache
from pathlib import Path

import pytest

from extractor.evaluate import load_gold, score_document
from extractor.pipeline import extract_document
from parsers import Limits, parse
from parsers.builder import DocumentBuilder
from parsers.errors import NeedsOCRError, OCRUnavailableError
from parsers.ocr import (
    OcrLine,
    OcrPage,
    OcrWord,
    fix_digits,
    layout_lines,
    mark_ocr_blocks,
    merge_lines,
    ocr_page,
    ocr_regions,
    parse_tsv,
    read_ocr,
    require_tesseract,
    tesseract_status,
)
from parsers.pdf_layout import Line
from schemas.document import Document, Format, Location, Source
from schemas.extraction import Extraction
from tests.conftest import CORPUS, REALDOCS, ROOT

_spec = importlib.util.spec_from_file_location("bench_ocr", ROOT / "benchmarks" / "ocr.py")
assert _spec is not None and _spec.loader is not None
bench_ocr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ocr)
make_scan = bench_ocr.make_scan



def need_tesseract() -> None:
    missing = tesseract_status()
    if missing is not None:
        reason = f"{missing} (apt-get install tesseract-ocr tesseract-ocr-vie)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must install it")
        pytest.skip(reason)


def source(path: Path) -> Source:
    data = path.read_bytes()
    return Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=Format.pdf,
                  size=len(data))


@cache
def scanned(name: str, condition: str) -> Path:
    """A corpus PDF as an image-only scan, made once per session."""
    out = Path(tempfile.gettempdir()) / "baocao-test-scans" / condition / name
    if not out.exists():
        degrade = bench_ocr.CONDITIONS[condition]
        make_scan(CORPUS / "docs" / name, out, noise=degrade.get("noise", 0.0),
                  angle=degrade.get("angle", 0.0))
    return out


@cache
def ocr_extraction(path: Path) -> tuple[Document, Extraction]:
    """The temporary wiring: the file read by OCR alone (``read_ocr``), then extracted."""
    doc = read_ocr(path, source(path), Limits())
    return doc, extract_document(doc)


def recall(extraction: Extraction, seed: str) -> float:
    score = score_document(extraction, load_gold(CORPUS / "gold" / f"{seed}.yaml"))
    tp = sum(c.tp for c in score.by_kind.values())
    fn = sum(c.fn for c in score.by_kind.values())
    return tp / (tp + fn)


# ------------------------------------------------------------------ no Tesseract needed

TSV = "\n".join([
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
    "1\t1\t0\t0\t0\t0\t0\t0\t1654\t2339\t-1\t",
    "4\t1\t1\t1\t1\t0\t200\t400\t600\t40\t-1\t",
    "5\t1\t1\t1\t1\t1\t200\t400\t100\t40\t96.5\tTỷ",
    "5\t1\t1\t1\t1\t2\t320\t404\t80\t36\t95.0\tlệ",
    "5\t1\t1\t1\t1\t3\t420\t402\t160\t38\t91.0\t96,9%",
    "5\t1\t1\t1\t2\t1\t200\t460\t120\t40\t90.0\tngày",
    "5\t1\t1\t1\t2\t2\t330\t460\t60\t40\t88.0\tl1",
    "5\t1\t2\t1\t1\t1\t900\t100\t50\t50\t12.0\t|—",
    "5\t1\t3\t1\t1\t1\t900\t900\t50\t50\t20.0\tK9",
])


def test_ocr_tsv_words_keep_boxes_in_points() -> None:
    lines = parse_tsv(TSV, scale=200 / 72)
    assert [ln.text for ln in lines] == ["Tỷ lệ 96,9%", "ngày 11"]
    first = lines[0]
    assert first.bbox == pytest.approx((72.0, 144.0, 580 * 72 / 200, 158.4))
    assert first.words[2].text == "96,9%"
    assert first.words[2].bbox[0] == pytest.approx(420 * 72 / 200)
    assert first.confidence == pytest.approx((0.965 + 0.95 + 0.91) / 3)


def test_ocr_digit_lookalikes() -> None:
    assert [fix_digits(w) for w in ("l1", "2O25.", "1.2O0", "II", "TTHC", "lO", "(l)")] \
        == ["11", "2025.", "1.200", "II", "TTHC", "lO", "(l)"]


def _page(*lines: tuple[str, tuple[float, float, float, float]]) -> OcrPage:
    page = OcrPage(1, 595, 842)
    for text, box in lines:
        words = tuple(OcrWord(w, (box[0] + 30 * i, box[1], box[0] + 30 * i + 25, box[3]), 0.9)
                      for i, w in enumerate(text.split()))
        page.lines.append(OcrLine(text, box, 0.9, words))
    return page


def test_ocr_layout_lines_share_one_size_and_hang_after_markers() -> None:
    page = _page(("- Tỷ lệ đúng hạn", (72, 100, 500, 117)), ("đạt 96,9%", (90, 118, 300, 133)),
                 ("BÁO CÁO", (250, 40, 340, 70)))
    lines = layout_lines(page)
    assert lines[0].size == lines[1].size
    assert lines[2].size > lines[0].size
    assert lines[0].hang == pytest.approx(102)           # after the "-" marker
    assert lines[1].hang == pytest.approx(90)


def test_ocr_merge_lines_keeps_text_layer_order() -> None:
    def line(text: str, top: float) -> Line:
        return Line([(text, False)], 1, (72, top, 500, top + 12), 12)

    text = [line("a", 100), line("b", 300), line("c", 500)]
    ocr = [line("x", 200), line("y", 220), line("z", 600)]
    assert [ln.text for ln in merge_lines(text, ocr)] == ["a", "x", "y", "b", "c", "z"]
    assert [ln.text for ln in merge_lines([], ocr)] == ["x", "y", "z"]


def test_ocr_regions_page_by_page() -> None:
    full = [(0.0, 0.0, 595.0, 842.0)]
    assert ocr_regions(595, 842, [], full, chars=0) == full              # a scanned page
    typed = [(72.0, 100.0 + 20 * i, 520.0, 112.0 + 20 * i) for i in range(30)]
    assert ocr_regions(595, 842, typed, full, chars=2000) == []         # a typed page on a
    logo = [(260.0, 40.0, 330.0, 100.0)]                                 # background image
    assert ocr_regions(595, 842, [], logo, chars=0) == []                # a small logo
    pasted = [(72.0, 450.0, 520.0, 800.0)]                                # a scan pasted into
    assert ocr_regions(595, 842, typed[:15], pasted, chars=900) == pasted  # a typed report


def test_ocr_unavailable_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv("BAOCAO_TESSERACT", str(tmp_path / "no-tesseract"))
    with pytest.raises(OCRUnavailableError) as caught:
        require_tesseract("scan.pdf")
    assert isinstance(caught.value, NeedsOCRError)
    assert caught.value.code == "BC109"
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in str(caught.value)


def test_ocr_marked_blocks() -> None:
    builder = DocumentBuilder(Source(path="x.pdf", sha256="0" * 64, format=Format.pdf, size=1))
    text_box, ocr_box = (72.0, 100.0, 500.0, 112.0), (72.0, 300.0, 500.0, 312.0)
    builder.add_lines([("Tỷ lệ 96,9%.", 1, text_box)], Location(page=1, bbox=text_box))
    builder.add_lines([("Đạt 15.739 hồ sơ.", 2, ocr_box)], Location(page=2, bbox=ocr_box))
    doc = builder.build()
    assert mark_ocr_blocks(doc, {2: [ocr_box]}) == 1
    assert [b.origin for b in doc.blocks] == ["text", "ocr"]


# ----------------------------------------------------------------------- with Tesseract

@pytest.mark.parametrize("condition,floor", [("clean", 0.95), ("noisy", 0.9), ("rotated", 0.9)])
def test_ocr_synthetic_scan_fact_recall(condition: str, floor: float) -> None:
    need_tesseract()
    path = scanned("002_5ad6a5fc7af788d2.pdf", condition)
    doc, extraction = ocr_extraction(path)
    assert all(b.origin == "ocr" for b in doc.blocks)
    assert recall(extraction, "002_5ad6a5fc7af788d2") >= floor


def test_ocr_facts_point_at_the_same_place_as_the_text_layer() -> None:
    need_tesseract()
    original = CORPUS / "docs" / "000_823effeef226c2f0.pdf"
    _, ocr = ocr_extraction(scanned(original.name, "clean"))
    born = extract_document(parse(original))
    places: dict[tuple[object, ...], list[tuple[int | None, float]]] = {}
    for f in born.facts:
        if f.location.bbox is not None:
            places.setdefault((f.kind.value, f.value, f.denominator), []).append(
                (f.location.page, f.location.bbox[1]))
    compared = 0
    for fact in ocr.facts:
        where = places.get((fact.kind.value, fact.value, fact.denominator))
        if not where or fact.location.bbox is None:
            continue
        compared += 1
        top = fact.location.bbox[1]                        # the same line of the same page
        assert any(page == fact.location.page and abs(y - top) < 8 for page, y in where), \
            (fact.text, fact.location.page, top, where)
    assert compared >= 10


def test_ocr_page_reads_only_its_regions(tmp_path: Path) -> None:
    """A page that is half typed text, half a pasted scan: OCR keeps only the scan's lines."""
    need_tesseract()
    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    src = pdfium.PdfDocument(str(CORPUS / "docs" / "002_5ad6a5fc7af788d2.pdf"))
    picture = src[0].render(scale=200 / 72, grayscale=True).to_pil()
    picture = picture.crop((0, picture.height // 3, picture.width, 2 * picture.height // 3))
    path = tmp_path / "mixed.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 780, "Typed line one, above the pasted scan.")
    canvas.drawImage(ImageReader(picture), 0, 100, 595, 595 * picture.height / picture.width)
    canvas.save()
    region = (0.0, 842 - 100 - 595 * picture.height / picture.width, 595.0, 742.0)
    page = ocr_page(path, 0, regions=[region])
    assert page.lines and all(ln.bbox[1] >= region[1] - 1 for ln in page.lines)
    assert not any("Typed line" in ln.text for ln in page.lines)


# ----------------------------------------------------------------------- real scans

REAL_SCANS: dict[str, list[tuple[str, object, object]]] = {
    "congdien-187-cd-ttg-2025-10-04-cat-giam-tthc": [
        ("count", 2051.0, 4888.0), ("count", 25.0, 34.0), ("percentage", 42.0, None),
        ("percentage", 32.0, None), ("deadline", "2025-10-15", None)],
    "congdien-191-cd-ttg-2025-10-08-dnnn": [
        ("deadline", "2025-10-25", None), ("deadline", "2025-10-30", None),
        ("percentage", 8.0, None)],
    "congdien-193-cd-ttg-2025-10-09-du-an-ton-dong": [("deadline", "2025-10-14", None)],
    "congvan-15557-btc-ptht-2025-10-08-giai-ngan-dau-tu-cong": [
        ("count", 29.0, 42.0), ("count", 15.0, 34.0), ("percentage", 50.0, None),
        ("percentage", 3.4, None)],
    "thongbao-537-tb-vpcp-2025-10-05": [
        ("deadline", "2025-11-30", None), ("percentage", 90.0, None),
        ("percentage", 95.0, None), ("percentage", 30.0, None), ("percentage", 70.0, None)],
    "thongbao-541-tb-vpcp-2025-10-08": [("deadline", "2025-10-15", None)],
}


def real_scan(name: str) -> Path:
    path = REALDOCS / f"{name}.scanned.pdf"
    if not path.exists():
        pytest.skip(f"real documents not available: {path} is absent (fresh clone)")
    need_tesseract()
    return path


def missing(extraction: Extraction, wanted: list[tuple[str, object, object]]) -> list[object]:
    found = {(f.kind.value, f.value, f.denominator) for f in extraction.facts}
    return [w for w in wanted if w not in found]


@pytest.mark.realdocs
@pytest.mark.parametrize("name", sorted(REAL_SCANS))
def test_ocr_realdoc_scans_through_parse(name: str) -> None:
    from baocao.api import extract

    extraction = extract(real_scan(name))
    assert missing(extraction, REAL_SCANS[name]) == []
    assert all(f.location.origin == "ocr" for f in extraction.facts)
    assert all(f.confidence < 0.9 for f in extraction.facts)


def test_ocr_scan_without_tesseract_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    path = make_scan(CORPUS / "docs" / "000_823effeef226c2f0.pdf", tmp_path / "scan.pdf")
    monkeypatch.setenv("BAOCAO_TESSERACT", str(tmp_path / "no-tesseract"))
    with pytest.raises(OCRUnavailableError, match="apt-get install tesseract-ocr"):
        parse(path)


def test_ocr_synthetic_scan_through_parse_marks_ocr_facts() -> None:
    need_tesseract()
    from baocao.api import extract

    extraction = extract(scanned("002_5ad6a5fc7af788d2.pdf", "clean"))
    assert recall(extraction, "002_5ad6a5fc7af788d2") >= 0.95
    assert extraction.facts and all(f.location.origin == "ocr" for f in extraction.facts)
