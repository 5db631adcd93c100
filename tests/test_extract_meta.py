"""Document metadata read by reading the seeds' layout (expected values taken from the documents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.api import extract
from tests.conftest import CORPUS

SEED_001 = CORPUS / "seeds/001_422e18ebd3f30e83.txt"
SEED_004 = CORPUS / "seeds/004_1ab22aee8a00dbb0.txt"


@pytest.mark.parametrize("path", [SEED_001, CORPUS / "docs/001_422e18ebd3f30e83.docx",
                                  CORPUS / "docs/001_422e18ebd3f30e83.pdf"], ids=lambda p: p.name)
def test_meta_notice_with_blank_number_and_day(path: Path) -> None:
    m = extract(path).meta
    assert m.doc_type == "Thông báo"
    assert m.number is None and m.symbol == "TB-VPUBND"
    assert m.place == "Bình Phước"
    assert m.date is not None and m.date.value == "2024-05" and m.date.missing == ["day"]
    assert m.title is not None and m.title.startswith("Về chỉ số chỉ đạo, điều hành")
    assert m.period is not None and m.period.text == "tháng 5/2024"
    assert m.period.start == "2024-05-01" and m.period.end == "2024-05-31"
    assert m.signer_title == "CHÁNH VĂN PHÒNG"
    assert "Các sở, ban, ngành" in m.recipients


def test_meta_report_with_legal_bases_and_signer() -> None:
    m = extract(SEED_004).meta
    assert (m.doc_type, m.symbol, m.place) == ("Báo cáo", "BC-NV", "Đắk Song")
    assert m.date is not None and m.date.value == "2023" and m.date.missing == ["day", "month"]
    assert m.issuer == "Phòng Nội vụ"
    assert (m.signer_title, m.signer_name) == ("TRƯỞNG PHÒNG", "Nguyễn Nam Thắng")
    assert m.recipients == ["UBND huyện (b/c)", "Trang thông tin điện tử huyện", "Lưu NV"]
    first = m.legal_bases[0]
    assert (first.doc_type, first.number, first.symbol, first.date, first.issuer) == (
        "Quyết định", "1704", "QĐ-UBND", "2022-10-18", "UBND tỉnh Đắk Nông")
    assert any(b.number == "14" and b.date == "2023-01-09" for b in m.legal_bases)


def test_meta_web_article() -> None:
    m = extract(CORPUS / "seeds/000_823effeef226c2f0.txt").meta
    assert m.doc_type == "Tin bài"
    assert m.title == "Đánh giá, phân tích chỉ số cải cách hành chính năm 2023 và giải pháp năm 2024"
    assert m.date is not None and m.date.value == "2024-05-06"
