"""Document metadata (extractor/meta.py).

* The seeds' layout (expected values taken from the documents).
* Made-up documents in the layouts real documents come in: a DOCX whose header is a two-column
  layout table, a legal portal's text capture (boilerplate, box of fields, header cells as
  paragraphs), OCR lines that run the header's lines together, hand-filled scanned forms,
  portal news articles; and the document's own period against the periods it only cites.
* ``../shared/realdocs`` read in place (skipped with the reason where absent).
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from baocao.api import extract
from baocao.extractor.meta import read_meta
from baocao.parsers import parse
from baocao.schemas.document import Document
from baocao.schemas.extraction import Meta
from tests.conftest import CORPUS

SEED_001 = CORPUS / "seeds/001_422e18ebd3f30e83.txt"
SEED_004 = CORPUS / "seeds/004_1ab22aee8a00dbb0.txt"


def meta_of_text(tmp_path: Path, text: str, name: str = "doc.txt") -> Meta:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(path).meta


def as_ocr(doc: Document) -> Document:
    """The same blocks as a scan's OCR would give them."""
    return doc.model_copy(update={"blocks": [b.model_copy(update={"origin": "ocr"}) for b in doc.blocks]})


# ---------------------------------------------------------------- the seeds


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
    assert m.period is not None and m.period.text == "9 tháng đầu năm"
    assert (m.period.start, m.period.end) == ("2023-01-01", "2023-09-30")


def test_meta_web_article() -> None:
    m = extract(CORPUS / "seeds/000_823effeef226c2f0.txt").meta
    assert m.doc_type == "Tin bài"
    assert m.title == "Đánh giá, phân tích chỉ số cải cách hành chính năm 2023 và giải pháp năm 2024"
    assert m.date is not None and m.date.value == "2024-05-06"
    assert m.number is None and m.symbol is None


# ---------------------------------------------------------------- header tables (DOCX)

BODY = ["Tình hình giải quyết thủ tục hành chính quý I năm 2024",
        "Sở Nội vụ báo cáo kết quả giải quyết thủ tục hành chính quý I năm 2024 như sau:",
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "Tiếp nhận 1.250 hồ sơ, đã giải quyết 1.200 hồ sơ."]


def header_docx(tmp_path: Path, rows: list[list[list[str]]]) -> Path:
    """A DOCX whose header is a layout table; each cell holds paragraphs, as Word lays out the
    issuer, number, motto and place-and-date in two columns."""
    word = docx.Document()
    table = word.add_table(rows=len(rows), cols=2)
    for r, row in enumerate(rows):
        for c, paragraphs in enumerate(row):
            cell = table.cell(r, c)
            cell.paragraphs[0].text = paragraphs[0]
            for p in paragraphs[1:]:
                cell.add_paragraph(p)
    word.add_heading("BÁO CÁO", level=1)
    for p in BODY:
        word.add_paragraph(p)
    path = tmp_path / "report.docx"
    word.save(str(path))
    return path


