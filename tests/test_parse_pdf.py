"""parsers.pdf: reading order, lines with boxes, tables, footnotes, page furniture, bad input.

Three sources of input:

* ``corpus/docs/*.pdf`` and ``*.lo.pdf``: the five seeds rendered by reportlab and by
  LibreOffice (running headers, "Trang x/y" footers, ruled tables split across pages,
  footnotes); each case skips with a reason when the corpus is not built.
* Small PDFs drawn in ``tmp_path`` with reportlab, one behaviour each.
* ``../shared/realdocs``: a real 12-page ministry PDF and six scanned ones, read in place.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from baocao.parsers import Limits, parse
from baocao.parsers.builder import canonical
from baocao.parsers.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    NeedsOCRError,
    ResourceLimitError,
)
from baocao.parsers.pdf import read_pdf
from baocao.schemas.document import BlockKind, Document, Format, Source, Table

reportlab = pytest.importorskip("reportlab")
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle  # noqa: E402
from reportlab.platypus import Table as PdfTable  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "docs"
SEEDS = next((d for d in (ROOT / "corpus" / "seeds", ROOT.parent / "shared" / "seeds")
              if d.is_dir()), ROOT / "corpus" / "seeds")
REALDOCS = ROOT.parent / "shared" / "realdocs"
TOTRINH = REALDOCS / "totrinh-btc-2025-08-du-thao-2-luat-kinh-doanh-bao-hiem.pdf"
SCANNED = sorted(REALDOCS.glob("*.scanned.pdf"))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
PAGE_NUMBER_LINE = re.compile(r"(?im)^(?:trang\s*)?[-–]?\s*\d{1,3}\s*[-–]?(?:\s*/\s*\d{1,3})?$")
SEED_001, SEED_003 = "001_422e18ebd3f30e83", "003_93ee7d9315423c01"

_NO_CORPUS = "corpus/docs has no PDF yet (run: python -m corpus.build)"
CORPUS_PDFS = (sorted(CORPUS.glob("*.pdf"))
               or [pytest.param(None, marks=pytest.mark.skip(_NO_CORPUS))])


# ------------------------------------------------------------------------------ helpers

@functools.cache
def _parsed(path: Path) -> Document:
    return parse(path)


def corpus_pdf(name: str) -> Document:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} not built yet (run: python -m corpus.build)")
    return _parsed(path)


def seed_id(path: Path) -> str:
    return path.name.split(".")[0]


def read(path: Path, limits: Limits | None = None) -> Document:
    """read_pdf itself, with the Source that ``parsers.parse`` would have made."""
    data = path.read_bytes()
    source = Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=Format.pdf,
                    size=len(data))
    return read_pdf(path, source, limits or Limits())


def block_text(doc: Document, block: Any) -> str:
    return doc.text[block.span[0]:block.span[1]]


def tables(doc: Document) -> list[Table]:
    return [b.table for b in doc.blocks if b.table is not None]


def font() -> str:
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing (apt-get install fonts-dejavu-core)")
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    return "DejaVuSans"


def style(size: float = 11, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=font(), fontSize=size, leading=size * 1.35,
                          spaceAfter=6, **kw)


def build(path: Path, story: list[Any], header: str | None = None) -> Path:
    """A platypus PDF; ``header`` adds a running header and a "Trang x" footer on every page."""
    def furniture(canvas: Canvas, doc: Any) -> None:
        if header is not None:
            canvas.setFont(font(), 8)
            canvas.drawString(72, A4[1] - 40, header)
            canvas.drawCentredString(A4[0] / 2, 30, f"Trang {doc.page}")

    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=furniture,
                                                    onLaterPages=furniture)
    return path


def ruled(rows: list[list[str]], **kw: Any) -> PdfTable:
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), font())]
    return PdfTable(rows, style=TableStyle(commands + kw.pop("extra", [])), **kw)


BODY = ("Kết quả giải quyết hồ sơ thủ tục hành chính trong kỳ báo cáo đạt tỷ lệ đúng hạn cao, "
        "các cơ quan, đơn vị đã phối hợp chặt chẽ trong tiếp nhận và trả kết quả cho người dân.")


# ------------------------------------------------------------------------------ corpus

@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: getattr(p, "name", "none"))
def test_pdf_corpus_keeps_every_seed_number(path: Path) -> None:
    doc = _parsed(path)
    seed = (SEEDS / f"{seed_id(path)}.txt").read_text(encoding="utf-8")
    missing = [n for n in NUMBER.findall(seed) if n not in doc.text]
    assert missing == []


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: getattr(p, "name", "none"))
def test_pdf_corpus_drops_page_numbers_and_running_header(path: Path) -> None:
    doc = _parsed(path)
    from corpus.builder.profiles import profile_for

    assert profile_for(seed_id(path)).running_header not in doc.text
    assert PAGE_NUMBER_LINE.findall(doc.text) == []
    assert not re.search(r"Trang \d+/\d+", doc.text)


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: getattr(p, "name", "none"))
def test_pdf_corpus_block_lines_spell_the_block_text(path: Path) -> None:
    doc = _parsed(path)
    ends = [b.span for b in doc.blocks]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))
    for block in doc.blocks:
        if block.lines:
            joined = " ".join(doc.text[f.span[0]:f.span[1]] for f in block.lines)
            assert joined == block_text(doc, block)


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: getattr(p, "name", "none"))
def test_pdf_corpus_table_cell_spans_point_at_their_text(path: Path) -> None:
    doc = _parsed(path)
    for block in doc.blocks:
        for cell in block.table.cells if block.table else []:
            assert doc.text[cell.span[0]:cell.span[1]] == cell.text
            assert block.span[0] <= cell.span[0] <= cell.span[1] <= block.span[1]


@pytest.mark.parametrize("name", [f"{SEED_001}.pdf", f"{SEED_001}.lo.pdf"])
def test_pdf_seed_001_table_split_across_pages_is_one_table(name: str) -> None:
    doc = corpus_pdf(name)
    found = [t for t in tables(doc) if any("Công khai minh bạch" in c.text for c in t.cells)]
    assert len(found) == 1
    rows = found[0].rows()
    assert any("Công khai minh bạch" in r and "11,1/18" in r for r in rows)
    assert any("Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC" in r and "88,15%" in r
               for r in rows)                               # the first row after the page break
    assert any("Tổng hợp" in r for r in rows)
    assert [c.text for c in found[0].cells].count("Nhóm chỉ số") == 1   # repeat dropped


@pytest.mark.parametrize("name", [f"{SEED_003}.pdf", f"{SEED_003}.lo.pdf"])
def test_pdf_seed_003_footnotes_are_linked(name: str) -> None:
    doc = corpus_pdf(name)
    labels = {f.label: f for f in doc.footnotes}
    assert sorted(labels, key=int) == [str(n) for n in range(1, 8)]
    assert all(f.markers for f in labels.values())
    assert "1.464" in block_text(doc, doc.blocks[labels["3"].block])


def test_pdf_seed_001_table_is_not_repeated_as_paragraphs() -> None:
    doc = corpus_pdf(f"{SEED_001}.pdf")
    prose = [block_text(doc, b) for b in doc.blocks if b.table is None]
    assert not any("Công khai minh bạch" in t or "78,49/100" in t for t in prose)


def _plumber_tables(path: Path, page: int) -> list[list[tuple[tuple[int, ...], str]]]:
    """pdfplumber's own tables of one page (white highlight boxes removed, as the reader
    does): each as sorted (rounded cell box, normalised text) pairs."""
    import pdfplumber

    def drawn(obj: dict[str, Any]) -> bool:
        color = obj.get("non_stroking_color")
        white = color in (1, (1,), (1, 1, 1), [1], [1, 1, 1])
        return not (obj.get("object_type") == "rect" and obj.get("fill") and white
                    and not obj.get("stroke"))

    with pdfplumber.open(path, pages=[page]) as pdf:
        found = sorted(pdf.pages[0].filter(drawn).find_tables(), key=lambda t: t.bbox[1])
        out = []
        for t in found:
            cells = [(tuple(round(v) for v in box), canonical(text or ""))
                     for row, texts in zip(t.rows, t.extract())
                     for box, text in zip(row.cells, texts) if box is not None]
            if len(cells) > 1:
                out.append(sorted(cells))
        return out


@pytest.mark.parametrize("path", CORPUS_PDFS + ([TOTRINH] if TOTRINH.exists() else []),
                         ids=lambda p: getattr(p, "name", "none"))
def test_pdf_tables_match_pdfplumber_find_tables(path: Path) -> None:
    """The reader runs pdfplumber's TableFinder on edges read with PDFium and takes cell
    text from PDFium glyphs: the cells and their text must be pdfplumber's own."""
    from baocao.parsers.pdf import _read_pages

    for page in _read_pages(path, Limits()):
        if page.paths < 4:
            continue
        mine = [sorted((tuple(round(v) for v in c.bbox), canonical(c.text)) for c in t.cells)
                for t in page.tables]
        assert mine == _plumber_tables(path, page.number), f"page {page.number}"


