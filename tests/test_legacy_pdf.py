"""Legacy encodings in PDFs, by font name: text drawn in .VnTime (TCVN3) and VNI-Times (VNI)
fonts is converted run by run as parsers/pdf.py reads the glyphs, text in other fonts is left
alone, and facts keep pointing at the right page and line.

The PDFs are real: corpus seed text written in TCVN3/VNI codes (``parsers.legacy.encode``)
and drawn in fonts whose /BaseFont is the legacy name, made two ways: reportlab with an
embedded TrueType subset (DejaVu Sans renamed: "AAAAAA+.VnTime", ToUnicode giving the 8-bit
characters) and a hand-written file with a non-embedded WinAnsi font and no ToUnicode, what
old Word-to-PDF printers wrote (text extracts as "B¸o c¸o").
"""

from __future__ import annotations

import ctypes
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from baocao.api import extract
from baocao.parsers import parse
from baocao.parsers.legacy import (
    SchemeName,
    convert_glyph_runs,
    convert_segments,
    detect,
    encode,
    scheme_for_font,
)
from baocao.parsers.pdf import _legacy_fonts
from baocao.schemas.extraction import Extraction
from tests.conftest import CORPUS, SEEDS
from tests.test_legacy import nfc, to_bytes

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE = "DejaVuSans"
TOP, BOTTOM, LEFT = 780.0, 60.0, 60.0     # PDF coordinates of the text area (A4: 595 x 842)
SIZE, LEADING, GAP, WIDTH = 11.0, 14.0, 8.0, 80
# A heading of every Finance Office report: Unicode, yet all in Latin-1, and its TCVN3 and
# VNI readings spell as well ("Phũng TỔi chớnh", "Phịng Tài chính"): spelling cannot tell.
LATIN1_UNICODE = "Phòng Tài chính"

Paragraph = tuple[str, str]          # (font name, Unicode text)
Placed = tuple[int, float, float]    # (page, top, bottom) in top-left coordinates


def seed_paragraphs(seed: Path) -> list[str]:
    """The seed's non-blank lines: its paragraphs, headings and list items."""
    return [line.strip() for line in nfc(seed.read_text(encoding="utf-8")).splitlines()
            if line.strip()]


# TCVN3 capitals at bytes windows-1252 leaves undefined (81 8D 8F 90 9D): no font a PDF
# writer here can embed draws them, so they are typed lowercase, as .VnTime users did.
_UNTYPABLE = {ch: ch.lower() for ch in "ẢÌĨÍÙ"}


def legacy_text(font: str, text: str) -> str:
    """``text`` as typed in ``font``: its legacy codes, lowercase for a capitals-only font."""
    found = scheme_for_font(font)
    if found is None:
        return text
    name, upper = found
    if name == "tcvn3":
        text = "".join(_UNTYPABLE.get(ch, ch) for ch in text)
    return encode(text.lower() if upper else text, name)


def layout(paragraphs: Sequence[Paragraph]) -> list[list[tuple[int, float, str, str]]]:
    """Each paragraph's lines as (page index, baseline y, font, text in the font's codes):
    wrapped on the Unicode text, so a legacy file breaks its lines where the Unicode one does."""
    out: list[list[tuple[int, float, str, str]]] = []
    page, y = 0, TOP
    for font, text in paragraphs:
        lines = []
        for line in textwrap.wrap(text, WIDTH):
            if y < BOTTOM:
                page, y = page + 1, TOP
            lines.append((page, y, font, legacy_text(font, line)))
            y -= LEADING
        out.append(lines)
        y -= GAP
    return out


def placed(lines: list[list[tuple[int, float, str, str]]]) -> list[Placed]:
    """Where each paragraph stands: its first page and the band from its first line's top to
    its last line's bottom on that page (top-left coordinates, generous by half a line)."""
    out = []
    for para in lines:
        first = [ln for ln in para if ln[0] == para[0][0]]
        out.append((para[0][0] + 1, 842 - first[0][1] - SIZE * 1.5, 842 - first[-1][1] + SIZE))
    return out


