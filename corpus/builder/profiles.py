"""Per-seed facts the seed text does not carry: which portal or body it came from.

The seed files are text extracted from real documents; the page chrome, the issuing
body's running header and the portal's sidebar were lost. These profiles put back
plausible chrome so the parsers have something realistic to strip. Nothing here is
content: no figure in a profile is a figure of the document (view counters and
sidebar dates are boilerplate noise on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Rendering facts for one seed."""

    kind: str  # "official" (a numbered administrative document) or "article" (portal news)
    site_name: str  # portal name in the HTML header
    running_header: str  # the short line printed on top of every PDF page
    category: str = "Tin tức - Sự kiện"  # breadcrumb section
    url_slug: str = "tin-tuc"
    byline: str | None = None  # the author line at the end of an article
    view_count: str = "1.254"
    sidebar: tuple[str, ...] = ()  # "Tin mới nhất" headlines
    related: tuple[str, ...] = ()  # "Các tin khác" links, when the seed did not keep them
    footer_lines: tuple[str, ...] = ()
    legacy_cp1258: bool = False  # also write a windows-1258 copy of the HTML page
    expect_pdf_table_split: bool = False  # the build checks the table spans two PDF pages


_DAK_NONG_FOOTER = (
    "Cơ quan chủ quản: Ủy ban nhân dân tỉnh Đắk Nông",
    "Địa chỉ: Đường 23 tháng 3, phường Nghĩa Trung, thành phố Gia Nghĩa, tỉnh Đắk Nông",
    "Điện thoại: 0261.3544.205 - Email: banbientap@daknong.gov.vn",
)

PROFILES: dict[str, Profile] = {
    "000_823effeef226c2f0": Profile(
        kind="article",
        site_name="Văn phòng Ủy ban nhân dân tỉnh Đắk Nông",
        running_header="Văn phòng UBND tỉnh Đắk Nông - Tin hoạt động",
        category="Khen thưởng, xử phạt",
        url_slug="khen-thuong-xu-phat",
        view_count="32",
        sidebar=(
            "Hội nghị trực tuyến toàn quốc triển khai nhiệm vụ cải cách hành chính",
            "Ban hành Kế hoạch kiểm tra công tác cải cách hành chính năm 2024",
            "Tập huấn sử dụng Hệ thống thông tin giải quyết thủ tục hành chính",
            "Công bố danh mục thủ tục hành chính mới ban hành lĩnh vực đất đai",
        ),
        related=(
            "Kết quả khảo sát sự hài lòng của người dân Quý I/2024",
            "Thông báo lịch tiếp công dân tháng 5/2024",
            "Triển khai thanh toán trực tuyến phí, lệ phí thủ tục hành chính",
        ),
        footer_lines=_DAK_NONG_FOOTER,
    ),
    "001_422e18ebd3f30e83": Profile(
        kind="official",
        site_name="Cổng thông tin điện tử tỉnh Bình Phước",
        running_header="VĂN PHÒNG UBND TỈNH BÌNH PHƯỚC",
        category="Cải cách hành chính",
        url_slug="cai-cach-hanh-chinh",
        view_count="418",
        sidebar=(
            "Bình Phước đẩy mạnh số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
            "Hội nghị giao ban công tác kiểm soát thủ tục hành chính",
            "Công bố danh mục dịch vụ công trực tuyến toàn trình",
        ),
        related=(
            "Thông báo chỉ số phục vụ người dân, doanh nghiệp tháng 4/2024",
            "Kế hoạch rà soát, đánh giá thủ tục hành chính năm 2024",
            "Phụ lục theo dõi Chỉ số 766 của các đơn vị, địa phương",
        ),
        footer_lines=(
            "Cơ quan chủ quản: Ủy ban nhân dân tỉnh Bình Phước",
            "Địa chỉ: Đường 6 tháng 1, phường Tân Phú, thành phố Đồng Xoài, tỉnh Bình Phước",
            "Giấy phép số 28/GP-TTĐT do Sở Thông tin và Truyền thông cấp",
        ),
        expect_pdf_table_split=True,
    ),
    "002_5ad6a5fc7af788d2": Profile(
        kind="article",
        site_name="Trang thông tin điện tử huyện Na Rì",
        running_header="Trang thông tin điện tử huyện Na Rì",
        category="Tin hoạt động",
        url_slug="tin-hoat-dong",
        byline="Diệu Thu",
        view_count="276",
        sidebar=(
            "Na Rì tổ chức Hội nghị triển khai công tác chuyển đổi số",
            "Kiểm tra công tác cải cách hành chính tại các xã, thị trấn",
            "Huyện Na Rì ra quân hỗ trợ người dân nộp hồ sơ trực tuyến",
        ),
        related=(
            "Hội nghị tập huấn nghiệp vụ cho công chức trực một cửa",
            "Triển khai chứng thực bản sao điện tử từ bản chính",
            "Đánh giá kết quả thực hiện Đề án 06 trên địa bàn huyện",
        ),
        footer_lines=(
            "Cơ quan chủ quản: Ủy ban nhân dân huyện Na Rì, tỉnh Bắc Kạn",
            "Chịu trách nhiệm chính: Chánh Văn phòng HĐND và UBND huyện",
        ),
        legacy_cp1258=True,
    ),
    "003_93ee7d9315423c01": Profile(
        kind="article",
        site_name="Cổng thông tin điện tử tỉnh Bình Thuận",
        running_header="Cổng thông tin điện tử tỉnh Bình Thuận",
        category="Cải cách hành chính",
        url_slug="cai-cach-hanh-chinh",
        byline="Hồng Hương",
        view_count="1.037",
        sidebar=(
            "Bình Thuận triển khai Kế hoạch cải cách hành chính năm 2024",
            "Tuyên truyền dịch vụ công trực tuyến trên địa bàn tỉnh",
            "Hội nghị tổng kết công tác cải cách hành chính năm 2023",
        ),
        footer_lines=(
            "Cơ quan chủ quản: Ủy ban nhân dân tỉnh Bình Thuận",
            "Địa chỉ: 04 Nguyễn Tất Thành, thành phố Phan Thiết, tỉnh Bình Thuận",
        ),
    ),
    "004_1ab22aee8a00dbb0": Profile(
        kind="official",
        site_name="Trang thông tin điện tử huyện Đắk Song",
        running_header="UBND HUYỆN ĐẮK SONG - PHÒNG NỘI VỤ",
        category="Cải cách hành chính",
        url_slug="cai-cach-hanh-chinh",
        view_count="95",
        sidebar=(
            "Đắk Song kiện toàn Bộ phận tiếp nhận và trả kết quả cấp huyện",
            "Triển khai mô hình Ngày không viết - ngày không hẹn",
            "Kiểm tra công tác cải cách hành chính tại các xã, thị trấn",
        ),
        related=(
            "Kế hoạch cải cách hành chính năm 2023 của huyện",
            "Kết quả khảo sát sự hài lòng của người dân năm 2023",
        ),
        footer_lines=(
            "Cơ quan chủ quản: Ủy ban nhân dân huyện Đắk Song, tỉnh Đắk Nông",
            "Chịu trách nhiệm chính: Chánh Văn phòng HĐND và UBND huyện",
        ),
    ),
}


def profile_for(seed_id: str) -> Profile:
    """The profile of ``seed_id``; an unknown seed gets a neutral article profile."""
    return PROFILES.get(
        seed_id,
        Profile(kind="article", site_name="Cổng thông tin điện tử", running_header="Cổng thông tin điện tử"),
    )
