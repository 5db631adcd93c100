"""Checks that the rendered files still carry every word and figure of their seed.

The corpus is only useful if a parser that reads a rendered file can find the
same figures as in the seed text. Each output's text is extracted with the
ordinary tools (pdfplumber, python-docx plus footnotes.xml, lxml on
div.news-content) and compared token by token with the seed.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
import lxml.html
import pdfplumber
from lxml import etree

from .html_writer import render_html
from .legacy import decode_cp1258
from .model import Document
from .profiles import Profile

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WORD = re.compile(r"\w+")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class Report:
    """Problems found for one seed, and facts worth printing (pages, fonts)."""

    seed_id: str
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def pdf_text(path: Path, by_size: bool = True) -> str:
    """pdfplumber text; ``by_size`` keeps a superscript footnote number apart from its word.

    Plain extraction glues Word's superscript "1" to the figure before it
    ("522" + "1" -> "5221"), which real parsers must undo too.
    """
    extra = ["size"] if by_size else []
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text(extra_attrs=extra) or "" for page in pdf.pages)


def docx_text(path: Path, with_notes: bool = True) -> str:
    """Paragraph text of body and table cells in order, then the footnotes.

    A ``w:footnoteReference`` reads as "[n]" and each note starts with "[n] ", the
    way the seed wrote them; python-docx itself neither sees references nor
    opens footnotes.xml.
    """
    word = docx.Document(str(path))
    parts = [_paragraph_text(p) for p in word.element.body.iter(f"{_W}p")]
    with zipfile.ZipFile(path) as archive:
        if with_notes and "word/footnotes.xml" in archive.namelist():
            root = etree.fromstring(archive.read("word/footnotes.xml"))
            for note in root.iter(f"{_W}footnote"):
                note_id = int(note.get(f"{_W}id", "0"))
                if note_id > 0:
                    parts.append(f"[{note_id}]" + "".join(_paragraph_text(p) for p in note.iter(f"{_W}p")))
    return "\n".join(parts)


def _paragraph_text(paragraph: etree._Element) -> str:
    out = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}footnoteReference"):
        if node.tag == f"{_W}t":
            out.append(node.text or "")
        elif node.tag == f"{_W}footnoteReference":
            out.append(f"[{node.get(f'{_W}id')}]")
        else:
            out.append("\t" if node.tag == f"{_W}tab" else "\n")
    return "".join(out)


def html_content_text(data: bytes, encoding: str = "utf-8") -> str:
    """Text of div.news-content, the article proper."""
    found = _html_tree(data, encoding).xpath('//div[@class="news-content"]')
    return html_text(found[0]) if found else ""


_BLOCK_TAGS = {"p", "div", "li", "ul", "tr", "table", "thead", "tbody", "h1", "h2", "h3", "h4", "br", "hr",
               "header", "nav", "footer", "aside", "main", "title"}


def _html_tree(data: bytes, encoding: str) -> lxml.html.HtmlElement:
    text = decode_cp1258(data) if encoding == "windows-1258" else data.decode(encoding)
    return lxml.html.fromstring(text)


def html_text(element: lxml.html.HtmlElement) -> str:
    """text_content() with line breaks after blocks and spaces between cells, as a browser shows it."""
    copy = lxml.html.fromstring(lxml.html.tostring(element, encoding="unicode"))
    for node in copy.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
        elif node.tag in ("td", "th"):
            node.tail = " | " + (node.tail or "")
    return copy.text_content()


def _tokens(pattern: re.Pattern[str], text: str) -> set[str]:
    return set(pattern.findall(unicodedata.normalize("NFC", text)))


def expected_words(seed_text: str, doc: Document) -> set[str]:
    """Seed words, less the portal boilerplate lines the DOCX and PDF leave out."""
    drop = {doc.boilerplate.category, doc.boilerplate.toolbar, doc.boilerplate.latest_heading,
            doc.boilerplate.related_heading, *doc.boilerplate.related_links}
    kept = [line for line in seed_text.split("\n") if line.strip() not in drop]
    return _tokens(WORD, "\n".join(kept))


def _compare(report: Report, label: str, text: str, numbers: set[str], words: set[str]) -> None:
    missing_numbers = sorted(numbers - _tokens(NUMBER, text))
    missing_words = sorted(words - _tokens(WORD, text))
    if missing_numbers:
        report.problems.append(f"{label}: numbers missing {missing_numbers}")
    if missing_words:
        report.problems.append(f"{label}: words missing {missing_words[:20]}")
    if "*" in text:
        report.problems.append(f"{label}: literal asterisk in the text")
    report.facts.append(f"{label}: {len(numbers)} numbers, {len(words)} words present")


def check_seed(seed_text: str, doc: Document, profile: Profile, docs_dir: Path) -> Report:
    """Compare every output of one seed with the seed text."""
    report = Report(doc.seed_id)
    numbers = _tokens(NUMBER, seed_text)
    body_words = expected_words(seed_text, doc)
    all_words = _tokens(WORD, seed_text)
    base = docs_dir / doc.seed_id
    outputs = {
        ".docx": lambda p: docx_text(p),
        ".pdf": lambda p: pdf_text(p),
        ".lo.pdf": lambda p: pdf_text(p),
    }
    for suffix, extract in outputs.items():
        path = base.with_name(base.name + suffix)
        if not path.exists():
            report.problems.append(f"{path.name}: missing")
            continue
        _compare(report, path.name, extract(path), numbers, body_words)
        if suffix.endswith(".pdf"):
            glued = sorted(numbers - _tokens(NUMBER, pdf_text(path, by_size=False)))
            if glued:
                report.facts.append(f"{path.name}: plain extract_text() glues superscript note numbers: {glued} missing")
    html_path = base.with_name(base.name + ".html")
    page = html_path.read_bytes()
    _compare(report, f"{html_path.name} div.news-content", html_content_text(page), numbers, body_words)
    page_words = _tokens(WORD, html_text(_html_tree(page, "utf-8")))
    if all_words - page_words:
        report.problems.append(f"{html_path.name}: page lacks {sorted(all_words - page_words)[:20]}")
    if profile.legacy_cp1258:
        _check_cp1258(report, doc, profile, base, numbers, body_words)
    _check_structure(report, doc, profile, base)
    return report


def _check_cp1258(report: Report, doc: Document, profile: Profile, base: Path, numbers: set[str], words: set[str]) -> None:
    """The windows-1258 page decodes (and NFC-composes) back to exactly the page's text."""
    path = base.with_name(base.name + ".cp1258.html")
    if not path.exists():
        report.problems.append(f"{path.name}: missing")
        return
    data = path.read_bytes()
    if decode_cp1258(data) != render_html(doc, profile, charset="windows-1258"):
        report.problems.append(f"{path.name}: cp1258 round trip differs from the UTF-8 page")
    utf8_text = html_content_text(base.with_name(base.name + ".html").read_bytes())
    if html_content_text(data, "windows-1258") != utf8_text:
        report.problems.append(f"{path.name}: div.news-content text differs from the UTF-8 page")
    _compare(report, f"{path.name} div.news-content", html_content_text(data, "windows-1258"), numbers, words)