def register(font: str) -> str:
    """DejaVu Sans registered with reportlab as ``font`` and written into the PDF under that
    name: reportlab writes the TrueType file's own PostScript name as /BaseFont otherwise."""
    if not DEJAVU.exists():
        pytest.skip(f"{DEJAVU} is missing: install fonts-dejavu-core")
    if font not in pdfmetrics.getRegisteredFontNames():
        ttf = TTFont(font, str(DEJAVU))
        ttf.face.name = font.encode()
        pdfmetrics.registerFont(ttf)
    return font


def as_typed(text: str) -> str:
    """Legacy codes as Windows hands them to a font: a byte in 80-9F is its windows-1252
    character ("ƒ" for TCVN3's 0x83 "Á"), which a .VnTime font's own cmap draws."""
    return "".join(bytes([ord(ch)]).decode("cp1252", errors="ignore") or ch
                   if 0x80 <= ord(ch) < 0xA0 else ch for ch in text)


def reportlab_pdf(path: Path, paragraphs: Sequence[Paragraph],
                  extra: Callable[[Canvas], None] | None = None) -> list[Placed]:
    """``paragraphs`` drawn line by line, each in its font (an embedded subset named after it);
    ``extra`` draws more on the first page. Returns where each paragraph stands."""
    lines = layout(paragraphs)
    canvas = Canvas(str(path), pagesize=A4)
    if extra is not None:
        extra(canvas)
    page = 0
    for para in lines:
        for at, y, font, text in para:
            if at != page:
                canvas.showPage()
                page = at
            canvas.setFont(register(font), SIZE)
            canvas.drawString(LEFT, y, as_typed(text))
    canvas.save()
    return placed(lines)


def _pdf_string(data: bytes) -> bytes:
    return b"(" + re.sub(rb"([()\\])", rb"\\\1", data) + b")"


def winansi_pdf(path: Path, paragraphs: Sequence[Paragraph]) -> list[Placed]:
    """``paragraphs`` drawn as an old printer driver did: one simple TrueType font per name,
    not embedded, /WinAnsiEncoding, /Widths (Times' metrics) and no /ToUnicode; the strings
    are the legacy bytes themselves."""
    lines = layout(paragraphs)
    fonts = sorted({font for font, _ in paragraphs})
    widths = b" ".join(str(round(pdfmetrics.stringWidth(bytes([b]).decode("cp1252", "replace"),
                                             "Times-Roman", 1000))).encode()
                       for b in range(32, 256))
    objects: list[bytes] = [b"", b""]                      # 1 catalog, 2 page tree
    names = {}
    for k, font in enumerate(fonts):
        names[font] = f"F{k + 1}".encode()
        objects.append(b"<< /Type /FontDescriptor /FontName /" + font.encode()
                       + b" /Flags 32 /FontBBox [-170 -220 1000 900] /ItalicAngle 0"
                       + b" /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 >>")
        objects.append(b"<< /Type /Font /Subtype /TrueType /BaseFont /" + font.encode()
                       + b" /FirstChar 32 /LastChar 255 /Widths [" + widths + b"]"
                       + b" /Encoding /WinAnsiEncoding /FontDescriptor "
                       + str(len(objects)).encode() + b" 0 R >>")
    font_refs = b" ".join(b"/" + names[f] + b" " + str(4 + 2 * k).encode() + b" 0 R"
                          for k, f in enumerate(fonts))   # object 3 + 2k: its descriptor
    kids = []
    for page in range(max(ln[0] for para in lines for ln in para) + 1):
        ops = [b"BT"]
        for at, y, font, text in (ln for para in lines for ln in para):
            if at == page:
                ops.append(b"/" + names[font] + f" {SIZE:g} Tf 1 0 0 1 {LEFT:g} {y:g} Tm"
                           .encode() + b" " + _pdf_string(to_bytes(text)) + b" Tj")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
                       + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources"
                       + b" << /Font << " + font_refs + b" >> >> /Contents "
                       + str(len(objects)).encode() + b" 0 R >>")
        kids.append(str(len(objects)).encode() + b" 0 R")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count "
                  + str(len(kids)).encode() + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
            b"startxref\n" + str(xref).encode() + b"\n%%EOF\n")
    path.write_bytes(bytes(out))
    return placed(lines)


