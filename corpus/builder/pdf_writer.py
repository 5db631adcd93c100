"""The reportlab rendering: a born-digital PDF with a real Unicode text layer.

DejaVu Sans is embedded (subset, with ToUnicode maps) so every Vietnamese letter
extracts as Unicode. A running header and a "Trang x/y" footer on every page give
the PDF parser the page furniture it has to drop, and tables repeat their header
rows when they break across a page, as the seed 001 original did.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.flowables import HRFlowable

from .layout import column_weights, is_compact_cell
from .model import Block, Document, Role, Span, Table
from .profiles import Profile

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
_MARGINS = {"leftMargin": 30 * mm, "rightMargin": 15 * mm, "topMargin": 25 * mm, "bottomMargin": 20 * mm}


def register_fonts() -> None:
    """Register DejaVu Sans and its faces once, so <b>/<i> map to the right files."""
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FONT_FILES.items():
        path = FONT_DIR / filename
        if not path.exists():
            raise SystemExit(f"font {path} is missing: install fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        "DejaVuSans",
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans-Oblique",
        boldItalic="DejaVuSans-BoldOblique",
    )


def _styles(size: float) -> dict[str, ParagraphStyle]:
    """Paragraph styles scaled from the body size (official letters are set larger than web prints)."""
    base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=size, leading=size * 1.38, alignment=TA_JUSTIFY,
                          bulletFontName="DejaVuSans")  # the default bullet font is an unembedded Helvetica
    base.spaceAfter, base.firstLineIndent = 5, 8 * mm

    def derive(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    return {
        "body": base,
        "plain": derive("plain", firstLineIndent=0, alignment=TA_LEFT),
        "right": derive("right", firstLineIndent=0, alignment=TA_RIGHT),
        "doctype": derive("doctype", fontName="DejaVuSans-Bold", fontSize=14, leading=18, alignment=TA_CENTER,
                          firstLineIndent=0, spaceBefore=10),
        "subject": derive("subject", fontName="DejaVuSans-Bold", alignment=TA_CENTER, firstLineIndent=0, spaceAfter=10),
        "title": derive("title", fontName="DejaVuSans-Bold", fontSize=15, leading=20, alignment=TA_LEFT,
                        firstLineIndent=0, spaceAfter=6),
        "dateline": derive("dateline", fontSize=9, leading=12, textColor=colors.grey, firstLineIndent=0,
                           alignment=TA_LEFT, spaceAfter=10),
        "h1": derive("h1", alignment=TA_LEFT, fontName="DejaVuSans-Bold", firstLineIndent=0, spaceBefore=6),
        "h2": derive("h2", alignment=TA_LEFT, fontName="DejaVuSans-Bold", spaceBefore=4),
        "h3": derive("h3", alignment=TA_LEFT, fontName="DejaVuSans-BoldOblique", spaceBefore=2),
        "list1": derive("list1", firstLineIndent=0, leftIndent=8 * mm, bulletIndent=3 * mm),
        "list2": derive("list2", firstLineIndent=0, leftIndent=14 * mm, bulletIndent=9 * mm),
        "label": derive("label", fontName="DejaVuSans-BoldOblique", fontSize=9.5, firstLineIndent=0,
                        alignment=TA_LEFT, spaceBefore=14, spaceAfter=2),
        "recipient": derive("recipient", fontSize=8.5, leading=11, firstLineIndent=0, alignment=TA_LEFT, spaceAfter=0),
        "signer": derive("signer", fontName="DejaVuSans-Bold", firstLineIndent=0, alignment=TA_CENTER,
                         leftIndent=85 * mm, spaceBefore=10),
        "cell": derive("cell", fontSize=size - 1.5, leading=(size - 1.5) * 1.3, firstLineIndent=0, alignment=TA_LEFT, spaceAfter=0),
        "note": derive("note", fontSize=8.5, leading=11, firstLineIndent=0, spaceAfter=3),
    }


def markup(spans: list[Span]) -> str:
    """reportlab paragraph markup: escaped text, <b>/<i>, and raised "[n]" footnote markers."""
    parts: list[str] = []
    for span in spans:
        if span.footnote is not None:
            parts.append(f'<super rise="3" size="7">[{span.footnote}]</super>')
            continue
        text = escape(span.text)
        if span.bold:
            text = f"<b>{text}</b>"
        if span.italic:
            text = f"<i>{text}</i>"
        parts.append(text)
    return "".join(parts)


_ROLE_STYLE = {
    Role.NUMBER: "plain", Role.PLACE_DATE: "right", Role.DOCTYPE: "doctype", Role.SUBJECT: "subject",
    Role.TITLE: "title", Role.DATELINE: "dateline", Role.BYLINE: "right", Role.SOURCE: "plain",
    Role.PARAGRAPH: "body", Role.RECIPIENTS_LABEL: "label", Role.RECIPIENT: "recipient",
    Role.SIGNER_TITLE: "signer", Role.SIGNER_NAME: "signer",
}


def _block_flowable(block: Block, styles: dict[str, ParagraphStyle]) -> Flowable:
    text = markup(block.spans)
    if block.role is Role.HEADING:
        return Paragraph(text, styles[f"h{block.level}"])  # preceded by a CondPageBreak in the story
    if block.role is Role.LIST_ITEM:
        return Paragraph(text, styles[f"list{block.level}"], bulletText="-" if block.level == 1 else "+")
    if block.role in (Role.PLACE_DATE, Role.SOURCE):
        text = f"<i>{text}</i>"
    if block.role is Role.BYLINE:
        text = f"<b>{text}</b>"
    flowable = Paragraph(text, styles[_ROLE_STYLE[block.role]])
    if block.role is Role.SIGNER_NAME:
        return _SpacedAbove(flowable, 40)
    return flowable


class _SpacedAbove(Flowable):
    """Room for the signature and seal above the signer's name."""

    def __init__(self, inner: Flowable, space: float) -> None:
        super().__init__()
        self.inner, self.space = inner, space

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height = self.inner.wrap(avail_width, avail_height)
        return width, height + self.space

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)