def _check_structure(report: Report, doc: Document, profile: Profile, base: Path) -> None:
    """The features the corpus exists for: real footnotes, one split table, embedded fonts."""
    docx_path = base.with_name(base.name + ".docx")
    with zipfile.ZipFile(docx_path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        notes = archive.read("word/footnotes.xml").decode("utf-8") if "word/footnotes.xml" in archive.namelist() else ""
    refs = body.count("<w:footnoteReference ")
    if doc.footnotes and (refs != len(doc.footnotes) or notes.count("<w:footnoteRef/>") != len(doc.footnotes)):
        report.problems.append(f"{docx_path.name}: {refs} footnote references for {len(doc.footnotes)} notes")
    if doc.footnotes and re.search(r"\[\d+\]", "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", body))):
        report.problems.append(f"{docx_path.name}: a literal [n] marker is left in the body")
    report.facts.append(
        f"{docx_path.name}: {body.count('<w:tbl>')} tables, {body.count('<w:tblHeader/>')} header rows, "
        f"{body.count('<w:vMerge')} vMerge, {body.count('<w:gridSpan')} gridSpan, {refs} footnote refs"
    )
    for suffix in (".pdf", ".lo.pdf"):
        path = base.with_name(base.name + suffix)
        if not path.exists():
            continue
        pages = _pages_with(path, "Nhóm chỉ số") if profile.expect_pdf_table_split else []
        if profile.expect_pdf_table_split:
            report.facts.append(f"{path.name}: split table header on pages {pages}")
            if suffix == ".pdf" and len(pages) < 2:
                report.problems.append(f"{path.name}: the table does not split across pages")
        unembedded = _unembedded_fonts(path)
        if unembedded:
            report.problems.append(f"{path.name}: fonts not embedded {unembedded}")


def _pages_with(path: Path, needle: str) -> list[int]:
    with pdfplumber.open(path) as pdf:
        return [i + 1 for i, page in enumerate(pdf.pages) if needle in (page.extract_text() or "")]


def _unembedded_fonts(path: Path) -> list[str]:
    """Names of fonts used on any page that carry no FontFile stream."""
    from pdfminer.pdftypes import resolve1

    missing: set[str] = set()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            fonts = resolve1(resolve1(page.page_obj.resources).get("Font", {})) if page.page_obj.resources else {}
            for ref in fonts.values():
                font = resolve1(ref)
                descriptor = _descriptor(font)
                if descriptor is None or not any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3")):
                    missing.add(str(font.get("BaseFont")))
    return sorted(missing)


def _descriptor(font: dict) -> dict | None:  # type: ignore[type-arg]
    from pdfminer.pdftypes import resolve1

    if "FontDescriptor" in font:
        return resolve1(font["FontDescriptor"])
    for descendant in resolve1(font.get("DescendantFonts", [])):
        child = resolve1(descendant)
        if "FontDescriptor" in child:
            return resolve1(child["FontDescriptor"])
    return None