WRITERS = {"embedded": reportlab_pdf, "winansi": winansi_pdf}


def base_font_names(path: Path) -> set[str]:
    """The /BaseFont of every text object's font, read with pypdfium2."""
    names = set()
    pdf = pdfium.PdfDocument(str(path))
    for page in pdf:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
            size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
            buffer = ctypes.create_string_buffer(size)
            pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
            names.add(buffer.value.decode("latin-1"))
    pdf.close()
    return names


def facts(ex: Extraction) -> Counter[tuple[str, object, object, int | None]]:
    """What was found and on which page."""
    return Counter((f.kind.value, f.value, f.denominator, f.location.page) for f in ex.facts)


def words(text: str) -> list[str]:
    """The words, case aside: TCVN3 has no code for some capitals (written lowercase)."""
    return text.casefold().split()


# ---------------------------------------------------------------------------- the glyphs

def test_legacy_pdf_glyph_runs_keep_a_box_for_every_character() -> None:
    """TCVN3 is one glyph a letter; a VNI letter and its mark become one character whose box
    is the union of theirs; glyphs outside the runs are kept as they are."""
    def glyph(ch: str, x: float, space: bool = False, top: float = 100.0) -> tuple:
        return (ch, x, top, x + 5.0, top + 12.0, 12.0, space)

    tcvn3 = [glyph(c, 10 + 5 * i) for i, c in enumerate("B¸o")]
    vni = [glyph(c, 50 + 5 * i, space=i == 0) for i, c in enumerate("Vieät")]
    vni += [glyph(c, 10 + 5 * i, top=120.0) for i, c in enumerate("Baùo")]    # next line
    plain = [glyph("x", 90.0, space=True)]
    out, lines = convert_glyph_runs(tcvn3 + vni + plain, [(0, 3, ("tcvn3", False)),
                                                           (3, 12, ("vni", False))])
    assert "".join(g[0] for g in out) == "BáoViệtBáox"
    assert out[1] == ("á", 15.0, 100.0, 20.0, 112.0, 12.0, False)
    assert out[3][6] and out[3][0] == "V"                      # the space flag is kept
    assert out[5][0] == "ệ" and out[5][1:5] == (60.0, 100.0, 70.0, 112.0)   # e + ä
    assert out[8][0] == "á" and out[8][1:5] == (15.0, 120.0, 25.0, 132.0)   # a + ù
    assert out[-1] == plain[0]
    assert lines == {"tcvn3": 1, "vni": 2}


def test_legacy_pdf_tcvn3_u_extracted_as_a_hyphen_is_restored() -> None:
    """Without a ToUnicode map PDFium reads TCVN3's "ư" (byte AD, WinAnsi "hyphen") as "-":
    inside a word that then spells it is "ư" again; real hyphens and list dashes stay."""
    wanted = "- người được giao như sau: Bà Rịa-Vũng Tàu, BC-NV, 2022-2023"
    text = encode(wanted, "tcvn3").replace("\xad", "-")
    assert text.startswith("- ng-êi ®-îc giao nh- sau")
    glyphs = [(ch, 5.0 * i, 100.0, 5.0 * i + 5, 112.0, 12.0, text[i - 1:i] == " ")
              for i, ch in enumerate(text) if ch != " "]
    out, _ = convert_glyph_runs(glyphs, [(0, len(glyphs), ("tcvn3", False))])
    assert "".join((" " if g[6] else "") + g[0] for g in out) == wanted


# ----------------------------------------------------------------- whole legacy documents

