"""Extraction rules on hand-built sentences: each rule on its own, with the cases that must not fire.

The sentences follow DOMAIN.md's phrasing, not the seeds' wording, so the rules are checked on
text they were not tuned on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.api import extract
from baocao.schemas.extraction import Extraction, FactKind, Qualifier


def _extract(tmp_path: Path, text: str) -> Extraction:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    return extract(path)


def _facts(ex: Extraction) -> list[tuple[str, object, object, str | None]]:
    return [(f.kind.value, f.value, f.denominator, f.unit) for f in ex.facts]


def test_rules_dossier_statistics(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Quý I/2024, huyện tiếp nhận 3.210 hồ sơ, trong đó đã giải quyết "
                            "2.905 hồ sơ, đúng hạn 2.800 hồ sơ đạt tỷ lệ 96,39%; trễ hạn 105 hồ sơ.")
    assert _facts(ex) == [("count", 3210.0, None, "hồ sơ"), ("count", 2905.0, None, "hồ sơ"),
                          ("count", 2800.0, None, "hồ sơ"), ("percentage", 96.39, None, "%"),
                          ("count", 105.0, None, "hồ sơ")]
    assert all(f.period and f.period.text == "Quý I/2024" for f in ex.facts)
    assert ex.facts[2].label == "hồ sơ – đúng hạn"   # the counted noun, then its clause


def test_rules_count_with_noun_before(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Tổng số thủ tục hành chính được công bố là 1.542.")
    assert _facts(ex) == [("count", 1542.0, None, "thủ tục hành chính")]


def test_rules_scores_with_maximum_and_decimal_point(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Chỉ số CCHC của huyện đạt 78,25/100 điểm; lĩnh vực cải cách thể chế "
                            "đạt 8.5/11 điểm, số điểm chưa đạt là 2,5.")
    assert _facts(ex) == [("score", 78.25, 100.0, "điểm"), ("score", 8.5, 11.0, "điểm"),
                          ("score", 2.5, None, "điểm")]


@pytest.mark.parametrize("sentence, value, pool_size", [
    ("Năm 2024, tỉnh xếp hạng 21/63 tỉnh, thành phố.", 21.0, 63.0),
    ("Tỉnh đứng thứ 7/63.", 7.0, 63.0),
    ("Huyện giữ vị trí 2/11 huyện, thành phố.", 2.0, 11.0),
    ("Tỉnh xếp hạng 4 các tỉnh khu vực miền Trung.", 4.0, None),
])
def test_rules_rank_forms(tmp_path: Path, sentence: str, value: float, pool_size: float | None) -> None:
    ranks = [f for f in _extract(tmp_path, sentence).facts if f.kind is FactKind.rank]
    assert [(f.value, f.denominator) for f in ranks] == [(value, pool_size)]


def test_rules_rank_pool_words(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Tỉnh xếp hạng 4 các tỉnh khu vực miền Trung.")
    assert ex.facts[0].pool == "các tỉnh khu vực miền Trung"


@pytest.mark.parametrize("sentence, qualifier", [
    ("Tỷ lệ hồ sơ trực tuyến đạt hơn 45%.", Qualifier.more_than),
    ("Có 12 đơn vị đạt tỷ lệ dưới 30%.", Qualifier.less_than),
    ("Tỷ lệ hồ sơ quá hạn không quá 3%.", Qualifier.at_most),
    ("Tỷ lệ số hóa tối thiểu 80%.", Qualifier.at_least),
    ("Khoảng 60% hồ sơ nộp trực tuyến.", Qualifier.about),
    ("Kết quả ước đạt 70,5/90 điểm.", Qualifier.estimate),
    ("Yêu cầu các xã tiếp nhận 100% hồ sơ trên phần mềm.", Qualifier.target),
])
def test_rules_qualifiers(tmp_path: Path, sentence: str, qualifier: Qualifier) -> None:
    ex = _extract(tmp_path, sentence)
    qualified = [f for f in ex.facts if f.kind in (FactKind.percentage, FactKind.score)]
    assert [f.qualifier for f in qualified] == [qualifier]


def test_rules_result_100_percent_is_not_a_target(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Đến nay đã công khai 512/512 TTHC, đạt tỷ lệ 100%.")
    assert [(f.kind.value, f.qualifier.value) for f in ex.facts] == [
        ("count", "exact"), ("percentage", "exact")]
    assert ex.facts[0].denominator == 512.0


def test_rules_range_of_percentages(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Có 7 đơn vị có tỷ lệ từ 10% đến 20%.")
    pct = [f for f in ex.facts if f.kind is FactKind.percentage]
    assert [(f.value, f.qualifier.value) for f in pct] == [(10.0, "range"), (20.0, "range")]


def test_rules_deadlines_and_dates(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Căn cứ Kế hoạch số 12/KH-UBND ngày 05/01/2024 của UBND huyện; "
                            "các phòng báo cáo về Phòng Nội vụ trước ngày 15/7/2024.")
    assert [(f.kind.value, f.value) for f in ex.facts] == [
        ("date", "2024-01-05"), ("deadline", "2024-07-15")]
    assert ex.facts[0].label == "Kế hoạch số 12/KH-UBND"


def test_rules_written_out_date(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Thời hạn hoàn thành ngày 30 tháng 9 năm 2024.")
    assert [(f.kind.value, f.value) for f in ex.facts] == [("deadline", "2024-09-30")]


def test_rules_written_out_deadline_without_ngay(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Yêu cầu các sở, ngành hoàn thành trước 15 tháng 10 năm 2025; "
                            "hội nghị đã họp 5 tháng 3 năm 2024.")
    assert [(f.kind.value, f.value, f.text) for f in ex.facts] == [
        ("deadline", "2025-10-15", "15 tháng 10 năm 2025"),
        ("date", "2024-03-05", "5 tháng 3 năm 2024")]


@pytest.mark.parametrize("sentence", [
    "Thực hiện Nghị định số 61/2018/NĐ-CP của Chính phủ.",            # legal reference
    "Theo Quyết định 766/QĐ-TTg, các chỉ số 766 được công bố.",       # document and index numbers
    "II. KẾT QUẢ THỰC HIỆN",                                           # section number
    "Tiêu chí 2.3 chưa đạt yêu cầu.",                                  # criterion number
    "Cập nhật lúc 08:52, lượt xem: 120",                               # time and page counter
    "Kế hoạch CCHC năm 2024 và 6 tháng đầu năm 2025.",                 # periods
    "Dịch vụ công trực tuyến mức độ 3 và mức độ 4.",                   # level labels
])
def test_rules_not_facts(tmp_path: Path, sentence: str) -> None:
    assert _extract(tmp_path, sentence).facts == []


def test_rules_footnote_marker_not_a_fact(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Số dịch vụ công trực tuyến là 250[1].\n\n[1] Trong đó: 100 toàn trình.")
    assert [f.value for f in ex.facts] == [250.0]
    assert ex.facts[0].unit == "dịch vụ công trực tuyến"


def test_rules_table_cells_use_headers(tmp_path: Path) -> None:
    text = ("| STT | Nhóm chỉ số | Tỷ lệ/Điểm |\n|---|---|---|\n"
            "| 1 | Công khai, minh bạch | 15,2/18 |\n"
            "| 1.1 | Tỷ lệ hồ sơ đồng bộ | 95,5 |\n")
    ex = _extract(tmp_path, text)
    assert [(f.kind.value, f.value, f.denominator, f.label) for f in ex.facts] == [
        ("score", 15.2, 18.0, "Công khai, minh bạch – Tỷ lệ/Điểm"),
        ("percentage", 95.5, None, "Tỷ lệ hồ sơ đồng bộ – Tỷ lệ/Điểm")]
    assert ex.facts[0].location.cell == (1, 2)


def test_rules_subject_of_a_comparison(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Điểm số thấp hơn mức cao nhất 1,2 điểm (tỉnh Quảng Ninh đạt 95,5 điểm).")
    assert [(f.value, f.subject) for f in ex.facts] == [(1.2, None), (95.5, "tỉnh Quảng Ninh")]


def test_rules_indicator_from_catalog(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Bộ chỉ số 766: nhóm chỉ số Tiến độ giải quyết đạt 18,2/20 điểm.")
    assert ex.facts[0].indicator == "index_766.tien_do_giai_quyet"


def test_rules_figures_real_reports_count_where_the_old_rules_scored(tmp_path: Path) -> None:
    from baocao.api import extract

    path = tmp_path / "r.txt"
    path.write_text("Thứ bậc trên toàn quốc của tỉnh đạt 15/63 (tăng 2 hạng so với năm 2017). Thanh tra tỉnh xử "
                    "lý sau thanh tra đối với 04/04 Đoàn thanh tra. Đã đấu giá thành công 7 điểm mỏ; tỉnh đạt "
                    "12/18 điểm.", encoding="utf-8")
    got = {f.text: (f.kind.value, f.value, f.denominator, f.unit) for f in extract(path).facts}
    assert got["15/63"][:3] == ("rank", 15.0, 63.0), "a fraction over the provinces in a rank clause"
    assert got["04/04"] == ("count", 4.0, 4.0, "Đoàn")
    assert got["7"] == ("count", 7.0, None, "điểm mỏ"), "a mine site is not a point"
    assert got["12/18"][0] == "score"
    assert "2" not in got, "a rank change of 2 places is not a count"