def _nested_forms_pdf(path: Path) -> Path:
    """A page with two lines of its own and a form XObject drawn twice, whose own nested form
    draws a rectangle and a line: paths at three depths."""
    canvas = Canvas(str(path), pagesize=A4)
    canvas.beginForm("inner")
    canvas.rect(10, 10, 50, 20)
    canvas.line(0, 0, 100, 0)
    canvas.endForm()
    canvas.beginForm("outer")
    canvas.line(0, 0, 0, 100)
    canvas.doForm("inner")
    canvas.endForm()
    canvas.line(72, 700, 500, 700)
    canvas.doForm("outer")
    canvas.translate(0, 300)
    canvas.doForm("outer")
    canvas.line(72, 100, 500, 100)
    canvas.showPage()
    canvas.save()
    return path


@pytest.mark.parametrize("cap", [1, 4, 10**6])
def test_pdf_object_count_is_pypdfium2_get_objects_capped(cap: int, tmp_path: Path) -> None:
    """``_count_objects`` walks the page with raw PDFium calls; its count must be what
    pypdfium2's ``get_objects`` yields (form XObjects included), stopped at ``cap``."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from baocao.parsers.pdf import _count_objects

    files = [_nested_forms_pdf(tmp_path / "forms.pdf"), *sorted(CORPUS.glob("*.pdf")),
             *([TOTRINH] if TOTRINH.exists() else []), *SCANNED[:2]]
    counted = []
    for path in files:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                for kind in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_TEXT,
                             pdfium_c.FPDF_PAGEOBJ_IMAGE):
                    expected = min(cap, sum(1 for _ in page.get_objects(filter=[kind])))
                    assert _count_objects(page, kind, cap) == expected, (path.name, index, kind)
                    counted.append(expected)
                page.close()
        finally:
            pdf.close()
    # the drawn file: 2 lines on the page, and 2 x (1 line + (1 rect + 1 line)) in forms
    assert counted[0] == min(cap, 8)


# ------------------------------------------------------------------------------ real documents

@pytest.mark.realdocs
def test_pdf_realdoc_totrinh_reads_its_figures() -> None:
    if not TOTRINH.exists():
        pytest.skip(f"{TOTRINH} is absent (../shared/realdocs is not checked out here)")
    doc = parse(TOTRINH)
    assert doc.source.pages == 12
    assert "29,86%" in doc.text and "31,66%" in doc.text
    assert PAGE_NUMBER_LINE.findall(doc.text) == []


@pytest.mark.realdocs
@pytest.mark.parametrize("path", SCANNED or [pytest.param(None, marks=pytest.mark.skip(
    "../shared/realdocs/*.scanned.pdf is absent"))], ids=lambda p: getattr(p, "name", "none"))
def test_pdf_realdoc_scanned_without_tesseract_needs_ocr(path: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Tesseract a scan is a typed NeedsOCRError (OCRUnavailableError says what to
    install); with it, tests/test_ocr.py reads the same scans."""
    monkeypatch.setenv("BAOCAO_TESSERACT", str(tmp_path / "no-tesseract"))
    with pytest.raises(NeedsOCRError, match="tesseract"):
        parse(path)