@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("font,name", [(".VnTime", "tcvn3"), ("VNI-Times", "vni")])
def test_legacy_pdf_whole_document_is_converted_by_font(writer: str, font: str,
                                                        name: SchemeName,
                                                        tmp_path: Path) -> None:
    seed = SEEDS[4]
    paragraphs = seed_paragraphs(seed)
    original = tmp_path / "unicode.pdf"
    old = tmp_path / f"{name}.pdf"
    reportlab_pdf(original, [(UNICODE, p) for p in paragraphs])
    WRITERS[writer](old, [(font, p) for p in paragraphs])
    assert font in base_font_names(old)

    expected, got = extract(original), extract(old)
    (warning,) = [w for w in got.warnings if w.startswith("legacy_encoding")]
    assert f"{name.upper()} text in" in warning and "by font name" in warning
    wrong = [(a, b) for a, b in zip(words(expected.text), words(got.text)) if a != b]
    assert len(words(got.text)) == len(words(expected.text)) and not wrong
    assert facts(got) == facts(expected)
    assert all(got.text[f.span[0]:f.span[1]] == f.text for f in got.facts)
    for a, b in zip(expected.facts, got.facts):            # same line of the same page
        assert (a.value, a.location.page) == (b.value, b.location.page)
        assert a.location.bbox is not None and b.location.bbox is not None
        assert abs((a.location.bbox[1] + a.location.bbox[3])
                   - (b.location.bbox[1] + b.location.bbox[3])) / 2 < LEADING / 2


def test_legacy_pdf_lost_font_names_fall_back_to_spelling(tmp_path: Path) -> None:
    """TCVN3 codes drawn in a font that kept no legacy name (substituted on the way to PDF):
    no font says, so spelling detects the document and converts it line by line."""
    paragraphs = seed_paragraphs(SEEDS[4])
    original, old = tmp_path / "unicode.pdf", tmp_path / "renamed.pdf"
    reportlab_pdf(original, [(UNICODE, p) for p in paragraphs])
    reportlab_pdf(old, [("TimesNewRomanPSMT", legacy_text(".VnTime", p)) for p in paragraphs])
    assert "TimesNewRomanPSMT" in base_font_names(old)
    expected, got = parse(original), parse(old)
    (warning,) = [w for w in got.warnings if w.startswith("legacy_encoding")]
    assert warning.startswith("legacy_encoding: TCVN3 text converted to Unicode (")
    assert "by font name" not in warning
    wrong = [(a, b) for a, b in zip(words(expected.text), words(got.text)) if a != b]
    assert len(words(got.text)) == len(words(expected.text)) and len(wrong) <= 3


# ------------------------------------------------------------------ mixed documents

