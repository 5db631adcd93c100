"""The intermediate structure every renderer reads.

A seed is parsed once into a :class:`Document`; the DOCX, PDF and HTML writers only
walk it. Keeping the seed's Markdown leftovers out of the writers means each format
shows the same words and figures, and a format-specific quirk cannot leak into
another output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Role(Enum):
    """What a block is in the document, so each writer can give it the right look."""

    # official-document header and footer (Decree 30/2020/NĐ-CP layout)
    NUMBER = "number"  # "Số: /TB-VPUBND"
    PLACE_DATE = "place_date"  # "Bình Phước, ngày tháng 5 năm 2024"
    DOCTYPE = "doctype"  # "THÔNG BÁO", "BÁO CÁO"
    SUBJECT = "subject"  # the trích yếu line under the type
    RECIPIENTS_LABEL = "recipients_label"  # "Nơi nhận:"
    RECIPIENT = "recipient"  # "- Các sở, ban, ngành;"
    SIGNER_TITLE = "signer_title"  # "CHÁNH VĂN PHÒNG"
    SIGNER_NAME = "signer_name"
    # web-article parts
    TITLE = "title"  # the article headline
    DATELINE = "dateline"  # "Ngày đăng 06/05/2024 | 08:52 | View count: 32"
    BYLINE = "byline"  # the author under the article
    SOURCE = "source"  # "Nguồn: ..."
    # body
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"


@dataclass(frozen=True)
class Span:
    """A run of text with its emphasis; a footnote reference has ``footnote`` set and no text."""

    text: str
    bold: bool = False
    italic: bool = False
    footnote: int | None = None


@dataclass
class Block:
    """One paragraph-like unit. ``level`` is the heading level (1..3) or the list depth (1..2)."""

    role: Role
    spans: list[Span]
    level: int = 0

    @property
    def text(self) -> str:
        """Plain text without footnote markers, for layout decisions and titles."""
        return "".join(span.text for span in self.spans)


@dataclass
class Cell:
    """A table cell; ``rowspan``/``colspan`` > 1 make it the origin of a merged area."""

    spans: list[Span]
    rowspan: int = 1
    colspan: int = 1

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


# A grid row: a Cell, or None where a merged cell above or to the left covers the slot.
Row = list[Cell | None]


@dataclass
class Table:
    """A ruled table; the first ``header_rows`` rows repeat on each page it spans."""

    rows: list[Row]
    header_rows: int = 1
    # row indexes (into ``rows``) where the source text restarted the table after a page break
    continued_at: list[int] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass
class Boilerplate:
    """Portal text that leaked into a web seed; the HTML writer puts it back where it belongs."""

    category: str | None = None
    toolbar: str | None = None
    latest_heading: str | None = None
    related_heading: str | None = None
    related_links: list[str] = field(default_factory=list)


@dataclass
class Document:
    """A parsed seed: ordered body blocks and tables, footnotes, and leaked boilerplate."""

    seed_id: str
    kind: str  # "official" or "article"
    body: list[Block | Table]
    footnotes: dict[int, list[Span]] = field(default_factory=dict)
    boilerplate: Boilerplate = field(default_factory=Boilerplate)

    def blocks(self, role: Role) -> list[Block]:
        """All blocks with ``role``, in order."""
        return [b for b in self.body if isinstance(b, Block) and b.role is role]

    def first_text(self, role: Role, default: str = "") -> str:
        """Text of the first block with ``role`` (titles, running headers)."""
        found = self.blocks(role)
        return found[0].text if found else default
