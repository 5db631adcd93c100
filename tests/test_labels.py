"""Label rules on hand-built sentences, phrased as other provinces' reports would phrase them.

One test per rule of ``extractor/labels.py``; each asserts the exact label, so a change of rule
shows up here before it shows up in the corpus figures.
"""

from __future__ import annotations

from pathlib import Path

from baocao.api import extract
from baocao.extractor.labels import names_body


def _labels(tmp_path: Path, text: str) -> list[tuple[str, str | None]]:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    return [(f.text, f.label) for f in extract(path).facts]


def test_breakdown_part_named_by_a_body_keeps_its_totals_label(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Trong quý III, huyện đã giải quyết 1.250 hồ sơ, trong đó Bộ phận "
                            "một cửa cấp huyện 830 hồ sơ, Bộ phận một cửa cấp xã 420 hồ sơ.")
    # the counted noun first ("hồ sơ"), then what the clause says of it; the parts keep their total's
    assert got == [("1.250", "hồ sơ – huyện đã giải quyết"), ("830", "hồ sơ – huyện đã giải quyết"),
                   ("420", "hồ sơ – huyện đã giải quyết")]


def test_breakdown_parts_after_semicolons_keep_their_totals_label(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Năm 2024, tỉnh có 64 đơn vị đạt tỷ lệ số hóa dưới 40%, gồm: cấp tỉnh "
                            "có 05 đơn vị; cấp huyện, xã có 52 đơn vị; Chi nhánh Văn phòng đăng ký "
                            "đất đai có 07 đơn vị.")
    labels = dict(got)
    assert labels["64"] == "đơn vị đạt tỷ lệ số hóa dưới 40"  # the noun phrase after "có"
    assert labels["05"] == labels["52"] == labels["07"] == labels["64"]


def test_breakdown_part_with_words_after_its_unit_is_named_by_them(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Được giao 09 nhiệm vụ, đã triển khai 06 nhiệm vụ: ban hành kịp thời "
                            "các kế hoạch thực hiện, trong đó 04 nhiệm vụ đã hoàn thành.")
    assert got[-1] == ("04", "nhiệm vụ đã hoàn thành")


def test_parts_of_a_maximum_are_named_after_their_unit(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Tổng số điểm tối đa là 50 điểm, trong đó 15 điểm thuộc Sở Nội vụ thẩm "
                            "định, 35 điểm thuộc đơn vị tự chấm.")
    assert got[1:] == [("15", "điểm thuộc Sở Nội vụ thẩm định"),
                       ("35", "điểm thuộc đơn vị tự chấm")]