def test_legacy_pdf_mixed_page_converts_run_by_run(tmp_path: Path) -> None:
    """One page: Unicode paragraphs, a TCVN3 one, a VNI one, a .VnTimeH title drawn from a
    form XObject and a ruled table with a TCVN3 and a VNI cell. Every part reads as the seed
    wrote it, the Unicode ones untouched, and facts stand on the lines they were drawn on."""
    seed = seed_paragraphs(SEEDS[0])
    unicode_1 = next(p for p in seed if p.startswith("Nguyên nhân chủ yếu"))
    tcvn3 = next(p for p in seed if p.startswith("- Năm 2023: Tỷ lệ hài lòng"))
    vni = next(p for p in seed if p.startswith("- Năm 2022: Điểm số"))
    unicode_2 = next(p for p in seed if p.startswith("- Năm 2023: Điểm số"))
    title = "Đánh giá, phân tích chỉ số cải cách hành chính"
    cells = [[(".VnTime", "Tổng số hồ sơ tiếp nhận"), (UNICODE, "20.845")],
             [("VNI-Times", "Đã giải quyết đúng hạn"), (UNICODE, "17.604")]]

    def title_and_table(canvas: Canvas) -> None:
        canvas.beginForm("title")
        canvas.setFont(register(".VnTimeH"), 13)
        canvas.drawString(LEFT, 805, as_typed(legacy_text(".VnTimeH", title)))
        canvas.endForm()
        canvas.doForm("title")
        for r, row in enumerate(cells):
            for c, (font, text) in enumerate(row):
                x, y = LEFT + 240 * c, 420 - 24 * r
                canvas.rect(x, y, 240, 24)
                canvas.setFont(register(font), SIZE)
                canvas.drawString(x + 6, y + 8, as_typed(legacy_text(font, text)))

    path = tmp_path / "mixed.pdf"
    paragraphs = [(UNICODE, unicode_1), (".VnTime", tcvn3), ("VNI-Times", vni),
                  (UNICODE, unicode_2)]
    where = reportlab_pdf(path, paragraphs, title_and_table)
    assert {".VnTime", ".VnTimeH", "VNI-Times", UNICODE} <= base_font_names(path)

    ex = extract(path)
    for _, text in paragraphs:
        assert text in ex.text
    assert title.upper() in ex.text
    doc = parse(path)
    (table,) = [b.table for b in doc.blocks if b.table is not None]
    assert table.rows() == [[text for _, text in row] for row in cells]
    tcvn3_lines = len(textwrap.wrap(tcvn3, WIDTH)) + 2          # and the title, a cell
    vni_lines = len(textwrap.wrap(vni, WIDTH)) + 1
    assert [w for w in ex.warnings if w.startswith("legacy_encoding")] == [
        f"legacy_encoding: TCVN3 text in {tcvn3_lines} lines, VNI text in {vni_lines} "
        f"line{'s' * (vni_lines != 1)} converted to Unicode by font name (.VnTime, VNI-Times)"]

    def stands_in(value: float, band: Placed) -> bool:
        found = [f for f in ex.facts if f.value == value]
        assert found, value
        return all(f.location.page == band[0] and f.location.bbox is not None
                   and band[1] <= f.location.bbox[1] and f.location.bbox[3] <= band[2]
                   for f in found)

    assert stands_in(99.55, where[1]) and stands_in(0.45, where[1])        # TCVN3
    assert stands_in(86.57, where[2])                                       # VNI
    assert stands_in(99.27, where[3])                                       # Unicode
    assert all(ex.text[f.span[0]:f.span[1]] == f.text for f in ex.facts)


@pytest.mark.parametrize("font,name", [(".VnTime", "tcvn3"), ("VNI-Times", "vni")])
def test_legacy_pdf_font_names_win_over_spelling(font: str, name: SchemeName,
                                                 tmp_path: Path) -> None:
    """A Unicode heading in Latin-1 letters only, beside legacy paragraphs: spelling alone
    would convert it too (its legacy reading spells as well), the font name says it is
    Unicode, and it stays as it is."""
    seed = seed_paragraphs(SEEDS[0])
    legacy_paragraphs = [p for p in seed if p.startswith("- ")][:4]
    assert detect("\n".join(encode(p, name) for p in legacy_paragraphs)) == name
    assert convert_segments([LATIN1_UNICODE], name)[0].text != LATIN1_UNICODE
    path = tmp_path / "mixed.pdf"
    paragraphs = ([(UNICODE, LATIN1_UNICODE)] + [(font, p) for p in legacy_paragraphs]
                  + [(UNICODE, "Công khai tài chính")])
    reportlab_pdf(path, paragraphs)
    doc = parse(path)
    assert doc.text.splitlines()[0] == LATIN1_UNICODE
    for _, text in paragraphs:
        assert text in doc.text


def test_legacy_pdf_unicode_corpus_pdfs_name_no_legacy_font() -> None:
    """The corpus PDFs (reportlab and LibreOffice, DejaVu and Liberation fonts) use no legacy
    font: the font pass finds nothing, so their glyphs are never looked up by font."""
    pdfs = sorted((CORPUS / "docs").glob("*.pdf"))
    assert pdfs
    for path in pdfs:
        pdf = pdfium.PdfDocument(str(path))
        try:
            assert all(_legacy_fonts(page) == {} for page in pdf), path.name
        finally:
            pdf.close()
