"""parsers.docx: body order, merged cells, Word numbering, real footnotes, hostile input.

Three sources of input:

* ``corpus/docs/<ID>.docx``: the five seeds rendered by ``corpus.build`` (real styles, merged
  cells, ``word/footnotes.xml``); each case skips with a reason when its file is missing.
* Small documents built in ``tmp_path`` with python-docx, one structure each (a merge, a
  heading style, automatic numbering, a content control, revisions, notes).
* ``../shared/realdocs``: two real ministry DOCX files, read in place and never copied.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document as WordDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from baocao.parsers import Limits, parse
from baocao.parsers.docx import read_docx
from baocao.parsers.errors import (
    CorruptFileError,
    EncryptedFileError,
    FormatMismatchError,
    ResourceLimitError,
    UnsupportedFormatError,
)
from baocao.schemas.document import Block, BlockKind, Document, Format, Source, Table

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "docs"
SEEDS = next((d for d in (ROOT / "corpus" / "seeds", ROOT.parent / "shared" / "seeds")
              if d.is_dir()), ROOT / "corpus" / "seeds")
REALDOCS = ROOT.parent / "shared" / "realdocs"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


# ------------------------------------------------------------------------------ helpers

def corpus_doc(seed_id: str) -> Document:
    path = CORPUS / f"{seed_id}.docx"
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} not built yet (run: python -m corpus.build)")
    return parse(path)


def seed_text(seed_id: str) -> str:
    return (SEEDS / f"{seed_id}.txt").read_text(encoding="utf-8")


def tables(doc: Document) -> list[Block]:
    return [b for b in doc.blocks if b.table is not None]


def text_of(doc: Document, block: Block) -> str:
    return doc.text[block.span[0]:block.span[1]]


def body_blocks(doc: Document) -> list[Block]:
    return [b for b in doc.blocks if b.kind is not BlockKind.footnote]


def save(word: WordDocument, path: Path) -> Path:
    word.save(str(path))
    return path


def build(tmp_path: Path, fill: Callable[[WordDocument], None], name: str = "f.docx") -> Path:
    """A DOCX made by python-docx's default template plus ``fill``."""
    word = docx.Document()
    fill(word)
    return save(word, tmp_path / name)