def test_subset_in_parentheses_is_named_after_its_unit(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Toàn tỉnh có 31 xã để xảy ra hồ sơ quá hạn (trong đó có 12 xã có trên "
                            "05 hồ sơ quá hạn xử lý).")
    assert got == [("31", "xã để xảy ra hồ sơ quá hạn"),
                   ("12", "xã có trên 05 hồ sơ quá hạn xử lý"),
                   ("05", "hồ sơ quá hạn xử lý")]  # "xã có trên" is no name: a qualifier ends it


def test_short_comma_item_grows_backwards(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Các thủ tục sau khi công bố được cập nhật đầy đủ, đến nay đã niêm yết "
                            "công khai tại Trung tâm hành chính công, các xã, phường với 412/412 TTHC.")
    assert got == [("412/412", "TTHC – niêm yết công khai tại Trung tâm hành chính công, các xã")]


def test_parenthetical_note_takes_the_subject_of_its_clause(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Việc số hóa kết quả giải quyết hồ sơ mới chỉ triển khai thí điểm, "
                            "chưa nhân rộng (không đạt 1,5 điểm).")
    assert got == [("1,5", "Việc số hóa kết quả giải quyết hồ sơ")]


def test_parenthetical_note_skips_the_period_and_figure_of_its_clause(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Kết quả xử lý phản ánh, kiến nghị của tổ chức 6 tháng đầu năm chỉ đạt "
                            "92,1% đúng hạn (không đạt 01 điểm).")
    assert got[-1] == ("01", "Kết quả xử lý phản ánh, kiến nghị của tổ chức")


def test_dash_between_lower_case_words_does_not_break_a_clause(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Thực hiện báo cáo trên hệ thống thông tin kinh tế - xã hội của huyện "
                            "chưa đúng hạn (chưa đạt 0,5 điểm).")
    assert got == [("0,5", "Thực hiện báo cáo trên hệ thống thông tin kinh tế - xã hội của")]


def test_abbreviation_counts_as_a_name(tmp_path: Path) -> None:
    assert _labels(tmp_path, "Chỉ số CCHC có số điểm tối đa là 100 điểm.") == [("100", "Chỉ số CCHC")]


def test_gom_without_a_total_before_it_is_a_verb(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Đồng thời, công bố danh mục thủ tục nội bộ gồm 25 TTHC của 06 sở.")
    assert got[0] == ("25", "công bố danh mục thủ tục nội bộ")


def test_names_body() -> None:
    assert names_body("Bộ phận một cửa cấp xã")
    assert names_body("Chi nhánh Văn phòng đăng ký đất đai")
    assert names_body("cấp huyện, xã")
    assert not names_body("đúng hạn")
    assert not names_body("tồn kỳ trước chuyển qua")


def test_parenthesis_after_a_total_lists_its_parts(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Số thủ tục được cắt giảm thời gian là 28 TTHC (cấp tỉnh 20 TTHC, "
                            "cấp huyện 08 TTHC).")
    assert got == [("28", "Số thủ tục được cắt giảm thời gian"),
                   ("20", "Số thủ tục được cắt giảm thời gian"),
                   ("08", "Số thủ tục được cắt giảm thời gian")]


def test_topic_before_a_colon_names_a_narrated_figure(tmp_path: Path) -> None:
    got = _labels(tmp_path, "Chỉ số hài lòng của tổ chức, công dân: năm 2024, tỉnh Hà Giang tuy tăng "
                            "nhưng vẫn xếp hạng 60/63. (Năm 2023: đạt 71,2/100 điểm.)")
    assert got == [("60/63", "Chỉ số hài lòng của tổ chức, công dân"),
                   ("71,2/100", "Chỉ số hài lòng của tổ chức, công dân")]


def test_a_change_says_which_way_in_its_label(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Ngân hàng Thế giới dự báo mức tăng trưởng toàn cầu 2,3%, giảm 0,4 "
                                    "điểm phần trăm so với dự báo trước."))
    assert "giảm" in (labels["0,4"] or "")


def test_figures_restated_in_a_parenthesis_take_the_label_they_restate(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Tỷ lệ khoa lâm sàng được nâng cấp là 21,4% (4.288 khoa), khoa cận lâm "
                                    "sàng là 24,6% (1.642 khoa)."))
    assert labels["1.642"] == labels["24,6%"] == "khoa cận lâm sàng"
    labels = dict(_labels(tmp_path, "Năm 2019, cơ sở công lập giảm 53 cơ sở (từ 1.772 xuống 1.719)."))
    assert labels["1.772"] == "cơ sở công lập", "the levels of a change measure what it changes"


def test_list_items_keyed_by_a_facet_replace_their_siblings_value(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Cơ sở KCB BHYT tuyến trung ương: 44, tuyến tỉnh: 564 cơ sở, tuyến "
                                    "huyện: 1.634 cơ sở, y tế cơ quan, đơn vị (tương đương tuyến xã): 187 cơ sở."))
    assert labels["564"] == "Cơ sở KCB BHYT tuyến tỉnh"
    assert labels["1.634"] == "Cơ sở KCB BHYT tuyến huyện"
    assert "tuyến xã" not in (labels["187"] or ""), "a facet in an aside is not the item's key"


def test_a_facet_after_the_figure_tells_it_from_its_neighbours(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Trung tâm tiếp nhận mới 5.562 hồ sơ. Có 4.215 hồ sơ đến hạn giải quyết, "
                                    "đã có 4.186 hồ sơ được trả kết quả trước và đúng hạn, đạt 99,3%."))
    assert "trước và đúng hạn" in (labels["4.186"] or "")


def test_a_province_named_without_tinh_opens_a_narrated_clause(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "1. Chỉ số “tham gia của người dân ở cấp cơ sở”: Năm 2019, Lào Cai "
                                    "đạt 5,31 điểm; năm 2020, đạt 5,15 điểm."))
    assert "tham gia của người dân" in (labels["5,31"] or "")


def test_a_sentence_in_a_table_cell_is_labelled_as_prose(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "| TT | Bộ, cơ quan | Tỷ lệ | Ghi chú |\n|---|---|---|---|\n"
                                    "| 1 | Bộ Tài chính | 21,1% | Nếu không tính 688 tỷ đồng đề xuất giảm, tỷ lệ "
                                    "giải ngân của Bộ Tài chính là 31,3% |\n"
                                    "| 2 | Bộ Nội vụ | 27,8% | |\n"))
    assert "giải ngân" in (labels["31,3%"] or "")


def test_a_percentage_names_the_whole_it_is_measured_against(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Năm 2024, tổng thu ngân sách đạt 115,1% so dự toán; số thu tăng 12% so "
                                    "với cùng kỳ."))
    assert "so với dự toán" in (labels["115,1%"] or "")
    assert "cùng kỳ" not in (labels["12%"] or ""), "a period is not a whole"


def test_a_figure_compared_with_takes_the_label_of_the_same_measure(tmp_path: Path) -> None:
    labels = dict(_labels(tmp_path, "Khối lượng thương mại toàn cầu chỉ tăng 1,7% trong năm 2025, điều chỉnh "
                                    "giảm 1,5 điểm phần trăm so với dự báo trước, giảm hơn một nửa so với mức "
                                    "3,8% của năm 2024."))
    assert "thương mại toàn cầu" in (labels["3,8%"] or "")
