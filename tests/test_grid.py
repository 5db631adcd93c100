"""Tables that arrive without their structure: captures with one cell a line between '|' lines,
and hard-wrapped text around them (parsers/grid.py, parsers/text.py).

The synthetic captures below follow the layout of legal-portal captures (a cell's lines, then a
line holding only '|'; one more '|' starts a row; the last row of a table is not closed); their
words and figures are made up. The devset test reads ../shared/devset in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.parsers import parse
from baocao.parsers.grid import RawCell, recover
from baocao.schemas.document import Document
from tests.conftest import ROOT

DEVSET = ROOT.parent / "shared" / "devset"


def _capture(rows: list[list[str]], before: str = "", after: str = "") -> str:
    """Rows written the way the portal capture writes them."""
    out = [before] if before else []
    for row in rows:
        out.append("|")
        for cell in row:
            out += [*cell.split("\n"), "|"]
    return "\n".join(out + ([after] if after else [])) + "\n"


def _parse(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "capture.txt"
    path.write_text(text, encoding="utf-8")
    return parse(path)


def _grid(doc: Document, n: int = 0) -> dict[tuple[int, int], tuple[str, int, int]]:
    table = [b.table for b in doc.blocks if b.table is not None][n]
    assert table is not None
    return {(c.row, c.col): (c.text, c.row_span, c.col_span) for c in table.cells}


TWO_LEVEL = [
    ["STT", "Địa phương", "Số TTHC một cửa", "Số TTHC đã công bố", "Tỷ lệ"],
    ["Tổng số", "Cấp tỉnh", "Cấp xã"],
    ["1.", "Tỉnh A", "120", "100", "20", "120", "100%"],
    ["2.", "Tỉnh B", "90", "70", "20", "45", "50,0%"],
    ["3.", "Tỉnh C", "60", "50", "10", "30", "50,0%"],
]


def test_grid_two_header_rows_group_the_right_columns(tmp_path: Path) -> None:
    doc = _parse(tmp_path, _capture(TWO_LEVEL, before="PHỤ LỤC\nKết quả (kèm theo văn bản)"))
    grid = _grid(doc)
    # the group is the header whose first sub-column is the sum of the others in every row
    assert grid[(0, 2)] == ("Số TTHC một cửa", 1, 3)
    assert grid[(1, 2)][0] == "Tổng số" and grid[(1, 4)][0] == "Cấp xã"
    assert grid[(0, 5)] == ("Số TTHC đã công bố", 2, 1)
    assert grid[(0, 6)] == ("Tỷ lệ", 2, 1)
    assert grid[(0, 0)] == ("STT", 2, 1)
    assert grid[(3, 6)][0] == "50,0%"


def test_grid_rows_spanned_by_a_merged_name_and_a_total_label(tmp_path: Path) -> None:
    rows = [
        ["STT", "Bộ, cơ quan", "Tình hình thực thi", "Văn bản cần sửa đổi"],
        ["Tổng", "Luật", "Nghị định"],
        ["1", "Bộ X", "Tổng", "5", "1", "4"],
        ["Đã thực thi", "2", "0", "2"],
        ["Chưa thực thi", "3", "1", "2"],
        ["2", "Bộ Y", "Tổng", "7", "2", "5"],
        ["Đã thực thi", "1", "1", "0"],
        ["Chưa thực thi", "6", "1", "5"],
        ["Tổng số", "Tổng", "12", "3", "9"],
    ]
    grid = _grid(_parse(tmp_path, _capture(rows)))
    assert grid[(0, 3)] == ("Văn bản cần sửa đổi", 1, 3)
    assert grid[(2, 1)] == ("Bộ X", 3, 1), "the name spans its three sub-rows"
    assert grid[(3, 2)][0] == "Đã thực thi" and grid[(3, 3)][0] == "2"
    assert grid[(8, 0)] == ("Tổng số", 1, 2), "the total label spans row number and name"
    assert grid[(8, 3)][0] == "12"


def test_grid_caption_and_next_table_are_cut_out_of_an_unclosed_row() -> None:
    cells = ["1", "A", "5", "6", "2", "B", "7", "8"]
    rows = [[RawCell(t, 1) for t in ["STT", "Tên", "Số", "Số lượng"]],
            [RawCell(t, 2) for t in cells[:4]],
            # the last row runs on into a caption and the next table's header
            [RawCell(t, 3) for t in [*cells[4:], "PHỤ LỤC II Kết quả", "STT", "Đơn vị", "Tỷ lệ (%)"]],
            [RawCell(t, 4) for t in ["1", "C", "50,5"]],
            [RawCell(t, 5) for t in ["2", "D", "60,25"]]]
    items = recover(rows)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["Grid", "RawCell", "Grid"], kinds
    assert items[1].text == "PHỤ LỤC II Kết quả"  # type: ignore[union-attr]
    assert items[0].n_cols == 4 and items[2].n_cols == 3  # type: ignore[union-attr]


def test_grid_group_row_and_trailing_empty_note_cell(tmp_path: Path) -> None:
    rows = [["STT", "Cơ quan", "Tổng số", "Đã cung cấp", "Tỷ lệ (%)", "Ghi chú"],
            ["I. Bộ, ngành"],
            ["1.", "Bộ X", "10", "5", "50", "ghi chú"],
            ["2.", "Bộ Y", "8", "6", "75"],
            ["3.", "Bộ Z", "4", "4", "100"]]          # the last row lost its empty note cell
    text = _capture(rows).replace("75\n|\n|\n3.", "75\n|\n|\n|\n3.")  # an empty note cell
    grid = _grid(_parse(tmp_path, text))
    assert grid[(1, 0)] == ("I. Bộ, ngành", 1, 6)
    assert grid[(3, 5)][0] == "", "three bars: an empty cell, then a new row"
    assert grid[(4, 0)][0] == "3." and grid[(4, 4)][0] == "100"


def test_text_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    body = ("Thực hiện Kế hoạch số 12/KH-UBND ngày 05 tháng 3\n"
            "năm 2024 của Ủy ban nhân dân tỉnh về cải cách hành chính, các sở, ban, ngành đã\n"
            "tiếp nhận 1.234 hồ sơ, trong đó giải quyết đúng hạn 1.200 hồ sơ, đạt 97,2%. Các\n"
            "đơn vị tiếp tục rà soát quy trình nội bộ.\n"
            "1. Sở Tư pháp\n"
            "Hoàn thành việc rà soát, công bố danh mục thủ tục hành chính **trong tháng 11 năm\n"
            "2024**.\n")
    filler = "\n".join(f"Dòng đệm số {i} của văn bản để có độ dài gói dòng thường gặp ở đây."
                       for i in range(6))
    doc = _parse(tmp_path, body + "\n" + filler + "\n")
    texts = [doc.text[b.span[0]:b.span[1]] for b in doc.blocks]
    assert any(t.startswith("Thực hiện Kế hoạch") and "đạt 97,2%. Các đơn vị" in t for t in texts)
    assert "1. Sở Tư pháp" in texts, "a numbered heading line is its own block"
    assert any(t.endswith("trong tháng 11 năm 2024.") for t in texts)
    assert "*" not in doc.text


@pytest.mark.realdocs
def test_grid_devset_cong_dien_annex_tables() -> None:
    path = DEVSET / "texts" / "congdien-220-cd-ttg-2025-11-cat-giam-tthc.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/devset is not checked out here)")
    doc = parse(path)
    tables = [b.table for b in doc.blocks if b.table is not None]
    assert [(t.n_cols, t.header_rows) for t in tables] == [(14, 2), (9, 2), (10, 2), (7, 2)]
    first, second, third, fourth = ({(c.row, c.col): c for c in t.cells} for t in tables)
    assert first[(0, 2)].col_span == 4 and first[(0, 0)].row_span == 2
    assert second[(0, 3)].col_span == 6 and second[(2, 1)].row_span == 3
    assert third[(0, 2)].col_span == 3 and third[(0, 5)].col_span == 3
    assert third[(0, 8)].row_span == 2 and third[(2, 0)].col_span == 10
    assert fourth[(0, 2)].col_span == 3 and fourth[(0, 6)].row_span == 2
    head = [doc.text[b.span[0]:b.span[1]] for b in doc.blocks[:40]]
    assert "Số: 220/CĐ-TTg" in head and "Hà Nội, ngày 18 tháng 11 năm 2025" in head
