"""Table cells as facts: header paths, units, row names as subject, period or label
(extractor/tables.py). The tables are made up, in the shapes real reports use."""

from __future__ import annotations

from pathlib import Path

from baocao.api import extract
from schemas.extraction import Extraction


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