# ------------------------------------------------------------------------------ small PDFs

def test_pdf_superscript_marker_becomes_bracketed_and_linked(tmp_path: Path) -> None:
    story = [Paragraph("Số dịch vụ công trực tuyến được triển khai là 522"
                       '<super rise="4" size="7">1</super>. Diện tích 20 km<super>2</super>.',
                       style()),
             Spacer(1, 200),
             Paragraph('<super rise="3" size="6">1</super> Trong đó: 110 dịch vụ một phần.',
                       style(8.5))]
    doc = read(build(tmp_path / "note.pdf", story))
    assert "triển khai là 522[1]. Diện tích 20 km²." in doc.text
    (note,) = doc.footnotes
    assert note.label == "1" and len(note.markers) == 1
    assert doc.text[note.span[0]:note.span[1]] == "[1] Trong đó: 110 dịch vụ một phần."


def test_pdf_plain_numbered_footnote_is_linked_to_its_marker(tmp_path: Path) -> None:
    story = [Paragraph('Đã cập nhật 1.836/1.836 TTHC<super rise="4" size="7">3</super>.', style()),
             Paragraph(BODY * 3, style()),
             Paragraph("2 đơn vị chưa báo cáo (một dòng chữ nhỏ, không phải chú thích).",
                       style(8.5)),
             Spacer(1, 300),
             Paragraph("3 Bao gồm: cấp tỉnh 1.464 thủ tục hành chính.", style(8.5))]
    doc = read(build(tmp_path / "lo-note.pdf", story))           # LibreOffice sets "3" plain
    (note,) = doc.footnotes
    assert note.label == "3" and len(note.markers) == 1
    assert doc.text[note.span[0]:note.span[1]] == "[3] Bao gồm: cấp tỉnh 1.464 thủ tục hành chính."
    assert "2 đơn vị chưa báo cáo" in doc.text