def rezip(source: bytes, path: Path, replace: dict[str, bytes | None]) -> Path:
    """Copy a ZIP with some members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(io.BytesIO(source)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename not in replace:
                out.writestr(info, src.read(info.filename))
        for name, data in replace.items():
            if data is not None:
                out.writestr(name, data)
    return path


def plain_docx_bytes() -> bytes:
    buffer = io.BytesIO()
    word = docx.Document()
    word.add_paragraph("Tổng số hồ sơ tiếp nhận 20.845")
    word.save(buffer)
    return buffer.getvalue()


def add_after_last(word: WordDocument, xml: str) -> None:
    """Append a body element before w:sectPr (python-docx keeps sectPr last)."""
    word.element.body.sectPr.addprevious(parse_xml(xml))


W = nsdecls("w")


# ------------------------------------------------------------------------ corpus documents

@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_docx_corpus_keeps_every_seed_number(seed_id: str) -> None:
    doc = corpus_doc(seed_id)
    missing = [t for t in NUMBER.findall(seed_text(seed_id)) if t not in doc.text]
    assert missing == []


def _table_neighbours(text: str) -> list[tuple[str, str]]:
    """(line before, line after) each run of pipe-table lines of a seed, blank lines ignored."""
    lines = [line.strip().replace("*", "") for line in text.splitlines() if line.strip()]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append((lines[i - 1], lines[j] if j < len(lines) else ""))
            i = j
        else:
            i += 1
    return out


def _block_starting(doc: Document, line: str) -> Block:
    head = line[:40]
    return next(b for b in body_blocks(doc) if text_of(doc, b).startswith(head))


@pytest.mark.parametrize("seed_id", [s for s in SEED_IDS if _table_neighbours(seed_text(s))])
def test_docx_corpus_tables_sit_between_their_seed_neighbours(seed_id: str) -> None:
    doc = corpus_doc(seed_id)
    found = tables(doc)
    neighbours = _table_neighbours(seed_text(seed_id))
    assert len(found) == len(neighbours)
    for table, (before, after) in zip(found, neighbours):
        assert _block_starting(doc, before).id < table.id < _block_starting(doc, after).id


def test_docx_seed001_table_is_one_table_with_merged_cells() -> None:
    doc = corpus_doc("001_422e18ebd3f30e83")
    holding = [b.table for b in tables(doc) if "Công khai minh bạch" in text_of(doc, b)]
    assert len(holding) == 1
    table = holding[0]
    assert table is not None
    assert any(row[1] == "Công khai minh bạch" and "11,1/18" in row for row in table.rows())
    assert any("78,49/100" in row[-1] for row in table.rows())  # the second half is stitched in
    assert max(max(c.row_span, c.col_span) for c in table.cells) > 1


def test_docx_seed001_header_rows_come_from_tblheader() -> None:
    doc = corpus_doc("001_422e18ebd3f30e83")
    table = next(b.table for b in tables(doc) if "Công khai minh bạch" in text_of(doc, b))
    assert table is not None and table.header_rows == 2
    assert [c.text for c in table.cells if c.header] == [
        "Stt", "Nhóm chỉ số", "Tỷ lệ/Điểm", "Tính đến tháng 5/2024"]


def test_docx_seed003_footnotes_are_linked_to_body_markers() -> None:
    doc = corpus_doc("003_93ee7d9315423c01")
    seed_notes = dict(re.findall(r"^\[(\d)\] (.+)$", seed_text("003_93ee7d9315423c01"), re.M))
    assert [f.label for f in doc.footnotes] == [str(n) for n in range(1, 8)]
    first_note = min(f.span[0] for f in doc.footnotes)
    for note in doc.footnotes:
        assert len(note.markers) == 1 and note.markers[0][1] <= first_note
        assert doc.text[note.span[0]:note.span[1]] == f"[{note.label}] {seed_notes[note.label]}"
    sixth = doc.footnotes[5]
    assert doc.text[sixth.span[0]:sixth.span[1]].startswith(
        "[6] Ở cấp tỉnh: Số hồ sơ đã giải quyết xong là 67.995 hồ sơ")
    assert doc.text[:sixth.markers[0][1]].endswith("giải quyết đạt kết quả khá tốt[6]")


def test_docx_seed004_roman_headings_are_sections() -> None:
    doc = corpus_doc("004_1ab22aee8a00dbb0")
    top = [(s.number, s.title) for s in doc.sections]
    assert ("I.", "VIỆC THỰC HIỆN CÁC NHIỆM VỤ CỦA KẾ HOẠCH CCHC NĂM 2023") in top
    assert [n for n, _ in top] == ["I.", "II.", "III.", "IV."]


def test_docx_seed004_nested_bullets_read_as_plus() -> None:
    doc = corpus_doc("004_1ab22aee8a00dbb0")
    assert "+ Phối hợp cử cán bộ, công chức" in doc.text
    assert "- Có 02 nhiệm vụ chưa thực hiện:" in doc.text


# ----------------------------------------------------------------------- built fixtures

def test_docx_merged_cells_become_one_cell_per_region(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        t = word.add_table(rows=3, cols=3)
        for r in range(3):
            for c in range(3):
                t.cell(r, c).text = f"r{r}c{c}"
        t.cell(0, 0).merge(t.cell(1, 0))       # vertical: w:vMerge restart/continue
        t.cell(0, 1).merge(t.cell(0, 2))       # horizontal: w:gridSpan=2
        t.cell(0, 0).text, t.cell(0, 1).text = "Năm", "Hoàn thuế GTGT"

    table = tables(doc := parse(build(tmp_path, fill)))[0].table
    assert table is not None and (table.n_rows, table.n_cols, len(table.cells)) == (3, 3, 7)
    year, refund = table.cell(1, 0), table.cell(0, 2)
    assert year is not None and (year.row, year.col, year.row_span, year.text) == (0, 0, 2, "Năm")
    assert refund is not None and (refund.col, refund.col_span) == (1, 2)
    assert doc.text.startswith("Năm | Hoàn thuế GTGT\nr1c1 | r1c2\nr2c0 | r2c1 | r2c2")


def test_docx_first_row_without_digits_is_the_header(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        t = word.add_table(rows=2, cols=2)
        for c, (head, value) in enumerate([("Chỉ số", "Công khai"), ("Điểm", "11,1/18")]):
            t.cell(0, c).text, t.cell(1, c).text = head, value

    table = tables(parse(build(tmp_path, fill)))[0].table
    assert table is not None and table.header_rows == 1


def test_docx_first_row_with_figures_is_not_a_header(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        t = word.add_table(rows=2, cols=2)
        for c, (first, second) in enumerate([("2022", "86,57"), ("2023", "99,27")]):
            t.cell(0, c).text, t.cell(1, c).text = first, second

    table = tables(parse(build(tmp_path, fill)))[0].table
    assert table is not None and table.header_rows == 0


def test_docx_heading_styles_give_heading_blocks_with_levels(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        word.add_heading("THÔNG BÁO", level=0)            # style "Title"
        word.add_heading("Cải cách thể chế", level=2)    # style "Heading 2"
        word.add_paragraph("Có 04 nhiệm vụ thành phần.")

    doc = parse(build(tmp_path, fill))
    assert [(b.kind, b.level) for b in doc.blocks] == [
        (BlockKind.heading, 1), (BlockKind.heading, 2), (BlockKind.paragraph, None)]


def test_docx_localised_heading_style_name_gives_its_level(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        word.styles.add_style("Tiêu đề 3", WD_STYLE_TYPE.PARAGRAPH)  # no outline level
        word.add_paragraph("4.1. Kết quả đạt được", style="Tiêu đề 3")

    block = parse(build(tmp_path, fill)).blocks[0]
    assert (block.kind, block.level) == (BlockKind.heading, 3)


_ABSTRACT = f"""<w:abstractNum {W} w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
  <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
