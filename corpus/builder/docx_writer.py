"""The DOCX rendering: real Word styles, tables, merged cells and footnotes.

Government offices write in Word with Times New Roman 13-14 pt on A4 (Decree
30/2020/NĐ-CP), headings typed with their own numbers ("I.", "1.", "4.1."), and
page numbers at the top from page 2. The file mimics that so the DOCX parser and
the LibreOffice-made PDF both see what real documents contain.
"""

from __future__ import annotations

import io
from datetime import datetime

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

from .docx_parts import add_footnotes_part, add_page_field, add_text_runs, mark_row, normalized_zip
from .layout import column_weights, is_compact_cell
from .model import Block, Document, Role, Table
from .profiles import Profile

FONT = "Times New Roman"
FIXED_TIME = datetime(2024, 6, 1, 8, 0, 0)
_TEXT_WIDTH = Mm(210 - 30 - 15)

# role -> (style, alignment, bold, italic, size in pt or None for the style's own)
_ROLE_LOOK: dict[Role, tuple[str, WD_ALIGN_PARAGRAPH | None, bool, bool, float | None]] = {
    Role.NUMBER: ("Normal", WD_ALIGN_PARAGRAPH.LEFT, False, False, None),
    Role.PLACE_DATE: ("Normal", WD_ALIGN_PARAGRAPH.RIGHT, False, True, None),
    Role.DOCTYPE: ("Title", None, False, False, None),
    Role.SUBJECT: ("Subtitle", None, False, False, None),
    Role.TITLE: ("Title", None, False, False, None),
    Role.DATELINE: ("Normal", WD_ALIGN_PARAGRAPH.LEFT, False, True, 11),
    Role.BYLINE: ("Normal", WD_ALIGN_PARAGRAPH.RIGHT, True, False, None),
    Role.SOURCE: ("Normal", WD_ALIGN_PARAGRAPH.LEFT, False, True, 11),
    Role.PARAGRAPH: ("Normal", None, False, False, None),
    Role.RECIPIENTS_LABEL: ("Normal", WD_ALIGN_PARAGRAPH.LEFT, True, True, 12),
    Role.RECIPIENT: ("Normal", WD_ALIGN_PARAGRAPH.LEFT, False, False, 11),
    Role.SIGNER_TITLE: ("Normal", WD_ALIGN_PARAGRAPH.CENTER, True, False, None),
    Role.SIGNER_NAME: ("Normal", WD_ALIGN_PARAGRAPH.CENTER, True, False, None),
}
_UNINDENTED = {Role.NUMBER, Role.PLACE_DATE, Role.DATELINE, Role.BYLINE, Role.SOURCE, Role.RECIPIENTS_LABEL, Role.RECIPIENT}


def render_docx(doc: Document, profile: Profile) -> bytes:
    """The DOCX bytes of ``doc``, deterministic for the same input."""
    word = docx.Document()
    _setup_page(word, official=doc.kind == "official")
    _setup_styles(word)
    _set_properties(word, doc, profile)
    for item in doc.body:
        if isinstance(item, Table):
            _write_table(word, item)
        else:
            _write_block(word, item)
    if doc.footnotes:
        add_footnotes_part(word, doc.footnotes)
    buffer = io.BytesIO()
    word.save(buffer)
    return normalized_zip(buffer.getvalue())


def _setup_page(word: DocxDocument, official: bool) -> None:
    """A4 with the decree's margins; page number on top from page 2 (official) or in the footer."""
    section = word.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    if official:
        section.different_first_page_header_footer = True
        paragraph = section.header.paragraphs[0]
    else:
        paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_page_field(paragraph)


