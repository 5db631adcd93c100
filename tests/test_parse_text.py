"""The text/Markdown reader and the shared builder: blocks, spans, tables, footnotes, outline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.parsers import parse
from baocao.schemas.document import BlockKind
from tests.conftest import CORPUS, SEEDS

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_text_every_figure_of_the_seed_is_in_the_text(path: Path) -> None:
    doc = parse(path)
    raw = path.read_text(encoding="utf-8")
    missing = [n for n in NUMBER.findall(raw) if n not in doc.text]
    assert not missing


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_text_blocks_are_their_spans(path: Path) -> None:
    doc = parse(path)
    assert "**" not in doc.text
    for b in doc.blocks:
        assert doc.text[b.span[0]:b.span[1]].strip() == doc.text[b.span[0]:b.span[1]]
        if b.table is not None:
            for c in b.table.cells:
                assert doc.text[c.span[0]:c.span[1]] == c.text


def test_text_split_table_becomes_one_table() -> None:
    doc = parse(CORPUS / "seeds/001_422e18ebd3f30e83.txt")
    tables = [b.table for b in doc.blocks if b.table is not None]
    assert len(tables) == 2 and len(tables[0].pieces) == 2
    rows = tables[0].rows()
    assert ["1", "Công khai minh bạch", "11,1/18"] in rows
    assert ["4.2", "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC", "88,15%"] in rows
    assert sum(r[1] == "Nhóm chỉ số" for r in rows) == 1, "the repeated header is dropped"
    assert tables[0].header_rows == 2


def test_text_footnotes_linked_to_markers() -> None:
    doc = parse(CORPUS / "seeds/003_93ee7d9315423c01.txt")
    assert [f.label for f in doc.footnotes] == [str(n) for n in range(1, 8)]
    for note in doc.footnotes:
        assert len(note.markers) == 1
        start, end = note.markers[0]
        assert doc.text[start:end] == f"[{note.label}]"
        assert doc.blocks[note.block].kind is BlockKind.footnote
    six = doc.footnotes[5]
    assert "67.995" in doc.text[six.span[0]:six.span[1]]


def test_text_outline_tree() -> None:
    doc = parse(CORPUS / "seeds/004_1ab22aee8a00dbb0.txt")
    top = [(s.number, s.title) for s in doc.sections]
    assert top[0] == ("I.", "VIỆC THỰC HIỆN CÁC NHIỆM VỤ CỦA KẾ HOẠCH CCHC NĂM 2023")
    assert [s.number for s in doc.sections] == ["I.", "II.", "III.", "IV."]
    second = doc.sections[1]
    assert [c.number for c in second.children][:3] == ["1.", "2.", "3."]
    pos = doc.text.index("9.5/17")
    assert [s.number for s in doc.sections_at(pos)] == ["II.", "3."]


def test_text_outline_nested_numbers() -> None:
    doc = parse(CORPUS / "seeds/000_823effeef226c2f0.txt")
    pos = doc.text.index("86,57/100")
    assert [s.number for s in doc.sections_at(pos)][:2] == ["4.", "4.1."]


def test_text_unicode_normalised(tmp_path: Path) -> None:
    path = tmp_path / "nfd.txt"
    path.write_text("Tỷ\u00a0lệ  hài lòng\u200b đạt 99,5%.\n".replace("ỷ", "y\u0309\u0323"[:2]),
                    encoding="utf-8")
    doc = parse(path)
    assert doc.text == "Tỷ lệ hài lòng đạt 99,5%."


def test_text_old_and_new_tone_placement_kept(tmp_path: Path) -> None:
    path = tmp_path / "tones.txt"
    path.write_text("tỉnh Hoà Bình và tỉnh Hòa Bình\n", encoding="utf-8")
    assert parse(path).text == "tỉnh Hoà Bình và tỉnh Hòa Bình"


def test_text_a_footnote_keeps_the_list_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Các bộ đã cắt giảm 12 điều kiện kinh doanh[3]. Đã ban hành 3 văn bản[4].\n\n"
                    "[3] Cụ thể:\n(i) Bộ A cắt giảm 8 điều kiện kinh doanh.\n(ii) Bộ B cắt giảm 4 điều kiện.\n"
                    "[4] Gồm:\n2 Nghị định, 1 Thông tư\n(1) Ghi chú của phụ lục, không thuộc chú thích.\n",
                    encoding="utf-8")
    doc = parse(path)
    notes = {n.label: n for n in doc.footnotes}
    assert set(notes) == {"3", "4"} and all(n.markers for n in notes.values())
    parts = [doc.text[b.span[0]:b.span[1]] for b in doc.blocks if b.kind is BlockKind.footnote]
    assert parts == ["[3] Cụ thể:", "(i) Bộ A cắt giảm 8 điều kiện kinh doanh.", "(ii) Bộ B cắt giảm 4 điều kiện.",
                     "[4] Gồm:", "2 Nghị định, 1 Thông tư"], parts
    assert "(1) Ghi chú của phụ lục" in " ".join(doc.text[b.span[0]:b.span[1]] for b in doc.blocks
                                                   if b.kind is not BlockKind.footnote)


def test_text_a_table_copied_one_cell_a_paragraph_is_a_table(tmp_path: Path) -> None:
    cells = ["Bảng 1. Chỉ số thành phần giai đoạn 2017-2018", "CHỈ SỐ THÀNH PHẦN", "NĂM 2017", "NĂM 2018",
             "Điểm", "Hạng", "Điểm", "Hạng",
             "Gia nhập thị trường", "7.27", "55", "7.22", "40",
             "Tiếp cận đất đai", "6.57", "18", "6.39", "37",
             "Tính minh bạch", "5.93", "54", "5.85", "53",
             "Chi phí thời gian", "6.65", "28"]          # the capture stops inside the last row
    path = tmp_path / "page.txt"
    path.write_text("Bắc Ninh công bố kết quả chỉ số năng lực cạnh tranh cấp tỉnh trong nhiều năm qua.\n\n"
                    + "\n\n".join(cells) + "\n\nNội dung bài viết tiếp tục với một đoạn văn dài hơn sáu mươi ký tự.\n",
                    encoding="utf-8")
    doc = parse(path)
    [table] = [b.table for b in doc.blocks if b.table is not None]
    rows = table.rows()
    assert table.header_rows == 2 and table.n_cols == 5
    assert rows[0] == ["CHỈ SỐ THÀNH PHẦN", "NĂM 2017", "NĂM 2017", "NĂM 2018", "NĂM 2018"]
    assert rows[1][1:] == ["Điểm", "Hạng", "Điểm", "Hạng"]
    assert rows[3] == ["Tiếp cận đất đai", "6.57", "18", "6.39", "37"]
    assert rows[-1][:3] == ["Chi phí thời gian", "6.65", "28"]
    assert "Bảng 1." in doc.text and "một đoạn văn dài" in doc.text


def test_text_short_paragraphs_without_a_repeated_row_shape_stay_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("Kết quả\n\nNăm 2023\n\n120 hồ sơ\n\nGhi chú\n\n15\n\nXem thêm\n", encoding="utf-8")
    assert not [b for b in parse(path).blocks if b.table is not None]
