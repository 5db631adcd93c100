"""Low-level OOXML that python-docx has no API for: footnotes, fields, header rows, zips.

Real Word files carry footnotes in ``word/footnotes.xml``, page numbers as PAGE
fields and repeating table headers as ``w:tblHeader``. The parsers must meet those
structures, so the corpus writes them the way Word does rather than faking them
with plain text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.table import _Row
from docx.text.paragraph import Paragraph

from .model import Span

# Word 2016 writes exactly this pair of special notes before the real ones.
_FOOTNOTES_XML = f"""<w:footnotes {nsdecls("w", "r")}>
<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
</w:footnotes>"""

FIXED_ZIP_TIME = (2024, 6, 1, 8, 0, 0)


def add_text_runs(paragraph: Paragraph, spans: Iterable[Span], bold: bool = False) -> None:
    """Append ``spans`` as runs; footnote spans become real ``w:footnoteReference`` runs."""
    for span in spans:
        if span.footnote is not None:
            paragraph._p.append(_footnote_reference_run(span.footnote))
            continue
        run = paragraph.add_run(span.text)
        if span.bold or bold:
            run.bold = True
        if span.italic:
            run.italic = True


def _footnote_reference_run(note_id: int) -> OxmlElement:
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "FootnoteReference")
    props.append(style)
    run.append(props)
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(note_id))
    run.append(reference)
    return run


def add_footnotes_part(document: DocxDocument, notes: dict[int, list[Span]]) -> None:
    """Create ``word/footnotes.xml`` with ``notes`` and relate it from the document part.

    The content-type override is written by python-docx from the part's content
    type; ``w:footnotePr`` in settings declares the separators as Word does.
    """
    element = parse_xml(_FOOTNOTES_XML)
    for note_id, spans in notes.items():
        element.append(_footnote_element(note_id, spans))
    package = document.part.package
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, element, package)
    document.part.relate_to(part, RT.FOOTNOTES)
    _declare_footnote_separators(document)


def _footnote_element(note_id: int, spans: list[Span]) -> OxmlElement:
    """One ``w:footnote``: the automatic number (``w:footnoteRef``), a space, the text."""
    note = OxmlElement("w:footnote")
    note.set(qn("w:id"), str(note_id))
    p = OxmlElement("w:p")
    p_props = OxmlElement("w:pPr")
    p_style = OxmlElement("w:pStyle")
    p_style.set(qn("w:val"), "FootnoteText")
    p_props.append(p_style)
    p.append(p_props)
    mark = _footnote_reference_run(note_id)
    mark.remove(mark.find(qn("w:footnoteReference")))
    mark.append(OxmlElement("w:footnoteRef"))
    p.append(mark)
    paragraph = Paragraph(p, None)
    add_text_runs(paragraph, [Span(" "), *spans])
    note.append(p)
    return note


def _declare_footnote_separators(document: DocxDocument) -> None:
    settings = document.settings.element
    footnote_pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
    anchor = settings.find(qn("w:compat"))
    if anchor is not None:
        anchor.addprevious(footnote_pr)
    else:
        settings.append(footnote_pr)


def add_page_field(paragraph: Paragraph) -> None:
    """A PAGE field (begin / instrText / separate / cached "1" / end), as Word stores it."""
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("cached", "1"), ("end", None)):
        run = OxmlElement("w:r")
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run.append(instr)
        elif kind == "cached":
            t = OxmlElement("w:t")
            t.text = text
            run.append(t)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.append(char)
        paragraph._p.append(run)


def mark_row(row: _Row, header: bool) -> None:
    """Keep ``row`` on one page (``w:cantSplit``); a header row also repeats (``w:tblHeader``)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def normalized_zip(data: bytes) -> bytes:
    """Rewrite a DOCX zip with fixed member timestamps so rebuilds are byte-identical."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
