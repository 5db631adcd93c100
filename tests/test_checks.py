"""Each check rule on hand-built documents, with the cases that must stay `unverifiable`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from baocao.api import extract
from baocao.cli import main
from baocao.schemas.extraction import Check, Extraction
from tests.conftest import CORPUS


def _extract(tmp_path: Path, text: str) -> Extraction:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    return extract(path)


def _checks(ex: Extraction, rule: str) -> list[Check]:
    return [c for c in ex.checks if c.rule == rule]


def _texts(ex: Extraction, check: Check) -> list[str]:
    by_id = {f.id: f.text for f in ex.facts}
    return [by_id[i] for i in check.facts]


def test_checks_sum_passes_with_arithmetic(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Tổng số hồ sơ tiếp nhận 1.200 hồ sơ, trong đó trực tuyến 700 hồ sơ, "
                            "trực tiếp 500 hồ sơ.")
    [check] = _checks(ex, "sum")
    assert check.status.value == "pass"
    assert check.explanation == "700 + 500 = 1.200 = 1.200 ✓"
    assert _texts(ex, check) == ["1.200", "700", "500"]
    assert (check.expected, check.actual, check.tolerance) == (1200.0, 1200.0, 0.0)


def test_checks_sum_fails_on_an_explicit_list(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Có 25 đơn vị chưa đạt, gồm: cấp tỉnh có 10 đơn vị; cấp huyện có 12 đơn vị.")
    [check] = _checks(ex, "sum")
    assert check.status.value == "fail"
    assert check.explanation == "10 + 12 = 22 ≠ 25 ✗"


def test_checks_partial_breakdown_is_unverifiable(tmp_path: Path) -> None:
    """ "trong đó" may list only some parts (withdrawn, early dossiers): never a false alarm."""
    ex = _extract(tmp_path, "Đã giải quyết 900 hồ sơ, trong đó đúng hạn 800 hồ sơ, quá hạn 50 hồ sơ.")
    [check] = _checks(ex, "sum")
    assert check.status.value == "unverifiable"


def test_checks_parts_above_total_fail_even_when_partial(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Đã giải quyết 900 hồ sơ, trong đó đúng hạn 800 hồ sơ, quá hạn 150 hồ sơ.")
    assert [c.status.value for c in _checks(ex, "sum")] == ["fail"]


def test_checks_parenthesis_subset(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Cấp xã có 84 đơn vị (trong đó có 45 đơn vị chưa phát sinh hồ sơ).")
    [check] = _checks(ex, "subset")
    assert check.status.value == "pass" and check.explanation == "45 ≤ 84 ✓"


def test_checks_footnote_breakdown(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Số dịch vụ công trực tuyến là 300[1].\n\n"
                            "[1] Trong đó: 120 dịch vụ công trực tuyến một phần và 170 dịch vụ công "
                            "trực tuyến toàn trình.")
    [check] = _checks(ex, "sum")
    assert check.status.value == "unverifiable"
    assert check.explanation.startswith("120 + 170 = 290 ≠ 300")


def test_checks_share_of_the_total(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Đã giải quyết 200 hồ sơ, trong đó đúng hạn 150 hồ sơ chiếm tỷ lệ 75,0%; "
                            "quá hạn 50 hồ sơ chiếm tỷ lệ 26,0%.")
    shares = _checks(ex, "share")
    assert [c.status.value for c in shares] == ["pass", "fail"]
    assert shares[0].explanation == "150 / 200 = 75,00 % ≈ 75,0 % ✓"
    assert shares[1].tolerance == 0.05


def test_checks_shares_total_100(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "- Năm 2024: Tỷ lệ hài lòng chiếm 97,5%, bình thường chiếm 2,0%, "
                            "không hài lòng 1,5%.")
    [check] = _checks(ex, "shares_total")
    assert check.status.value == "fail"
    assert check.explanation == "97,5 % + 2,0 % + 1,5 % = 101,0 % ≠ 100 % ✗"


def test_checks_points_not_reached(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "1. Cải cách thể chế: 8/10 điểm\n\nSố điểm chưa đạt là 3 điểm.")
    [check] = _checks(ex, "points")
    assert check.status.value == "fail" and check.explanation == "8 + 3 = 11 ≠ 10 ✗"


def test_checks_difference_with_the_reference(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Năm 2024: Điểm số 90,5. Điểm số thấp hơn mức điểm cao nhất 2,25 điểm "
                            "(tỉnh Quảng Ninh đạt 92,75 điểm).")
    [check] = _checks(ex, "difference")
    assert check.status.value == "pass" and check.explanation == "90,5 + 2,25 = 92,75 ✓"


def test_checks_enumeration_of_a_list_is_unverifiable_when_short(tmp_path: Path) -> None:
    """Bullets are rendered differently by each format: a short list is not proof of an error."""
    ex = _extract(tmp_path, "Có 03 đơn vị chưa hoàn thành:\n\n- Phòng Tư pháp;\n- Phòng Nội vụ.")
    [check] = _checks(ex, "enumeration")
    assert check.status.value == "unverifiable" and check.explanation == "2 listed ≠ 3 ?"


def test_checks_enumeration_in_parentheses(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Khắc phục 03 chỉ số thành phần (chỉ số số hóa hồ sơ và chỉ số thanh "
                            "toán trực tuyến).")
    [check] = _checks(ex, "enumeration")
    assert check.status.value == "fail" and check.explanation == "2 listed ≠ 3 ✗"


def test_checks_date_after_the_document(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Số: 12/BC-UBND\n\nHà Nội, ngày 10 tháng 3 năm 2024\n\nBÁO CÁO\n\n"
                            "Kết quả tính đến ngày 15/4/2024 như sau.")
    [check] = _checks(ex, "date_after_document")
    assert check.status.value == "fail" and _texts(ex, check) == ["ngày 15/4/2024"]


def test_checks_rank_pool_after_the_merger(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Số: 5/BC-UBND\n\nHuế, ngày 20 tháng 9 năm 2025\n\nBÁO CÁO\n\n"
                            "Chỉ số CCHC của tỉnh xếp hạng 10/63 tỉnh, thành phố.")
    [check] = _checks(ex, "rank_pool")
    assert check.status.value == "fail" and "≠ 34" in check.explanation


def test_checks_score_above_its_maximum(tmp_path: Path) -> None:
    ex = _extract(tmp_path, "Nhóm chỉ số mức độ hài lòng đạt 21/20 điểm.")
    assert [c.status.value for c in _checks(ex, "bound")] == ["fail"]


def test_checks_mission_example() -> None:
    ex = extract(CORPUS / "seeds/004_1ab22aee8a00dbb0.txt")
    explanations = {c.explanation: c.status.value for c in ex.checks}
    assert explanations["15.739 + 1.865 = 17.604 = 17.604 ✓"] == "pass"
    assert explanations["15.739 / 17.604 = 89,41 % ≈ 89,4 % ✓"] == "pass"
    assert explanations["12 + 8,7 + 9,5 + 5,5 + 9,5 + 8 + 9 + 2,5 = 64,7 ≠ 65,7 ✗"] == "fail"


def test_checks_cli_exit_status() -> None:
    runner = CliRunner()
    failing = runner.invoke(main, ["check", str(CORPUS / "seeds/003_93ee7d9315423c01.txt")])
    assert failing.exit_code == 1
    assert "1.464 + 314 + 167 = 1.945 ≠ 1.836 ✗" in failing.output
    clean = runner.invoke(main, ["check", str(CORPUS / "seeds/000_823effeef226c2f0.txt")])
    assert clean.exit_code == 0


def test_checks_cross_document_disagreement(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Năm 2023: nhóm chỉ số Tiến độ giải quyết theo Bộ chỉ số 766 đạt 18,2/20 điểm.",
                 encoding="utf-8")
    b.write_text("Năm 2023: nhóm chỉ số Tiến độ giải quyết theo Bộ chỉ số 766 đạt 17,9/20 điểm.",
                 encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(a), str(b)])
    assert "fail cross_document" in result.output
    assert "18,2" in result.output and "17,9" in result.output
    assert result.exit_code == 0  # advice for a reviewer, not a document's arithmetic error