def _set_font(style: BaseStyle, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:
    """Times New Roman for every script, black, without the template's theme fonts."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    font = style.font  # type: ignore[attr-defined]
    font.color.rgb = RGBColor(0, 0, 0)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic


def _setup_styles(word: DocxDocument) -> None:
    """Restyle the template's styles into a government look and add the footnote styles."""
    styles = word.styles
    normal = styles["Normal"]
    _set_font(normal, 13)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(lang)
    fmt = normal.paragraph_format  # type: ignore[attr-defined]
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.space_after, fmt.first_line_indent = Pt(6), Cm(1)
    for name, size in (("Title", 14), ("Subtitle", 14)):
        _set_font(styles[name], size, bold=True, italic=False)
        pf = styles[name].paragraph_format  # type: ignore[attr-defined]
        pf.alignment, pf.first_line_indent = WD_ALIGN_PARAGRAPH.CENTER, Cm(0)
        pf.space_before, pf.space_after = Pt(6), Pt(6)
        borders = styles[name].element.pPr.find(qn("w:pBdr"))
        if borders is not None:
            styles[name].element.pPr.remove(borders)
    for level in (1, 2, 3):
        heading = styles[f"Heading {level}"]
        _set_font(heading, 13, bold=True, italic=False)
        pf = heading.paragraph_format  # type: ignore[attr-defined]
        pf.space_before, pf.space_after, pf.first_line_indent = Pt(6), Pt(6), Cm(1)
        pf.keep_with_next = True
    for name in ("List Bullet", "List Bullet 2"):
        styles[name].paragraph_format.first_line_indent = None  # type: ignore[attr-defined]
    _add_footnote_styles(word)


def _add_footnote_styles(word: DocxDocument) -> None:
    """"footnote text" / "footnote reference" as Word names them (ids FootnoteText/Reference)."""
    text = word.styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
    text.element.set(qn("w:styleId"), "FootnoteText")
    text.element.attrib.pop(qn("w:customStyle"), None)  # built into Word, not a custom style
    text.base_style = word.styles["Normal"]
    text.font.size = Pt(10)
    pf = text.paragraph_format
    pf.first_line_indent, pf.space_after, pf.line_spacing = Cm(0), Pt(0), 1.0
    reference = word.styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    reference.element.set(qn("w:styleId"), "FootnoteReference")
    reference.element.attrib.pop(qn("w:customStyle"), None)
    reference.font.superscript = True


def _set_properties(word: DocxDocument, doc: Document, profile: Profile) -> None:
    """Fixed core properties: the same bytes on every rebuild."""
    props = word.core_properties
    props.title = doc.first_text(Role.SUBJECT) or doc.first_text(Role.TITLE)
    props.author = profile.running_header
    props.last_modified_by = profile.running_header
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.comments = props.keywords = props.subject = ""


def _write_block(word: DocxDocument, block: Block) -> None:
    if block.role is Role.HEADING:
        paragraph = word.add_paragraph(style=f"Heading {block.level}")
        add_text_runs(paragraph, block.spans)
        return
    if block.role is Role.LIST_ITEM:
        paragraph = word.add_paragraph(style="List Bullet" if block.level == 1 else "List Bullet 2")
        add_text_runs(paragraph, block.spans)
        return
    style, alignment, bold, italic, size = _ROLE_LOOK[block.role]
    paragraph = word.add_paragraph(style=style)
    if alignment is not None:
        paragraph.alignment = alignment
    _shape_paragraph(paragraph, block.role)
    add_text_runs(paragraph, block.spans, bold=bold)
    for run in paragraph.runs:
        if italic:
            run.italic = True
        if size is not None:
            run.font.size = Pt(size)


def _shape_paragraph(paragraph: Paragraph, role: Role) -> None:
    """Indents and spacing of header/footer lines (the body keeps the Normal style's)."""
    fmt = paragraph.paragraph_format
    if role in _UNINDENTED:
        fmt.first_line_indent = Cm(0)
    if role is Role.RECIPIENT:
        fmt.space_after = Pt(0)
    if role is Role.RECIPIENTS_LABEL:
        fmt.space_before = Pt(18)
        fmt.space_after = Pt(0)
    if role in (Role.SIGNER_TITLE, Role.SIGNER_NAME):
        fmt.first_line_indent, fmt.left_indent = Cm(0), Cm(8)
    if role is Role.SIGNER_NAME:
        fmt.space_before = Pt(60)


def _write_table(word: DocxDocument, table: Table) -> None:
    """A "Table Grid" table with merged cells, widths by content and repeating header rows."""
    grid = word.add_table(rows=len(table.rows), cols=table.columns)
    grid.style = word.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    weights = column_weights(table)
    widths = [int(_TEXT_WIDTH * w) for w in weights]
    for index, column in enumerate(grid.columns):
        column.width = widths[index]
        for cell in column.cells:
            cell.width = widths[index]
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            target = grid.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(grid.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            paragraph = target.paragraphs[0]
            fmt = paragraph.paragraph_format
            fmt.first_line_indent, fmt.space_after = Cm(0), Pt(2)
            header = r < table.header_rows
            centred = header or is_compact_cell(cell.text)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
            add_text_runs(paragraph, cell.spans, bold=header)
            for run in paragraph.runs:
                run.font.size = Pt(12)
    for r, grid_row in enumerate(grid.rows):
        mark_row(grid_row, header=r < table.header_rows)
    word.add_paragraph()  # Word always keeps a paragraph after a table