def test_pdf_layout_raised_digit_stays_on_its_line_as_marker() -> None:
    from baocao.parsers.pdf_layout import build_lines

    glyphs = [(c, 100 + 7 * i, 700.0, 106 + 7 * i, 714.0, 12.0, False) for i, c in enumerate("522")]
    glyphs.append(("1", 121.0, 701.0, 125.0, 709.0, 7.0, False))      # 7 pt, raised 5 pt
    glyphs.append((".", 125.0, 700.0, 128.0, 714.0, 12.0, False))
    (line,) = build_lines(glyphs, 1)
    assert line.text == "522[1]." and line.render(set()) == "522¹."


def test_pdf_layout_wide_gap_on_one_baseline_starts_a_line() -> None:
    from baocao.parsers.pdf_layout import build_lines

    left = [(c, 60 + 7 * i, 100.0, 66 + 7 * i, 114.0, 12.0, False) for i, c in enumerate("UBND")]
    right = [(c, 330 + 7 * i, 100.0, 336 + 7 * i, 114.0, 12.0, False) for i, c in enumerate("CỘNG")]
    assert [ln.text for ln in build_lines(left + right, 1)] == ["UBND", "CỘNG"]


def test_pdf_running_header_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    story = [Paragraph(f"{i}. {BODY}", style()) for i in range(1, 40)]
    doc = read(build(tmp_path / "furniture.pdf", story, header="ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC"))
    assert doc.source.pages >= 3
    assert "BÌNH PHƯỚC" not in doc.text and "Trang" not in doc.text
    assert "39. Kết quả giải quyết" in doc.text


def test_pdf_paragraph_continues_across_a_page_break(tmp_path: Path) -> None:
    long = " ".join(f"đoạn {i} có tỷ lệ {i},5% hồ sơ" for i in range(1, 400))
    doc = read(build(tmp_path / "long.pdf", [Paragraph(long + ".", style())], header="Báo cáo"))
    (block,) = doc.blocks
    assert {f.page for f in block.lines} == set(range(1, doc.source.pages + 1))
    assert "đoạn 399 có tỷ lệ 399,5% hồ sơ." in block_text(doc, block)


def test_pdf_lines_keep_their_page_and_box(tmp_path: Path) -> None:
    doc = read(build(tmp_path / "boxes.pdf", [Paragraph(BODY * 3, style())]))
    (block,) = doc.blocks
    assert len(block.lines) >= 3
    for line in block.lines:
        x0, top, x1, bottom = line.bbox
        assert line.page == 1 and 0 < x0 < x1 < A4[0] and 0 < top < bottom < A4[1]
    tops = [f.bbox[1] for f in block.lines]
    assert tops == sorted(tops)


def test_pdf_table_sits_between_its_paragraphs(tmp_path: Path) -> None:
    story = [Paragraph("Trước bảng: kết quả như sau.", style()),
             ruled([["Stt", "Nhóm chỉ số", "Điểm"], ["1", "Công khai minh bạch", "11,1/18"]]),
             Paragraph("Sau bảng: tổng hợp 78,49/100.", style())]
    doc = read(build(tmp_path / "order.pdf", story))
    kinds = [b.kind for b in doc.blocks]
    assert kinds == [BlockKind.paragraph, BlockKind.table, BlockKind.paragraph]
    (table,) = tables(doc)
    assert table.header_rows == 1
    assert table.rows()[1] == ["1", "Công khai minh bạch", "11,1/18"]