def _table_flowable(table: Table, styles: dict[str, ParagraphStyle], width: float) -> PdfTable:
    """A GRID-ruled table, cells wrapped in Paragraphs, spans for merged cells, header repeated."""
    header_style = ParagraphStyle("cellhead", parent=styles["cell"], fontName="DejaVuSans-Bold", alignment=TA_CENTER)
    centred = ParagraphStyle("cellcentre", parent=styles["cell"], alignment=TA_CENTER)
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), "DejaVuSans"),  # for the empty covered cells; default is Helvetica
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, table.header_rows - 1), colors.HexColor("#eeeeee")),
    ]
    for r, row in enumerate(table.rows):
        line: list[Any] = []
        for c, cell in enumerate(row):
            if cell is None:
                line.append("")
                continue
            style = header_style if r < table.header_rows else centred if is_compact_cell(cell.text) else styles["cell"]
            line.append(Paragraph(markup(cell.spans), style))
            if cell.rowspan > 1 or cell.colspan > 1:
                commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        data.append(line)
    widths = [width * w for w in column_weights(table)]
    return PdfTable(data, colWidths=widths, repeatRows=table.header_rows, style=TableStyle(commands), hAlign="CENTER")


def _footnote_flowables(doc: Document, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The notes at the end, after a short rule, each led by its "[n]" as in the seed."""
    if not doc.footnotes:
        return []
    flowables: list[Flowable] = [Spacer(1, 8), HRFlowable(width="33%", thickness=0.5, hAlign="LEFT", spaceAfter=4)]
    for note_id, spans in doc.footnotes.items():
        flowables.append(Paragraph(f"[{note_id}] {markup(spans)}", styles["note"]))
    return flowables


def _numbered_canvas(running_header: str) -> type[Canvas]:
    """A canvas that defers pages so each can show "Trang x/y" and the running header."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = self._pagesize
            self.setFont("DejaVuSans", 8)
            self.setFillColor(colors.grey)
            self.drawString(_MARGINS["leftMargin"], height - 14 * mm, running_header)
            self.setStrokeColor(colors.lightgrey)
            self.line(_MARGINS["leftMargin"], height - 15.5 * mm, width - _MARGINS["rightMargin"], height - 15.5 * mm)
            self.drawCentredString(width / 2, 10 * mm, f"Trang {self._pageNumber}/{total}")

    return NumberedCanvas


def render_pdf(doc: Document, profile: Profile) -> bytes:
    """The PDF bytes of ``doc`` (A4, invariant: no clock in the file)."""
    register_fonts()
    styles = _styles(12.5 if doc.kind == "official" else 10.5)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, invariant=1, title=doc.first_text(Role.SUBJECT) or doc.first_text(Role.TITLE),
        author=profile.running_header, creator="baocao corpus builder", initialFontName="DejaVuSans", **_MARGINS,
    )
    story: list[Flowable] = []
    for item in doc.body:
        if isinstance(item, Table):
            story.append(_table_flowable(item, styles, template.width))
            story.append(Spacer(1, 6))
        else:
            if item.role is Role.HEADING:
                # not keepWithNext: that would carry a following table whole to the next page
                story.append(CondPageBreak(3 * styles["body"].leading))
            story.append(_block_flowable(item, styles))
    story.extend(_footnote_flowables(doc, styles))
    template.build(story, canvasmaker=_numbered_canvas(profile.running_header))
    return buffer.getvalue()
