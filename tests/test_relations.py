"""The relation finder (extractor/relations.py): relations real reports state in the ordinary
ways, the errors it must flag, and the "looks related, is not" cases that must never be a fail.

The sentences are made up in the phrasing of real provincial reports (none is copied from one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.api import extract
from schemas.extraction import Check, Extraction


def _extract(tmp_path: Path, text: str, name: str = "report.txt") -> Extraction:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(path)


def _values(ex: Extraction, check: Check) -> list[float]:
    by_id = {f.id: f for f in ex.facts}
    return sorted(float(by_id[i].value) for i in check.facts)  # type: ignore[arg-type]


def _with(ex: Extraction, values: list[float], status: str | None = None) -> list[Check]:
    want = sorted(values)
    return [c for c in ex.checks if _values(ex, c) == want and (status is None or c.status.value == status)]


def _fails(ex: Extraction) -> list[str]:
    return [c.explanation for c in ex.checks if c.status.value == "fail"]


# -- relations that hold ------------------------------------------------------------------------

def test_breakdown_in_the_next_paragraph(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Trong quý I, toàn tỉnh tiếp nhận 41.250 hồ sơ thủ tục hành chính.\n\n"
                            "Trong đó, có 9.830 hồ sơ trực tuyến; 28.470 hồ sơ trực tiếp và bưu chính; "
                            "2.950 hồ sơ từ kỳ trước chuyển sang.\n")
    found = _with(ex, [41250, 9830, 28470, 2950], "pass")
    assert found and found[0].rule == "sum"
    assert {e.kind for e in found[0].evidence} >= {"cue", "coincidence"}


def test_total_split_by_level_over_sibling_clauses(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Toàn tỉnh tiếp nhận 30.400 hồ sơ.\n\n"
                            "Các sở, ban ngành cấp tỉnh tiếp nhận 12.100 hồ sơ, với 3.025 hồ sơ trực tuyến "
                            "(đạt tỷ lệ 25,00%); cấp huyện tiếp nhận 6.300 hồ sơ, với 1.890 hồ sơ trực tuyến "
                            "(đạt tỷ lệ 30,00%); cấp xã tiếp nhận 12.000 hồ sơ, với 1.200 hồ sơ trực tuyến "
                            "(đạt tỷ lệ 10,00%).\n")
    assert _with(ex, [30400, 12100, 6300, 12000], "pass"), ex.checks
    assert _with(ex, [1890, 6300, 30.0], "pass")


def test_headline_percentage_whose_part_and_whole_come_later(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Tỷ lệ giải quyết hồ sơ đúng hạn năm 2023 đạt 98,73%.\n\n"
                            "Cụ thể, toàn huyện đã tiếp nhận tổng cộng 52.417 hồ sơ; giải quyết trước hạn, "
                            "đúng hạn 51.752 hồ sơ.\n")
    assert _with(ex, [98.73, 51752, 52417], "pass")


def test_sum_whose_total_stands_between_its_parts(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Hồ sơ trả trước và đúng hạn là 18.240 hồ sơ (đạt 97,50%), hồ sơ đến hạn "
                            "giải quyết 18.708 hồ sơ, hồ sơ quá hạn 468 hồ sơ chiếm 2,50%.\n")
    assert _with(ex, [18708, 18240, 468], "pass")


def test_difference_between_a_level_and_the_earlier_one(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Chỉ số cải cách hành chính của vùng đạt 87,45%, cao hơn 2,15% so với "
                            "năm 2022 (85,30%).\n")
    found = _with(ex, [87.45, 85.30, 2.15], "pass")
    assert found and found[0].rule == "difference"


def test_table_total_row_and_total_column(tmp_path: Path) -> None:
    table = ("| STT | Đơn vị | Tổng số | Cấp tỉnh | Cấp xã | Tỷ lệ (%) |\n|---|---|---|---|---|---|\n"
             "| 1 | Huyện A | 1.200 | 1.000 | 200 | 83,33 |\n"
             "| 2 | Huyện B | 900 | 600 | 300 | 66,67 |\n"
             "| 3 | Huyện C | 1.500 | 1.350 | 150 | 90,00 |\n"
             "| 4 | Huyện D | 800 | 700 | 100 | 87,50 |\n"
             "| | Tổng số | 4.400 | 3.650 | 750 | 82,95 |\n")
    ex = _extract(tmp_path, table)
    assert _with(ex, [1200, 1000, 200], "pass"), "a total column in every row"
    assert _with(ex, [4400, 1200, 900, 1500, 800], "pass"), "the total row"
    assert _with(ex, [1000, 1200, 83.33], "pass"), "a % column"
    assert all(c.scope == "table" for c in _with(ex, [1200, 1000, 200]))


# -- errors it must flag ----------------------------------------------------------------------------

def test_share_that_misses_while_its_siblings_hold_is_an_error(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Các sở tiếp nhận 20.000 hồ sơ, với 5.000 hồ sơ trực tuyến (đạt tỷ lệ 25,00%); "
                            "cấp huyện tiếp nhận 6.000 hồ sơ, với 2.000 hồ sơ trực tuyến (đạt tỷ lệ 34,50%); "
                            "cấp xã tiếp nhận 10.000 hồ sơ, với 1.000 hồ sơ trực tuyến (đạt tỷ lệ 10,00%).\n")
    failed = _with(ex, [2000, 6000, 34.5], "fail")
    assert failed and any(e.kind == "siblings" for e in failed[0].evidence)
    assert len(_fails(ex)) == 1


def test_breakdown_of_settled_dossiers_that_does_not_add_up(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Trong số này đã giải quyết được 16.520 hồ sơ, trong đó có 12.880 hồ sơ trước "
                            "hạn, chiếm 78%; có 3.046 hồ sơ giải quyết đúng hạn, chiếm 18,4% và số quá hạn "
                            "còn 598 hồ sơ, chiếm 3,6%.\n")
    assert _with(ex, [16520, 12880, 3046, 598], "fail")


def test_table_row_that_breaks_the_column_pattern(tmp_path: Path) -> None:
    rows = "".join(f"| {i} | Bộ {chr(64 + i)} | {a + b} | {a} | {b} |\n"
                   for i, (a, b) in enumerate([(10, 4), (22, 9), (31, 6), (15, 15), (40, 2)], start=1))
    rows += "| 6 | Bộ F | 84 | 48 | 35 |\n"   # 48 + 35 = 83: one figure off
    ex = _extract(tmp_path, "| STT | Bộ, cơ quan | Tổng số | Đơn giản hóa | Bãi bỏ |\n|---|---|---|---|---|\n" + rows)
    assert _with(ex, [84, 48, 35], "fail")


# -- looks related, is not: never a fail ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    # nested levels: mức độ 3 and 4 are inside the online services, not parts of the total
    "Tỉnh cung cấp 1.850 dịch vụ công trực tuyến, trong đó 1.120 dịch vụ công mức độ 3 và 980 "
    "dịch vụ công mức độ 4 toàn trình.\n",
    # two facets in one list: timeliness and channel do not split one total
    "Đã giải quyết 5.400 hồ sơ, trong đó 5.300 hồ sơ đúng hạn, 2.100 hồ sơ trực tuyến.\n",
    # shares of a base the text does not state
    "Tỷ lệ hồ sơ trực tuyến đạt 45,2%; tỷ lệ thanh toán trực tuyến đạt 38,7%; tỷ lệ số hóa đạt 61,4%.\n",
    # changes are not parts of a level
    "Chỉ số năm 2023 đạt 86,4%, tăng 0,1%; chỉ số thành phần A tăng 0,4%, chỉ số B tăng 2,8%.\n",
    # money never sums with counts
    "Thu phí 1.250 hồ sơ, tổng số tiền 1.300 triệu đồng, trong đó 50 hồ sơ miễn phí.\n",
    # a fraction of voltages and a street name are not scores over a maximum
    "Dự án đường dây 500/220 kV đi qua Đường 3/2, phục vụ 24/7 cho 12 xã.\n",
    # a rate per person is not a count
    "Tần suất khám chữa bệnh bình quân là 1,95 lượt/người/năm, trong đó tuyến huyện 2,02 lượt/người/năm.\n",
])
def test_looks_related_is_not_a_fail(tmp_path: Path, text: str) -> None:
    ex = _extract(tmp_path, text)
    assert not _fails(ex), _fails(ex)


def test_table_categories_that_do_not_cover_the_total_are_not_a_fail(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "| STT | Chỉ tiêu | Số lượng |\n|---|---|---|\n"
                            "| 1 | Tổng số hồ sơ tiếp nhận | 1.000 |\n"
                            "| 2 | Hồ sơ trực tuyến | 420 |\n"
                            "| 3 | Hồ sơ đúng hạn | 960 |\n")
    assert not _fails(ex), _fails(ex)


def test_cross_document_same_report_in_two_formats_is_not_a_conflict(tmp_path: Path) -> None:
    from extractor.checks import cross_document_checks

    text = ("BÁO CÁO\nKết quả Chỉ số cải cách hành chính năm 2023\n\nNăm 2023, Chỉ số cải cách hành chính "
            "của tỉnh đạt 86,5 điểm. Chỉ số thành phần cải cách thủ tục hành chính đạt 9,5 điểm.\n")
    a = _extract(tmp_path, text, "a.txt")
    b = _extract(tmp_path, text.replace("\n\n", "\n\n\n"), "b.txt")
    assert not [c for c in cross_document_checks([a, b]) if c.status.value == "fail"]


def test_generic_unit_total_over_parts_of_one_kind(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Năm 2021, tổng số doanh nghiệp có giao dịch liên kết là 20.410 đơn vị. "
                            "Trong đó, có 17.205 doanh nghiệp không vượt mức khống chế (chiếm tỷ lệ 84,3% "
                            "số doanh nghiệp có giao dịch liên kết); 3.205 doanh nghiệp vượt mức khống chế "
                            "(chiếm tỷ lệ 15,7%).\n")
    assert _with(ex, [20410, 17205, 3205], "pass")
    assert _with(ex, [17205, 20410, 84.3], "pass")


def test_items_that_open_with_their_unit_and_a_colon_are_counts(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Đã tiếp nhận 9.000.000 hóa đơn điện tử (Hóa đơn điện tử có mã: 4.000.000; "
                            "Hóa đơn điện tử không có mã: 5.000.000).\n")
    assert {f.value for f in ex.facts if f.kind.value == "count"} >= {9e6, 4e6, 5e6}
    assert _with(ex, [9e6, 4e6, 5e6], "pass")


def test_a_misplaced_grouping_mark_is_kept_and_its_alternative_confirmed(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Năm 2024, toàn tỉnh tiếp nhận 84.250 hồ sơ, trong đó trực tuyến 5.9123 hồ "
                            "sơ, trực tiếp 25.127 hồ sơ.\n")
    slip = next(f for f in ex.facts if f.text == "5.9123")
    assert slip.value == 5.9123 and slip.alternatives == [59123.0] and slip.confidence < 0.9
    assert [f.value for f in ex.facts if f.text in ("84.250", "25.127")] == [84250.0, 25127.0]
    [check] = [c for c in ex.checks if c.rule == "sum"]
    assert check.status.value == "pass" and "5.9123" in check.explanation


def test_cross_document_several_values_in_one_document_are_not_a_conflict(tmp_path: Path) -> None:
    from extractor.checks import cross_document_checks

    line = "Năm 2023: nhóm chỉ số Tiến độ giải quyết theo Bộ chỉ số 766 đạt {}/20 điểm.\n"
    a = _extract(tmp_path, line.format("18,2") + line.format("17,9"), "a.txt")
    b = _extract(tmp_path, line.format("18,2"), "b.txt")
    c = _extract(tmp_path, line.format("17,9"), "c.txt")
    assert [x.status.value for x in cross_document_checks([b, c])] == ["fail"]
    assert not cross_document_checks([a, b]), "a has two values: no single value to disagree with"
