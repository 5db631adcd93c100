"""Legacy encodings (TCVN3/ABC, VNI) and split accents: parsers/legacy.py and its wiring into
the text, HTML and DOCX readers, tested on the corpus documents converted to those encodings."""

from __future__ import annotations

import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from baocao.extractor.pipeline import extract_document
from baocao.parsers import parse
from baocao.parsers.legacy import (
    DocxFonts,
    SchemeName,
    convert,
    convert_pdf_line,
    convert_pdf_pages,
    convert_text,
    detect,
    encode,
    fix_decoded,
    is_syllable,
    repair_split_accents,
    scheme,
    scheme_for_font,
)
from baocao.parsers.pdf_layout import Line, PageText
from tests.conftest import CORPUS, SEEDS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_004 = CORPUS / "docs" / "004_1ab22aee8a00dbb0.docx"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def to_bytes(text: str) -> bytes:
    """Legacy text (Latin-1 characters, windows-1252 punctuation) as the bytes of an old file."""
    out = bytearray()
    for ch in text:
        out += bytes([ord(ch)]) if ord(ch) < 256 else ch.encode("cp1252", errors="replace")
    return bytes(out)


def same_but_case(a: str, b: str) -> bool:
    """Equal, or equal but for the few capitals TCVN3 has no code for (written lowercase)."""
    return a == b or (len(a) == len(b) and a.casefold() == b.casefold())


# ---------------------------------------------------------------------------- the tables

@pytest.mark.parametrize("name", ["tcvn3", "vni"])
def test_legacy_table_loads_and_every_entry_is_vietnamese(name: SchemeName) -> None:
    s = scheme(name)
    assert s.single and s.font_prefixes
    for ch, text in s.single.items():
        if ord(ch) >= 0xA0 or ch in s.marks:
            assert all(unicodedata.category(c)[0] in "LM" for c in text), (ch, text)
    for text in s.marks.values():
        assert all(unicodedata.combining(c) for c in text)