</w:abstractNum>"""


def _numbering(word: WordDocument, *nums: str) -> None:
    """Register abstractNum 90 and ``nums`` (w:num XML) in the template's numbering part."""
    root = word.part.numbering_part.element
    first_num = root.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(parse_xml(_ABSTRACT))
    else:
        root.append(parse_xml(_ABSTRACT))
    for num in nums:
        root.append(parse_xml(num))


def _numbered(word: WordDocument, text: str, ilvl: int, num_id: int = 90) -> None:
    p = word.add_paragraph(text)
    p._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_docx_automatic_numbering_is_rendered_into_the_text(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        _numbering(word, f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
        for text, ilvl in [("VIỆC THỰC HIỆN CÁC NHIỆM VỤ", 0), ("Công tác chỉ đạo điều hành", 1),
                           ("Cải cách thể chế", 1), ("Rà soát văn bản", 2), ("Kiểm tra", 2),
                           ("Có 04 nhiệm vụ", 3), ("Cải cách thủ tục hành chính", 1),
                           ("ĐÁNH GIÁ CHUNG", 0), ("Kết quả đạt được", 1)]:
            _numbered(word, text, ilvl)

    doc = parse(build(tmp_path, fill))
    assert [text_of(doc, b) for b in doc.blocks] == [
        "I. VIỆC THỰC HIỆN CÁC NHIỆM VỤ", "1. Công tác chỉ đạo điều hành", "2. Cải cách thể chế",
        "a) Rà soát văn bản", "b) Kiểm tra", "+ Có 04 nhiệm vụ", "3. Cải cách thủ tục hành chính",
        "II. ĐÁNH GIÁ CHUNG", "1. Kết quả đạt được"]
    assert all(b.kind is BlockKind.list_item for b in doc.blocks)
    assert [(c.number, c.title) for c in doc.sections[0].children][1] == ("2.", "Cải cách thể chế")


def test_docx_start_override_restarts_a_shared_list(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        _numbering(word, f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>',
                   f'<w:num {W} w:numId="91"><w:abstractNumId w:val="90"/></w:num>',
                   f'<w:num {W} w:numId="92"><w:abstractNumId w:val="90"/><w:lvlOverride '
                   f'w:ilvl="1"><w:startOverride w:val="1"/></w:lvlOverride></w:num>')
        _numbered(word, "Một", 1, 90)
        _numbered(word, "Hai", 1, 91)    # same abstract list, no override: continues
        _numbered(word, "Lại một", 1, 92)

    doc = parse(build(tmp_path, fill))
    assert [text_of(doc, b) for b in doc.blocks] == ["1. Một", "2. Hai", "1. Lại một"]


def test_docx_heading_styles_linked_to_a_list_get_their_numbers(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        root = word.part.numbering_part.element
        root.find(qn("w:num")).addprevious(parse_xml(
            f'<w:abstractNum {W} w:abstractNumId="93"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="decimal"/><w:pStyle w:val="Heading1"/><w:lvlText w:val="%1."/>'
            '</w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:pStyle w:val="Heading2"/><w:lvlText w:val="%1.%2."/></w:lvl></w:abstractNum>'))
        root.append(parse_xml(f'<w:num {W} w:numId="93"><w:abstractNumId w:val="93"/></w:num>'))
        for style in ("Heading 1", "Heading 2"):  # numId only: the level comes from w:pStyle
            word.styles[style].element.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {W}><w:numId w:val="93"/></w:numPr>'))
        for text, level in [("Kết quả", 1), ("Chỉ số", 2), ("Hồ sơ", 2), ("Phương hướng", 1)]:
            word.add_heading(text, level=level)

    doc = parse(build(tmp_path, fill))
    assert [(text_of(doc, b), b.level) for b in doc.blocks] == [
        ("1. Kết quả", 1), ("1.1. Chỉ số", 2), ("1.2. Hồ sơ", 2), ("2. Phương hướng", 1)]


def test_docx_content_control_content_is_read_in_place(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        word.add_paragraph("Đoạn trước")
        add_after_last(word, f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Tổng số hồ sơ "
                             "tiếp nhận 20.845</w:t></w:r></w:p><w:tbl><w:tblGrid><w:gridCol/>"
                             "</w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>89,4%</w:t></w:r></w:p>"
                             "</w:tc></w:tr></w:tbl></w:sdtContent></w:sdt>")
        word.add_paragraph("Đoạn sau")

    doc = parse(build(tmp_path, fill))
    assert [text_of(doc, b) for b in doc.blocks] == [
        "Đoạn trước", "Tổng số hồ sơ tiếp nhận 20.845", "89,4%", "Đoạn sau"]
    assert [b.location.body_index for b in doc.blocks] == [0, 1, 1, 2]


def test_docx_revisions_fields_and_breaks_read_as_shown(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        add_after_last(word, (
            f'<w:p {W}><w:r><w:t xml:space="preserve">đạt </w:t></w:r>'
            '<w:del w:id="1" w:author="a"><w:r><w:delText>85%</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="a"><w:r><w:t>89,4%</w:t></w:r></w:ins>'
            '<w:r><w:tab/><w:t>HĐND</w:t><w:noBreakHyphen/><w:t>UBND</w:t><w:br/>'
            '<w:t xml:space="preserve">trang </w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText>'
            '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'))

    assert parse(build(tmp_path, fill)).text == "đạt 89,4% HĐND-UBND trang 7"


_TEXT_BOX = ("<w:txbxContent><w:p><w:r><w:t>Số: 566/VPUBND-HCQT</w:t></w:r></w:p>"
             "</w:txbxContent>")


def test_docx_text_box_is_read_once_from_the_choice(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        add_after_last(word, (
            f'<w:p {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
            'xmlns:v="urn:schemas-microsoft-com:vml"><w:r><w:t>VĂN PHÒNG UBND TỈNH</w:t></w:r>'
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
            f'{_TEXT_BOX}</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict>'
            f'<v:shape><v:textbox>{_TEXT_BOX}</v:textbox></v:shape></w:pict></mc:Fallback>'
            '</mc:AlternateContent></w:r></w:p>'))

    assert parse(build(tmp_path, fill)).text == "VĂN PHÒNG UBND TỈNH Số: 566/VPUBND-HCQT"


def test_docx_nested_table_is_flattened_into_its_cell(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        outer = word.add_table(rows=1, cols=2)
        outer.cell(0, 0).text = "Cấp huyện"
        inner = outer.cell(0, 1).add_table(rows=2, cols=2)
        for r, row in enumerate([("Đúng hạn", "117.258"), ("Trễ hẹn", "5.963")]):
            for c, value in enumerate(row):
                inner.cell(r, c).text = value

    doc = parse(build(tmp_path, fill))
    table = tables(doc)[0].table
    assert table is not None and table.rows() == [["Cấp huyện", "Đúng hạn 117.258; Trễ hẹn 5.963"]]
    assert any("nested" in w for w in doc.warnings)


def _notes_part(word: WordDocument, kind: str, notes: dict[int, str]) -> None:
    body = "".join(f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space='
                   f'"preserve"> {text}</w:t></w:r></w:p></w:{kind}>' for i, text in notes.items())
    xml = (f'<w:{kind}s {W}><w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
           f'</w:r></w:p></w:{kind}>{body}</w:{kind}s>')
    content_type = CT.WML_FOOTNOTES if kind == "footnote" else CT.WML_ENDNOTES
    part = XmlPart(PackURI(f"/word/{kind}s.xml"), content_type, parse_xml(xml), word.part.package)
    word.part.relate_to(part, RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES)


def test_docx_note_labels_follow_reference_order_and_endnotes_continue(tmp_path: Path) -> None:
    def fill(word: WordDocument) -> None:
        refs = ('<w:r><w:t>A</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r>'
                '<w:r><w:t xml:space="preserve"> B</w:t></w:r><w:r><w:footnoteReference w:id="1"/>'
                '</w:r><w:r><w:t xml:space="preserve"> C</w:t></w:r>'
                '<w:r><w:endnoteReference w:id="1"/></w:r>')
        add_after_last(word, f"<w:p {W}>{refs}</w:p>")
        _notes_part(word, "footnote", {1: "Cấp xã 167 TTHC.", 2: "Cấp tỉnh 1.464 TTHC.",
                                       3: "Không được dẫn chiếu."})
        _notes_part(word, "endnote", {1: "Nguồn: Cổng DVCQG."})

    doc = parse(build(tmp_path, fill))
    assert doc.text.split("\n\n") == ["A[1] B[2] C[3]", "[1] Cấp tỉnh 1.464 TTHC.",
                                      "[2] Cấp xã 167 TTHC.", "[3] Nguồn: Cổng DVCQG."]
    assert [(f.label, f.markers) for f in doc.footnotes] == [
        ("1", [(1, 4)]), ("2", [(6, 9)]), ("3", [(11, 14)])]
    assert doc.blocks[1].location.part == "word/footnotes.xml"
    assert any("never referenced" in w for w in doc.warnings)


# ------------------------------------------------------------------------ real documents

REAL = [
    # the README names these figures; the investment report holds 2 tables (checked), not > 3
    ("baocao-btc-2025-tong-ket-luat-quan-ly-thue.docx", 13, ("853.569", "99,93%", "441.974")),
    ("baocao-btc-2025-tong-ket-luat-dau-tu.docx", 2, ("6.703", "29.195", "44,4%")),
]


def real(name: str) -> Path:
    path = REALDOCS / name
    if not path.exists():
        pytest.skip(f"{path} absent: the real documents live outside the repository")
    return path


@pytest.mark.realdocs
@pytest.mark.parametrize("name,n_tables,figures", REAL, ids=["thue", "dau-tu"])
def test_docx_realdocs_read_with_tables_and_figures(name: str, n_tables: int,
                                                   figures: tuple[str, ...]) -> None:
    doc = parse(real(name))
    assert len(tables(doc)) == n_tables
    assert all(f in doc.text for f in figures)


@pytest.mark.realdocs
def test_docx_realdocs_tax_figures_sit_in_table_cells() -> None:
    doc = parse(real(REAL[0][0]))
    cell = doc.cell_at(doc.text.index("853.569"))
    assert cell is not None and cell.text == "853.569"


@pytest.mark.realdocs
def test_docx_realdocs_tax_footnotes_are_all_linked() -> None:
    doc = parse(real(REAL[0][0]))
    assert [f.label for f in doc.footnotes] == [str(n) for n in range(1, 12)]
    assert all(len(f.markers) == 1 for f in doc.footnotes)
    third = doc.footnotes[2]
    assert doc.text[third.span[0]:third.span[1]].startswith(
        "[3] Điểm đánh giá hài lòng chung về CQT: 89,1%")


# ----------------------------------------------------------------------------- bad input

def test_docx_text_bytes_named_docx_is_a_format_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.docx"
    path.write_text("<html><body>404 Không tìm thấy trang</body></html>", encoding="utf-8")
    with pytest.raises(FormatMismatchError):
        parse(path)


def test_docx_zip_without_document_xml_is_unsupported(tmp_path: Path) -> None:
    path = rezip(plain_docx_bytes(), tmp_path / "x.docx", {"word/document.xml": None})
    with pytest.raises(UnsupportedFormatError):
        parse(path)


def test_docx_reader_refuses_zip_without_document_xml(tmp_path: Path) -> None:
    path = rezip(plain_docx_bytes(), tmp_path / "x.docx", {"word/document.xml": None})
    source = Source(path=str(path), sha256="0" * 64, format=Format.docx, size=path.stat().st_size)
    with pytest.raises(CorruptFileError):
        read_docx(path, source, Limits())


def test_docx_truncated_file_is_corrupt(tmp_path: Path) -> None:
    data = plain_docx_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError):
        parse(path)


def test_docx_malformed_document_xml_is_corrupt(tmp_path: Path) -> None:
    broken = f"<w:document {W}><w:body><w:p><w:r><w:t>20.845</w:t></w:body>".encode()
    path = rezip(plain_docx_bytes(), tmp_path / "bad.docx", {"word/document.xml": broken})
    with pytest.raises(CorruptFileError):
        parse(path)


def test_docx_damaged_member_is_corrupt(tmp_path: Path) -> None:
    stored = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain_docx_bytes())) as src, \
            zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
    path = tmp_path / "crc.docx"
    path.write_bytes(stored.getvalue().replace(b"20.845", b"20.846"))  # the CRC no longer fits
    with pytest.raises(CorruptFileError, match="CRC"):
        parse(path)


def test_docx_encrypted_zip_members_are_refused(tmp_path: Path) -> None:
    data = bytearray(plain_docx_bytes())
    for m in re.finditer(rb"PK\x01\x02", bytes(data)):  # central directory: set "encrypted"
        data[m.start() + 8] |= 0x1
    path = tmp_path / "locked.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(EncryptedFileError):
        parse(path)


def test_docx_zip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    rezip(plain_docx_bytes(), path, {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("word/media/zeros.bin", bytes(50 * 1024 * 1024))  # ~50 KB deflated
    with pytest.raises(ResourceLimitError, match="zip bomb"):
        parse(path)


def test_docx_unzipped_size_over_limit_is_refused(tmp_path: Path) -> None:
    path = rezip(plain_docx_bytes(), tmp_path / "x.docx", {})
    with pytest.raises(ResourceLimitError, match="unzipped"):
        parse(path, limits=Limits(max_unzipped_bytes=10_000))


def test_docx_table_over_cell_limit_is_refused(tmp_path: Path) -> None:
    path = build(tmp_path, lambda word: word.add_table(rows=20, cols=10).cell(0, 0)
                 .add_paragraph("1.836"))
    with pytest.raises(ResourceLimitError, match="20 x 10"):
        parse(path, limits=Limits(max_table_cells=100))


def test_docx_table_under_cell_limit_is_read(tmp_path: Path) -> None:
    path = build(tmp_path, lambda word: word.add_table(rows=20, cols=10).cell(0, 0)
                 .add_paragraph("1.836"))
    assert isinstance(tables(parse(path, limits=Limits(max_table_cells=200)))[0].table, Table)
