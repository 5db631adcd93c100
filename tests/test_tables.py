"""Table cells as facts: header paths, units, row names as subject, period or label
(extractor/tables.py). The tables are made up, in the shapes real reports use."""

from __future__ import annotations

from pathlib import Path

from baocao.api import extract
from baocao.schemas.extraction import Extraction


def _extract(tmp_path: Path, text: str) -> Extraction:
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return extract(path)


def _cell(ex: Extraction, text: str):  # noqa: ANN202 - a Fact
    found = [f for f in ex.facts if f.text == text and f.location.cell is not None]
    assert len(found) == 1, (text, [(f.text, f.kind) for f in ex.facts])
    return found[0]


STATISTICS_FORM = """Biểu thống kê kết quả giải quyết thủ tục hành chính năm 2024

| STT | Chỉ tiêu | Đơn vị tính | Số liệu | Ghi chú |
|---|---|---|---|---|
| 1 | Hồ sơ tiếp nhận | hồ sơ | 1.250 | |
| 2 | Hồ sơ giải quyết đúng hạn | hồ sơ | 1.190 | |
| 3 | Tỷ lệ giải quyết đúng hạn | % | 95,2 | |
| 4 | Thủ tục được công bố | thủ tục | 312 | |
"""


def test_tables_statistics_form_unit_column_and_measure_rows(tmp_path: Path) -> None:
    ex = _extract(tmp_path, STATISTICS_FORM)
    received = _cell(ex, "1.250")
    assert (received.kind.value, received.value, received.unit) == ("count", 1250.0, "hồ sơ")
    assert "Hồ sơ tiếp nhận" in (received.label or "")
    rate = _cell(ex, "95,2")
    assert (rate.kind.value, rate.unit) == ("percentage", "%")
    assert _cell(ex, "312").unit == "thủ tục"
    assert not [f for f in ex.facts if f.location.cell is not None and f.location.cell[1] == 0], \
        "row numbers are not facts"


YEARS = """Số liệu kê khai thuế điện tử như sau:

| Năm | Số lượng doanh nghiệp | Tỷ lệ khai điện tử | Số tiền hoàn (tỷ đồng) |
|---|---|---|---|
| 2022 | 885.809 | 99,94 | 1.250,5 |
| 2023 | 922.110 | 99,95% | 1.310 |
"""


def test_tables_year_rows_are_periods_and_headers_give_kind_and_unit(tmp_path: Path) -> None:
    ex = _extract(tmp_path, YEARS)
    firms = _cell(ex, "885.809")
    assert firms.kind.value == "count" and firms.period is not None and firms.period.year == 2022
    assert "Số lượng doanh nghiệp" in (firms.label or "")
    assert _cell(ex, "99,94").kind.value == "percentage", "a rate header without % signs"
    money = _cell(ex, "1.250,5")
    assert (money.kind.value, money.unit, money.value) == ("amount", "VND", 1250.5e9)
    assert not [f for f in ex.facts if f.text in ("2022", "2023")], "years are periods, not counts"


BODIES = """| STT | Cơ quan | Tổng số TTHC | Đã cung cấp trực tuyến | Tỷ lệ (%) |
|---|---|---|---|---|
| 1 | Sở Tư pháp | 120 | 96 | 80,00 |
| 2 | Sở Xây dựng | 80 | 60 | 75,00 |
| | Tổng số | 200 | 156 | 78,00 |
"""


def test_tables_body_rows_are_subjects_and_total_rows_are_marked(tmp_path: Path) -> None:
    ex = _extract(tmp_path, BODIES)
    online = _cell(ex, "96")
    assert online.subject == "Sở Tư pháp"
    assert online.unit == "TTHC" or "Đã cung cấp trực tuyến" in (online.label or "")
    assert "Đã cung cấp trực tuyến" in (online.label or "")
    total = _cell(ex, "200")
    assert "Tổng số" in (total.label or "")


def test_tables_english_style_table_settles_ambiguous_cells(tmp_path: Path) -> None:
    text = ("| Năm | Tổng số hộ | Số hộ kê khai |\n|---|---|---|\n"
            "| 2020 | 2,081,770 | 151,535 |\n| 2021 | 2,020,080 | 141,332 |\n")
    ex = _extract(tmp_path, text)
    assert _cell(ex, "151,535").value == 151535.0, "the table writes thousands with commas"


DISBURSEMENT = """Phụ lục: tỷ lệ giải ngân 9 tháng năm 2025

Đơn vị: triệu đồng

| TT | Nội dung | Kế hoạch giao (bao gồm các Quyết định giao bổ sung) | Giải ngân đến hết ngày 30/9/2025 | Tỷ lệ |
|---|---|---|---|---|
| 1 | Bộ Nội vụ | 906.470 | 30.701 | 3,4% |
| 2 | Bộ Tư pháp | 923.342 | 32.848 | 3,6% |
| 3 | Bộ Y tế | 7.242.270 | 715.146 | 9,9% |
"""


def test_tables_a_unit_line_above_the_table_gives_its_figures_their_unit(tmp_path: Path) -> None:
    ex = _extract(tmp_path, DISBURSEMENT)
    plan, paid, rate = _cell(ex, "906.470"), _cell(ex, "30.701"), _cell(ex, "3,4%")
    assert (plan.kind.value, plan.value, plan.unit) == ("amount", 906_470e6, "VND"), \
        "a remark in parentheses is not a unit"
    assert (paid.kind.value, paid.value, paid.unit) == ("amount", 30_701e6, "VND")
    assert rate.kind.value == "percentage"
    # a date in a header names what the column runs to: not a deadline
    assert [f.kind.value for f in ex.facts if f.text.endswith("30/9/2025")] == ["date"]
    counted = _extract(tmp_path, DISBURSEMENT.replace("Đơn vị: triệu đồng", "(Đơn vị tính: hồ sơ)"))
    assert (_cell(counted, "906.470").kind.value, _cell(counted, "906.470").unit) == ("count", "hồ sơ")


def test_tables_unit_line_currency_read_through_one_ocr_slip() -> None:
    from baocao.extractor.tables import declared_unit, is_currency, ocr_currency

    text = "Phụ lục\n\nĐơn vị: Triệu đẳng\n\n"
    assert declared_unit(text, len(text)) == "Triệu đẳng"
    assert is_currency("Triệu đẳng", ocr=True) and ocr_currency("Triệu đẳng") == "Triệu đồng"
    assert not is_currency("Triệu đẳng"), "only where OCR may have misread a letter"
    assert not is_currency("triệu người", ocr=True)
    assert declared_unit("Trong đó, đơn vị: các sở\nmột đoạn văn dài", 40) is None


def test_tables_thousands_in_the_first_figure_column_are_figures_not_row_numbers(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "| Năm | Tổng số hộ quản lý | Số hộ nộp thuế |\n|---|---|---|\n"
                            "| 2020 | 1.500 | 750 |\n| 2021 | 1.620 | 810 |\n| 2022 | 1.710 | 855 |\n")
    assert [(f.value, f.unit) for f in ex.facts if f.location.cell and f.location.cell[1] == 1] == \
        [(1500.0, "hộ"), (1620.0, "hộ"), (1710.0, "hộ")]