def test_pdf_merged_cells_become_spans(tmp_path: Path) -> None:
    rows = [["Stt", "Nhóm chỉ số", "Tỷ lệ/Điểm"], ["", "", "Tính đến tháng 5/2024"],
            ["1", "Công khai minh bạch", "11,1/18"], ["Tổng hợp", "", "78,49/100"]]
    spans = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (0, 3), (1, 3))]
    doc = read(build(tmp_path / "merged.pdf", [ruled(rows, extra=spans)]))
    (table,) = tables(doc)
    assert (table.n_rows, table.n_cols, table.header_rows) == (4, 3, 2)
    stt = table.cell(1, 0)
    assert stt is not None and stt.text == "Stt" and (stt.row, stt.row_span) == (0, 2)
    total = table.cell(3, 1)
    assert total is not None and total.text == "Tổng hợp" and total.col_span == 2
    assert len(table.cells) == 9


def test_pdf_table_split_across_pages_is_stitched(tmp_path: Path) -> None:
    rows = [["Stt", "Đơn vị", "Tỷ lệ"]] + [[str(i), f"Đơn vị số {i}", f"{i},5%"]
                                           for i in range(1, 90)]
    doc = read(build(tmp_path / "split.pdf", [ruled(rows, repeatRows=1)], header="Phụ lục"))
    (table,) = tables(doc)
    assert len(table.pieces) >= 2
    assert table.n_rows == 90 and table.header_rows == 1
    assert [r[0] for r in table.rows()[1:]] == [str(i) for i in range(1, 90)]


def test_pdf_white_highlight_boxes_are_not_tables(tmp_path: Path) -> None:
    path = tmp_path / "highlight.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFillColor(colors.white)
    for i in range(8):                                  # abutting boxes behind words
        canvas.rect(72 + 40 * i, 700, 40, 16, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont(font(), 11)
    for i in range(12):
        canvas.drawString(72, 704 - 18 * i, f"Dòng {i}: {BODY[:70]}")
    canvas.save()
    doc = read(path)
    assert tables(doc) == [] and "Dòng 11:" in doc.text


# ------------------------------------------------------------------------------ limits

def test_pdf_page_limit_raises_resource_limit(tmp_path: Path) -> None:
    path = build(tmp_path / "pages.pdf", [Paragraph(f"{i}. {BODY}", style()) for i in range(40)])
    with pytest.raises(ResourceLimitError):
        read(path, Limits(max_pages=1))


def test_pdf_table_cell_limit_raises_resource_limit(tmp_path: Path) -> None:
    path = build(tmp_path / "cells.pdf", [ruled([["a", "b", "c"]] * 3)])
    with pytest.raises(ResourceLimitError):
        read(path, Limits(max_table_cells=4))


# ------------------------------------------------------------------------------ bad input

def _empty(path: Path, tmp_path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path, tmp_path: Path) -> None:
    """The first half of a corpus PDF (of a fixture when the corpus is not built)."""
    found = sorted(CORPUS.glob("*.pdf"))
    whole = found[0] if found else build(tmp_path / "whole.pdf", [Paragraph(BODY, style())] * 30)
    data = whole.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _random_after_header(path: Path, tmp_path: Path) -> None:
    noise = bytes((i * 7919 + 13) % 251 for i in range(20_000))   # fixed, so the test is stable
    path.write_bytes(b"%PDF-1.7\n" + noise)


def _encrypted(path: Path, tmp_path: Path) -> None:
    canvas = Canvas(str(path), pagesize=A4, encrypt="secret")    # a user password is required
    canvas.setFont(font(), 11)
    canvas.drawString(72, 700, BODY)
    canvas.save()


def _rectangles_only(path: Path, tmp_path: Path) -> None:
    canvas = Canvas(str(path), pagesize=A4)
    for i in range(3):
        canvas.rect(60, 60 + 120 * i, 200, 100, fill=1)
        canvas.showPage()
    canvas.save()


def _image_only(path: Path, tmp_path: Path) -> None:
    """A scanned page: one picture covering the page and no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(Image.new("RGB", (200, 280), "white")), 50, 50, 495, 740)
    canvas.rect(60, 60, 200, 100)
    canvas.save()


BAD: dict[str, tuple[Callable[[Path, Path], None], type[Exception]]] = {
    "empty": (_empty, EmptyFileError),
    "truncated": (_truncated, CorruptFileError),
    "random_after_header": (_random_after_header, CorruptFileError),
    "encrypted": (_encrypted, EncryptedFileError),
    "rectangles_only": (_rectangles_only, NeedsOCRError),
    "image_only": (_image_only, NeedsOCRError),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_pdf_bad_input_raises_its_typed_error(case: str, tmp_path: Path) -> None:
    make, error = BAD[case]
    path = tmp_path / f"{case}.pdf"
    make(path, tmp_path)
    with pytest.raises(error) as caught:
        read(path)
    assert caught.value.path == str(path)