@pytest.mark.parametrize("rows", [
    # one row: the left cell runs the issuer into "Số:", the right one motto into place and date
    [[["SỞ NỘI VỤ", "Số: /BC-SNV"],
      ["CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Lâm Đồng, ngày tháng 4 năm 2024"]]],
    # two rows: issuer beside the motto, "Số:" beside the place and date
    [[["SỞ NỘI VỤ"], ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập – Tự do – Hạnh phúc"]],
     [["Số: /BC-SNV"], ["Lâm Đồng, ngày tháng 4 năm 2024"]]],
], ids=["one-row", "two-rows"])
def test_meta_docx_header_table_read_cell_by_cell(tmp_path: Path, rows: list[list[list[str]]]) -> None:
    m = extract(header_docx(tmp_path, rows)).meta
    assert (m.doc_type, m.number, m.symbol) == ("Báo cáo", None, "BC-SNV")
    assert (m.issuer, m.place) == ("SỞ NỘI VỤ", "Lâm Đồng")
    assert m.date is not None and (m.date.value, m.date.missing) == ("2024-04", ["day"])
    assert m.title == "Tình hình giải quyết thủ tục hành chính quý I năm 2024"
    assert m.period is not None and (m.period.start, m.period.end) == ("2024-01-01", "2024-03-31")


# ---------------------------------------------------------------- legal portal captures

PORTAL_BOILERPLATE = """|
Văn bản này được lưu trữ bởi cổng văn bản pháp luật. Mọi hành vi sao chép mà không ghi nguồn là vi phạm.
|
Đang tải nội dung...
|
Tra cứu văn bản, điều khoản liên quan
|
Nhấn vào đoạn được đánh dấu để xem.
|
Các nội dung được sửa đổi sẽ được làm nổi bật.
|
Đăng nhập để xem đầy đủ.
|
"""

PORTAL_BOX = """**Số hiệu:**
|
{number}
|
**Loại văn bản:**
|
{type}
|
**Nơi ban hành:**
|
Ủy ban nhân dân tỉnh Gia Lai
|
**Người ký:**
|
Trần Văn Bình
|
**Ngày ban hành:**
|
{date}
|
**Tình trạng:**
|
Còn hiệu lực
|
"""


def test_meta_portal_capture_finds_the_header_below_box_and_boilerplate(tmp_path: Path) -> None:
    header = """**ỦY BAN NHÂN DÂN
TỈNH GIA LAI**
|
**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
|
Số: 45/CĐ-UBND
|
*Gia Lai, ngày 03
tháng 02 năm 2025*
|
**CÔNG ĐIỆN**
VỀ VIỆC TĂNG CƯỜNG GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH ĐÚNG HẠN
**CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH *điện:*
|
- Giám đốc các sở, ban, ngành;
- Chủ tịch Ủy ban nhân dân các xã, phường.
|
Trong tháng 01 năm 2025, toàn tỉnh tiếp nhận 12.400 hồ sơ.
"""
    text = PORTAL_BOILERPLATE + PORTAL_BOX.format(number="45/CĐ-UBND", type="Công điện",
                                                  date="03/02/2025") + header
    path = tmp_path / "portal.txt"
    path.write_text(text, encoding="utf-8")
    doc = parse(path)
    number_block = next(b.id for b in doc.blocks if doc.text[b.span[0]:b.span[1]].startswith("Số:"))
    assert number_block >= 14   # beyond the first blocks where a header usually stands
    m = read_meta(doc)
    assert (m.doc_type, m.number, m.symbol) == ("Công điện", "45", "CĐ-UBND")
    assert m.issuer == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert m.place == "Gia Lai"
    assert m.date is not None and m.date.value == "2025-02-03"
    assert m.title == "VỀ VIỆC TĂNG CƯỜNG GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH ĐÚNG HẠN"


def test_meta_portal_box_gives_what_the_capture_lacks(tmp_path: Path) -> None:
    """A capture that starts at "Kính gửi:": the type, number, issuer and date come from the
    portal's fields; the boilerplate is never the title."""
    body = """Kính gửi:
|
- Các phòng, ban thuộc Sở.
|
Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở đề nghị các phòng, ban hoàn thành
việc rà soát thủ tục hành chính trước ngày 30/11/2025.
"""
    text = PORTAL_BOILERPLATE + PORTAL_BOX.format(number="2150/SNV-VP", type="Công văn",
                                                  date="20/11/2025") + body
    m = meta_of_text(tmp_path, text)
    assert (m.doc_type, m.number, m.symbol) == ("Công văn", "2150", "SNV-VP")
    assert m.issuer == "Ủy ban nhân dân tỉnh Gia Lai"
    assert m.date is not None and m.date.value == "2025-11-20"
    assert m.title is None


# ---------------------------------------------------------------- OCR'd scans

OCR_HEADER = """Người ký: CỔNG THÔNG TIN ĐIỆN TỬ TỈNH
Cơ quan: VĂN PHÒNG UBND TỈNH
Thời gian ký: 12.03.2025 09:41:07 +07:00

ĐT~~ ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM

—— Độc lập - Tự do - Hạnh phúc

{number_line} Quảng Trị, ngày {day} tháng 3 năm 2025 THÔNG BÁO

Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về cải cách thủ tục hành chính

Ngày 05 tháng 3 năm 2025, Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp.
"""


def test_meta_ocr_line_split_into_number_place_and_date(tmp_path: Path) -> None:
    m = meta_of_text(tmp_path, OCR_HEADER.format(number_line="Số: 77/TB-UBND", day="11"))
    assert (m.doc_type, m.number, m.symbol) == ("Thông báo", "77", "TB-UBND")
    assert m.issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"
    assert m.place == "Quảng Trị"
    assert m.date is not None and m.date.value == "2025-03-11"
    assert m.title is not None and m.title.startswith("Kết luận của Chủ tịch")


def test_meta_scan_never_guesses_a_hand_filled_number_or_an_unreadable_day(tmp_path: Path) -> None:
    """The number written by hand into the form's blank (OCR'd apart from its symbol) and a
    garbled day stay None; the signature stamp's time ("12.03.2025") is never taken instead."""
    path = tmp_path / "scan.txt"
    path.write_text(OCR_HEADER.format(number_line="Số: 72 /TB-UBND", day="1ƒ"), encoding="utf-8")
    m = read_meta(as_ocr(parse(path)))
    assert (m.number, m.symbol, m.place) == (None, "TB-UBND", "Quảng Trị")
    assert m.date is not None and (m.date.value, m.date.missing) == ("2025-03", ["day"])


def test_meta_scan_keeps_a_hand_filled_number_the_text_cites_again(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    text = OCR_HEADER.format(number_line="Số: 72 /TB-UBND", day="11") + \
        "\nPhụ lục (Kèm theo Thông báo số 72/TB-UBND của Ủy ban nhân dân tỉnh)\n"
    path.write_text(text, encoding="utf-8")
    m = read_meta(as_ocr(parse(path)))
    assert (m.number, m.symbol) == ("72", "TB-UBND")
    assert m.date is not None and m.date.value == "2025-03-11"


def test_meta_typed_number_apart_from_its_symbol_is_kept_outside_scans(tmp_path: Path) -> None:
    m = meta_of_text(tmp_path, OCR_HEADER.format(number_line="Số: 72 /TB-UBND", day="11"))
    assert m.number == "72"


# ---------------------------------------------------------------- web articles


@pytest.mark.parametrize("lines, date", [
    (["Thứ 2, Ngày 15/04/2024 -", "Huyện giải quyết 4.210 hồ sơ thủ tục hành chính trong quý I",
      "Ngày đăng: 02/04/2024 10:15", "Cỡ chữ: Nhỏ Vừa Lớn"], "2024-04-02"),
    (["Số liệu hồ sơ quá hạn của các xã còn cao so với kế hoạch", "07:30, 12/11/2021"], "2021-11-12"),
    (["Thứ năm 25/04/2024 08:05 Tin nóng RSS", "Tỉnh dẫn đầu khu vực về chỉ số cải cách hành chính",
      "09:10 | 20/04/2024"], "2024-04-20"),
    (["Xã hội - Đời sống", "Tháng 2/2023: Tỷ lệ hồ sơ giải quyết đúng hạn cấp tỉnh đạt 98%",
      "Thứ Sáu, 24/02/2023"], "2023-02-24"),
    (["Toàn huyện giải quyết hơn 31.000 hồ sơ thủ tục hành chính",
      "Cập nhật: 16-01-2023 | 14:02:11"], "2023-01-16"),
], ids=["posted-on", "under-title", "clock-above-title", "weekday-under-title", "updated-dashes"])
def test_meta_article_date(tmp_path: Path, lines: list[str], date: str) -> None:
    body = "Theo UBND huyện, trong năm qua tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,5%."
    m = meta_of_text(tmp_path, "\n\n".join([*lines, body]) + "\n")
    assert m.doc_type == "Tin bài" and m.number is None and m.symbol is None
    assert m.date is not None and m.date.value == date
    assert m.title is not None and not m.title.startswith("Thứ")


def test_meta_article_front_matter(tmp_path: Path) -> None:
    text = ('layout: post\n\ntitle: " [Báo tỉnh] Huyện dẫn đầu về chỉ số hài lòng năm 2024"\n\n'
            "date: Tue, 11 Mar 2025 07:00:00 +0700\n\ncategories: entries VN\n\n"
            "Năm 2024, chỉ số hài lòng của huyện đạt 96,2%.\n")
    m = meta_of_text(tmp_path, text)
    assert m.title == "Huyện dẫn đầu về chỉ số hài lòng năm 2024"
    assert m.date is not None and m.date.value == "2025-03-11"
    assert m.period is not None and m.period.year == 2024


# ---------------------------------------------------------------- the document's own period

REPORT_HEAD = """UBND HUYỆN HÒA BÌNH
PHÒNG NỘI VỤ

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: /BC-PNV

Hòa Bình, ngày tháng 7 năm 2024

BÁO CÁO
{title}

{opening}

I. KẾT QUẢ THỰC HIỆN

Năm 2021, huyện tiếp nhận 800 hồ sơ; quý III năm 2023, huyện tiếp nhận 300 hồ sơ.
"""


def report_meta(tmp_path: Path, title: str, opening: str) -> Meta:
    return meta_of_text(tmp_path, REPORT_HEAD.format(title=title, opening=opening))


def test_meta_two_line_issuer_and_own_period_from_title(tmp_path: Path) -> None:
    m = report_meta(tmp_path, "Kết quả cải cách hành chính 6 tháng đầu năm 2024",
                    "Thực hiện Luật Cán bộ, công chức năm 2019, Phòng Nội vụ tổng hợp như sau:")
    assert m.issuer == "UBND HUYỆN HÒA BÌNH PHÒNG NỘI VỤ"
    assert m.period is not None and m.period.text == "6 tháng đầu năm 2024"


def test_meta_law_year_cited_is_not_the_period(tmp_path: Path) -> None:
    """The years of the laws a review report cites ("Luật ... số 12/2019/QH14 ngày 13/6/2019",
    "(Luật QLHC năm 2019)") are the laws', not the report's: no period, rather than 2019."""
    m = report_meta(tmp_path, "Tổng kết việc thi hành Luật Quản lý hành chính",
                    "Phòng Nội vụ tổng kết việc thi hành Luật Quản lý hành chính số 12/2019/QH14 "
                    "ngày 13/6/2019 (Luật QLHC năm 2019). Kết quả như sau:")
    assert m.period is None


def test_meta_cited_report_period_is_skipped_for_the_own_one(tmp_path: Path) -> None:
    m = report_meta(tmp_path, "Tình hình giải quyết thủ tục hành chính",
                    "Theo Báo cáo Tình hình kinh tế - xã hội Quý II năm 2024 được Cục Thống kê công bố, "
                    "kinh tế tiếp tục phục hồi. Trong 6 tháng đầu năm 2024, toàn huyện tiếp nhận 1.500 hồ sơ.")
    assert m.period is not None and m.period.text == "6 tháng đầu năm 2024"


def test_meta_compared_and_targeted_periods_are_not_the_own_one(tmp_path: Path) -> None:
    m = report_meta(tmp_path, "Tình hình giải quyết thủ tục hành chính",
                    "Tỷ lệ đúng hạn tăng 2,5% so với năm 2022, hướng tới mục tiêu đến năm 2030; "
                    "trong năm 2023, huyện tiếp nhận 1.500 hồ sơ.")
    assert m.period is not None and m.period.text == "năm 2023"


def test_meta_period_after_the_documents_date_is_a_target(tmp_path: Path) -> None:
    m = report_meta(tmp_path, "Dự thảo quy chế một cửa",
                    "Phòng Nội vụ trình thông qua tại kỳ họp (tháng 12/2024) như sau:")
    assert m.period is None


def test_meta_yearless_period_in_title_restated_with_its_year(tmp_path: Path) -> None:
    text = ("Huyện tiếp nhận 8.120 hồ sơ thủ tục hành chính trong quý II\n\nNgày đăng: 20/06/2022 08:00\n\n"
            "Trong quý II năm 2022 (tính từ ngày 15/3/2022 đến 14/6/2022), huyện tiếp nhận 8.120 hồ sơ.\n")
    m = meta_of_text(tmp_path, text)
    assert m.period is not None and m.period.text == "quý II năm 2022"
    assert (m.period.start, m.period.end) == ("2022-04-01", "2022-06-30")


def test_meta_headline_opening_with_report_names_its_own_period(tmp_path: Path) -> None:
    m = meta_of_text(tmp_path, "Báo cáo tình hình giải quyết hồ sơ của tỉnh 9 tháng đầu năm 2023\n\n"
                               "Theo số liệu tổng hợp, toàn tỉnh giải quyết 45.000 hồ sơ.\n")
    assert m.period is not None and m.period.text == "9 tháng đầu năm 2023"


# ---------------------------------------------------------------- recipients and signer


def test_meta_signature_on_one_line_and_inline_recipients(tmp_path: Path) -> None:
    text = REPORT_HEAD.format(title="Kết quả cải cách hành chính quý II năm 2024",
                              opening="Phòng Nội vụ báo cáo như sau:") + \
        "\nNơi nhận: - UBND huyện (b/c); - Lưu: VT, NV.\n\nKT. TRƯỞNG PHÒNG PHÓ TRƯỞNG PHÒNG Lê Thị Hoa\n"
    m = meta_of_text(tmp_path, text)
    assert m.recipients == ["UBND huyện (b/c)", "Lưu: VT, NV"]
    assert (m.signer_title, m.signer_name) == ("KT. TRƯỞNG PHÒNG PHÓ TRƯỞNG PHÒNG", "Lê Thị Hoa")


# ---------------------------------------------------------------- real documents, read in place


@pytest.mark.realdocs
@pytest.mark.parametrize("name, issuer, symbol, date", [
    ("baocao-btc-2025-tong-ket-luat-dau-tu.docx", "BỘ TÀI CHÍNH", "BC-BTC", "2025"),
    ("baocao-btc-2025-tong-ket-luat-quan-ly-thue.docx", "BỘ TÀI CHÍNH", "BC-BTC", "2025"),
    ("baocao-byt-2024-02-tong-ket-luat-bhyt-2009-2023.doc", "BỘ Y TẾ", "BC-BYT", "2024-02"),
])
def test_meta_realdocs_draft_reports_with_header_tables(realdocs: Path, name: str, issuer: str,
                                                        symbol: str, date: str) -> None:
    """Draft ministry reports: the header table's cells read one by one; number and day blank."""
    m = read_meta(parse(realdocs / name))
    assert (m.doc_type, m.number, m.symbol, m.issuer, m.place) == ("Báo cáo", None, symbol, issuer, "Hà Nội")
    assert m.date is not None and m.date.value == date
    # the laws these reports review are cited with their years ("Luật ... năm 2019") and a
    # statistics report with its quarter: none of them is the report's own period
    assert m.period is None


@pytest.mark.realdocs
def test_meta_realdocs_submission_pdf(realdocs: Path) -> None:
    m = read_meta(parse(realdocs / "totrinh-btc-2025-08-du-thao-2-luat-kinh-doanh-bao-hiem.pdf"))
    assert (m.doc_type, m.number, m.symbol, m.issuer, m.place) == (
        "Tờ trình", None, "TTr-BTC", "BỘ TÀI CHÍNH", "Hà Nội")
    assert m.date is not None and (m.date.value, m.date.missing) == ("2025-08", ["day"])
    assert m.period is None   # "(tháng 10/2025)" is the session it aims at, after its date
    assert (m.signer_title, m.signer_name) == ("BỘ TRƯỞNG", "Nguyễn Văn Thắng")


@pytest.mark.realdocs
@pytest.mark.parametrize("name, doc_type, symbol, issuer", [
    ("congdien-187-cd-ttg-2025-10-04-cat-giam-tthc", "Công điện", "CĐ-TTg", "THỦ TƯỚNG CHÍNH PHỦ"),
    ("congvan-15557-btc-ptht-2025-10-08-giai-ngan-dau-tu-cong", "Công văn", "BTC-PTHT", "BỘ TÀI CHÍNH"),
])
def test_meta_realdocs_signed_scans_leave_handwriting_unread(realdocs: Path, name: str, doc_type: str,
                                                             symbol: str, issuer: str) -> None:
    """Number and day written by hand: None and a blank, never the OCR's misreading nor the
    signature stamp's date (the portal signed them a day or two later)."""
    from baocao.parsers.ocr import tesseract_status

    missing = tesseract_status()
    if missing is not None:
        pytest.skip(f"{missing} (apt-get install tesseract-ocr tesseract-ocr-vie)")
    m = read_meta(parse(realdocs / f"{name}.scanned.pdf"))
    assert (m.doc_type, m.symbol, m.issuer, m.place) == (doc_type, symbol, issuer, "Hà Nội")
    assert m.number is None
    assert m.date is not None and "day" in m.date.missing and m.date.value.startswith("2025")


def test_meta_inspectorate_beside_a_motto_whose_end_ocr_lost(tmp_path: Path) -> None:
    meta = meta_of_text(tmp_path, "THANH TRA CHÍNH PHỦ CỘNG HOÀ XÃ HỘI CHÚ NGHĨA bIÈ† NẮM\n"
                                  "——— Độc lập - Tự do - Hạnh phúc\n\n"
                                  "Số: 452/BC-TTCP Hà Nội, ngày 26 tháng 02 năm 2026\n\nBÁO CÁO\n\n"
                                  "Tổng hợp kết quả thanh tra chuyên đề\n\nKính gửi: Thủ tướng Chính phủ\n")
    assert (meta.issuer, meta.doc_type, meta.symbol, meta.place) == \
        ("THANH TRA CHÍNH PHỦ", "Báo cáo", "BC-TTCP", "Hà Nội")