def test_legacy_tcvn3_known_letters() -> None:
    assert convert("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "tcvn3").text \
        == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert convert("§¬n vÞ: ®ång", "tcvn3").text == "Đơn vị: đồng"
    assert convert("b¸o c¸o", "tcvn3", upper=True).text == "BÁO CÁO"     # .VnTimeH


def test_legacy_vni_known_letters() -> None:
    assert convert("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni").text \
        == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert convert("Ñôn vò: ñoàng; BAÙO CAÙO", "vni").text == "Đơn vị: đồng; BÁO CÁO"


def test_legacy_font_names() -> None:
    assert scheme_for_font(".VnTime") == ("tcvn3", False)
    assert scheme_for_font(".VnTimeH") == ("tcvn3", True)
    assert scheme_for_font("ABCDEF+.VnArialH,Bold") == ("tcvn3", True)
    assert scheme_for_font("VNI-Times") == ("vni", False)
    assert scheme_for_font("Times New Roman") is None
    assert scheme_for_font(None) is None


# -------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("name", ["tcvn3", "vni"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_legacy_round_trip_on_corpus_seeds(seed: Path, name: SchemeName) -> None:
    original = nfc(seed.read_text(encoding="utf-8"))
    legacy = encode(original, name)
    assert legacy != original
    converted, found = convert_text(legacy)
    assert found == name
    wrong = [(a, b) for a, b in zip(original, converted.text) if a != b]
    assert len(converted.text) == len(original)
    assert all(same_but_case(a, b) for a, b in wrong)
    assert len(wrong) <= 3          # TCVN3 capitals such as "Ở" alone at a sentence start


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_legacy_unicode_text_is_never_detected(seed: Path) -> None:
    assert detect(seed.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize("text", [
    "Le café est très élégant, déjà à côté du théâtre.",        # French in Latin-1
    "Straße, Größe, Übung; naïve façade — “quoted” …",
    "Tỷ lệ đúng hạn đạt 96,9% (15.739/17.604 hồ sơ).",
    "UBND TTHC DVCQG 2024 - 100% - 12/34",
    "",
])
def test_legacy_other_text_is_not_detected(text: str) -> None:
    assert detect(text) is None


def test_legacy_offsets_point_back_into_the_source() -> None:
    source = "Toång soá: Vieät Nam ñaït 96,9%"
    conv = convert(source, "vni")
    assert conv.text == "Tổng số: Việt Nam đạt 96,9%"
    start = conv.text.index("96,9%")
    a, b = conv.source_span(start, start + 5)
    assert source[a:b] == "96,9%"
    word = conv.text.index("Việt")
    assert source[slice(*conv.source_span(word, word + 4))] == "Vieät"
    assert len(conv.offsets) == len(conv.text) + 1


def test_legacy_mixed_document_converts_only_legacy_lines() -> None:
    unicode_line = "Tỷ lệ hồ sơ đúng hạn đạt 96,9%; Báo cáo tháng 5"
    legacy_line = encode("Tổng số hồ sơ tiếp nhận 20.845, đã giải quyết 17.604 hồ sơ", "tcvn3")
    text = "\n".join([unicode_line, legacy_line, legacy_line, unicode_line])
    converted, name = convert_text(text)
    assert name == "tcvn3"
    assert converted.text.splitlines() == [
        unicode_line, "Tổng số hồ sơ tiếp nhận 20.845, đã giải quyết 17.604 hồ sơ",
        "Tổng số hồ sơ tiếp nhận 20.845, đã giải quyết 17.604 hồ sơ", unicode_line]


def test_legacy_fix_decoded_undoes_a_windows_1258_reading() -> None:
    legacy = encode("Báo cáo kết quả cải cách hành chính năm 2023", "tcvn3")
    as_1258 = to_bytes(legacy).decode("cp1258")       # 0xCC etc. became combining marks
    fixed, warning = fix_decoded(as_1258, "windows-1258")
    assert fixed == "Báo cáo kết quả cải cách hành chính năm 2023"
    assert warning is not None and "TCVN3" in warning


def test_legacy_syllable_rules() -> None:
    good = ["nghiêng", "khuyến", "quốc", "giữa", "trường", "hoà", "hòa", "Việt", "được", "ĐẠT"]
    bad = ["ngiêng", "kanh", "ghà", "cénh", "tồt", "hóá", "B¸o", "Ça", "xyz"]
    assert all(is_syllable(w) for w in good)
    assert not any(is_syllable(w) for w in bad)


# ----------------------------------------------------------------- through the readers

@pytest.mark.parametrize("name", ["tcvn3", "vni"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_legacy_text_file_reads_like_its_unicode_original(seed: Path, name: SchemeName,
                                                          tmp_path: Path) -> None:
    path = tmp_path / f"{seed.stem}.{name}.txt"
    path.write_bytes(to_bytes(encode(seed.read_text(encoding="utf-8"), name)))
    expected, got = parse(seed), parse(path)
    assert any(w.startswith("legacy_encoding") for w in got.warnings)
    assert len(got.text) == len(expected.text)
    assert sum(a != b for a, b in zip(expected.text, got.text)) <= 3


@pytest.mark.parametrize("name", ["tcvn3", "vni"])
@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-1", None])
def test_legacy_html_page_reads_like_its_unicode_original(name: SchemeName, charset: str | None,
                                                          tmp_path: Path) -> None:
    page = CORPUS / "docs" / "001_422e18ebd3f30e83.html"
    html = encode(page.read_text(encoding="utf-8"), name)
    html = html.replace('charset="utf-8"', f'charset="{charset}"' if charset else "")
    html = html.replace("charset=utf-8", f"charset={charset}" if charset else "")
    path = tmp_path / "old.html"
    path.write_bytes(to_bytes(html))
    expected, got = parse(page), parse(path)
    assert got.text == expected.text
    assert any(w.startswith("legacy_encoding") for w in got.warnings)


def test_legacy_text_file_facts_equal_the_originals(tmp_path: Path) -> None:
    seed = SEEDS[4]
    path = tmp_path / "004.tcvn3.txt"
    path.write_bytes(to_bytes(encode(seed.read_text(encoding="utf-8"), "tcvn3")))

    def facts(p: Path) -> Counter[tuple[str, object, object]]:
        return Counter((f.kind.value, f.value, f.denominator)
                       for f in extract_document(parse(p)).facts)

    assert facts(path) == facts(seed)


def legacy_docx(src: Path, dst: Path, name: SchemeName, font: str,
                keep_unicode: int | None = None) -> Path:
    """``src`` with every run's text in ``name`` and its font set to ``font``; with
    ``keep_unicode``, every n-th run is left in Unicode in Times New Roman (a mixed file)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in ("word/document.xml", "word/footnotes.xml"):
                root = etree.fromstring(data)
                for k, run in enumerate(root.iter(f"{W}r")):
                    unicode_run = keep_unicode is not None and k % keep_unicode == 0
                    rpr = run.find(f"{W}rPr")
                    if rpr is None:
                        rpr = etree.Element(f"{W}rPr")
                        run.insert(0, rpr)
                    fonts = rpr.find(f"{W}rFonts")
                    if fonts is None:
                        fonts = etree.SubElement(rpr, f"{W}rFonts")
                    for attr in ("ascii", "hAnsi", "cs"):
                        fonts.set(f"{W}{attr}", "Times New Roman" if unicode_run else font)
                    for t in run.iter(f"{W}t"):
                        t.text = t.text if unicode_run else encode(t.text or "", name)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            zout.writestr(item, data)
    return dst


@pytest.mark.parametrize("name,font", [("tcvn3", ".VnTime"), ("vni", "VNI-Times"),
                                       ("tcvn3", "Arial")])
def test_legacy_docx_runs_are_converted(name: SchemeName, font: str, tmp_path: Path) -> None:
    path = legacy_docx(DOCX_004, tmp_path / "legacy.docx", name, font)
    expected, got = parse(DOCX_004), parse(path)
    assert got.text == expected.text
    assert any(w.startswith("legacy_encoding") for w in got.warnings)


def test_legacy_docx_mixed_runs_convert_run_by_run(tmp_path: Path) -> None:
    path = legacy_docx(DOCX_004, tmp_path / "mixed.docx", "tcvn3", ".VnTime", keep_unicode=3)
    assert parse(path).text == parse(DOCX_004).text


def test_legacy_docx_font_inherited_from_styles() -> None:
    body = etree.fromstring(
        f'<w:body xmlns:w="{W[1:-1]}"><w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>'
        f'<w:r><w:t>b¸o c¸o</w:t></w:r></w:p><w:p><w:r><w:t>ViÖt Nam</w:t></w:r></w:p>'
        f'<w:p><w:r><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/></w:rPr>'
        f'<w:t>Việt Nam</w:t></w:r></w:p></w:body>')
    styles = etree.fromstring(
        f'<w:styles xmlns:w="{W[1:-1]}"><w:docDefaults><w:rPrDefault><w:rPr>'
        f'<w:rFonts w:ascii=".VnTime" w:hAnsi=".VnTime"/></w:rPr></w:rPrDefault></w:docDefaults>'
        f'<w:style w:type="paragraph" w:styleId="Heading"><w:rPr>'
        f'<w:rFonts w:ascii=".VnTimeH" w:hAnsi=".VnTimeH"/></w:rPr></w:style>'
        f'<w:style w:type="paragraph" w:styleId="Title"><w:basedOn w:val="Heading"/></w:style>'
        f'</w:styles>')
    fonts = DocxFonts(body, styles)
    texts = [fonts.text(t, fonts._para_style(t)) for t in body.iter(f"{W}t")]
    assert texts == ["BÁO CÁO", "Việt Nam", "Việt Nam"]
    assert fonts.legacy_runs == 2 and "2 runs" in (fonts.warning() or "")


# --------------------------------------------------------------------------------- PDF

def test_legacy_split_accents_are_repaired_and_offsets_kept() -> None:
    source = "Kết quả thự c hiện ng ười dân đ ược giao; điểm c khoản 2; TP HCM"
    fixed = repair_split_accents(source)
    assert fixed.text == "Kết quả thực hiện người dân được giao; điểm c khoản 2; TP HCM"
    start = fixed.text.index("người")
    assert source[slice(*fixed.source_span(start, start + 5))] == "ng ười"
    assert repair_split_accents("Vie \u0323\u0302t").text == "Vie\u0323\u0302t"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_legacy_split_accent_repair_leaves_clean_text_alone(seed: Path) -> None:
    text = parse(seed).text
    assert repair_split_accents(text).text == text


def test_legacy_pdf_line_by_font_and_by_detection() -> None:
    assert convert_pdf_line("B¸o c¸o", "ABCDEF+.VnTime").text == "Báo cáo"
    assert convert_pdf_line("b¸o c¸o", ".VnTimeH").text == "BÁO CÁO"
    assert convert_pdf_line("Baùo caùo", None, "vni").text == "Báo cáo"
    assert convert_pdf_line("thự c hiện", None, None).text == "thực hiện"


def test_legacy_pdf_pages_converted_in_place() -> None:
    lines = [encode("Tỷ lệ hồ sơ giải quyết đúng hạn đạt 96,9% trong kỳ báo cáo", "vni"),
             encode("Tổng số hồ sơ tiếp nhận 20.845 hồ sơ", "vni"), "Trang 2"]
    page = PageText(1, 595, 842, [Line([(t, False)], 1, (0, 10 * i, 500, 10 * i + 9), 12)
                                  for i, t in enumerate(lines)], 120, 0)
    warning = convert_pdf_pages([page])
    assert warning is not None and "VNI" in warning
    assert [ln.text for ln in page.lines] == [
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 96,9% trong kỳ báo cáo",
        "Tổng số hồ sơ tiếp nhận 20.845 hồ sơ", "Trang 2"]


def test_legacy_pdf_text_layer_in_tcvn3(tmp_path: Path) -> None:
    """A PDF drawn in a Latin-1 font with TCVN3 codes (what a .VnTime PDF's text layer
    gives): its extracted lines convert back."""
    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    wanted = ["Kết quả giải quyết hồ sơ: đúng hạn 15.739 hồ sơ, đạt tỷ lệ 89,4%",
              "Số hồ sơ quá hạn là 1.865 hồ sơ, chiếm tỷ lệ 10,6%"]
    path = tmp_path / "vntime.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    for i, line in enumerate(wanted):
        canvas.setFont("Times-Roman", 12)
        canvas.drawString(72, 760 - 20 * i, encode(line, "tcvn3"))
    canvas.save()
    page = pdfium.PdfDocument(str(path))[0]
    extracted = page.get_textpage().get_text_range().splitlines()
    lines = [Line([(t, False)], 1, (72, 20 * i, 500, 20 * i + 12), 12)
             for i, t in enumerate(extracted)]
    convert_pdf_pages([PageText(1, 595, 842, lines, 100, 0)])
    assert [ln.text for ln in lines] == wanted


def test_legacy_and_ocr_doctests_pass() -> None:
    import doctest

    from baocao.parsers import legacy, ocr

    for module in (legacy, ocr):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
