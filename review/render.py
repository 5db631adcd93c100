"""The document as HTML: its canonical text block by block, tables drawn as tables, every fact
marked at its span.

Built here in Python rather than in a template loop because a 100-page report has thousands
of text runs and facts: one pass with ``esc`` (the stdlib's ``html.escape``) over each run is
several times faster than a template, and escaping stays in one place. Every run of document
text and every attribute value goes through ``esc``; nothing from the document is emitted raw.

Each block (and each table cell) carries ``data-o``, the offset of its first character in the
canonical text; the page script adds the code points before a selection inside that element
to find the selection's span, so "add a missed fact" points at the exact characters.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape as _html_escape
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from baocao.review.doc_labels import labels
from baocao.schemas.document import Block, Document, Table

if TYPE_CHECKING:
    from baocao.review.view import CheckView, FactView, Group


def esc(value: object) -> str:
    """HTML-escape text and attribute values (& < > " '): the stdlib's, several times faster
    than ``markupsafe.escape`` on thousands of short strings since it builds no Markup."""
    return _html_escape(str(value), quote=True)


@dataclass(frozen=True, slots=True)
class Mark:
    """A fact's span in the text and how to draw it (``classes``: kind and review status)."""

    start: int
    end: int
    fact_id: str
    classes: str


class Marker:
    """Marks sorted by start, cut to the text range asked for; overlapping marks are skipped
    (an added fact over an extracted one), so the HTML stays well nested."""

    def __init__(self, marks: Iterable[Mark]) -> None:
        self.marks = sorted(marks, key=lambda m: (m.start, -m.end))
        self.starts = [m.start for m in self.marks]

    def html(self, text: str, start: int, end: int) -> str:
        out: list[str] = []
        pos = start
        i = bisect_left(self.starts, start)
        while i < len(self.marks) and self.marks[i].start < end:
            m = self.marks[i]
            i += 1
            if m.start < pos or m.end > end or m.end <= m.start:
                continue
            if m.start > pos:
                out.append(esc(text[pos:m.start]))
            out.append(f'<mark id="m-{esc(m.fact_id)}" class="{esc(m.classes)}" '
                       f'data-f="{esc(m.fact_id)}">{esc(text[m.start:m.end])}</mark>')
            pos = m.end
        if pos < end:
            out.append(esc(text[pos:end]))
        return "".join(out)


def render_document(text: str, doc: Document | None, marks: Iterable[Mark]) -> Markup:
    """The whole document: blocks with their page breaks, or the bare text's lines."""
    marker = Marker(marks)
    if doc is None:
        return Markup(_plain_lines(text, marker))
    out: list[str] = []
    page: int | None = None
    for block in doc.blocks:
        if block.location.page is not None and block.location.page != page:
            page = block.location.page
            out.append(f'<div class="pagebreak" data-page="{page}">Trang {page}</div>')
        out.append(_block(text, block, marker))
    return Markup("".join(out))


_TAGS = {"heading": "h3", "paragraph": "p", "list_item": "p", "footnote": "p"}


def _block(text: str, block: Block, marker: Marker) -> str:
    start, end = block.span
    if block.table is not None:
        return _table(text, block, block.table, marker)
    tag = _TAGS.get(block.kind.value, "p")
    return (f'<{tag} class="blk {block.kind.value}" id="b-{block.id}" data-o="{start}">'
            f"{marker.html(text, start, end)}</{tag}>")


def _table(text: str, block: Block, table: Table, marker: Marker) -> str:
    rows: dict[int, list[str]] = {}
    for c in sorted(table.cells, key=lambda c: (c.row, c.col)):
        tag = "th" if c.header or c.row < table.header_rows else "td"
        spans = (f' rowspan="{c.row_span}"' if c.row_span > 1 else "") + (
            f' colspan="{c.col_span}"' if c.col_span > 1 else "")
        rows.setdefault(c.row, []).append(
            f'<{tag}{spans} data-o="{c.span[0]}">{marker.html(text, c.span[0], c.span[1])}</{tag}>')
    body = "".join(f"<tr>{''.join(cells)}</tr>" for _, cells in sorted(rows.items()))
    return (f'<div class="tablewrap" id="b-{block.id}"><table class="doc-table">{body}</table>'
            "</div>")


def _plain_lines(text: str, marker: Marker) -> str:
    """No Document: one paragraph per line of the extraction's text (still marked)."""
    out: list[str] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            out.append(f'<p class="blk paragraph" data-o="{pos}">{marker.html(text, pos, end)}</p>')
        pos = end + 1
    return "".join(out)


def snippet(text: str, start: int, end: int, mark: Mark, width: int = 240) -> Markup:
    """The text around one span, with the span marked (the fact page)."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    body = Marker([mark]).html(text, lo, hi)
    return Markup(("…" if lo > 0 else "") + body + ("…" if hi < len(text) else ""))


# ── the side lists: facts by section, checks (thousands of items on a long report) ─────

_FACT_FIELDS = ("kind", "value", "denominator", "unit", "label", "indicator", "period",
                "subject")


def _attrs(values: dict[str, Any]) -> str:
    """``data-*`` attributes, escaped; empty ones left out (the script reads them as "")."""
    return "".join(f' data-{name}="{esc(value)}"' for name, value in values.items()
                   if value not in ("", None))


LOW_CONFIDENCE = 0.6  # as the extractor's relations treat a fact as unsure (confidence < 0.6)


def fact_item(f: FactView, document_id: int) -> str:
    """One fact of the facts panel: its fields as ``data-*`` for the edit form and the
    filters (status, kind, low confidence, OCR, flagged, text)."""
    words = labels()
    data = {"f": f.id, "key": f.key, "v": str(f.version), "status": f.status, "text": f.text,
            "page": f.page, "bbox": f.bbox, **{name: f.form[name] for name in _FACT_FIELDS},
            "was": "; ".join(f"{words.of('fields', n)}: {v}" for n, v in f.extracted.items()),
            "start": f.start, "end": f.end, "b": f.block, "section": f.section or "",
            "low": "1" if f.confidence is not None and f.confidence < LOW_CONFIDENCE else "",
            "ocr": "1" if f.origin == "ocr" else "", "flag": "1" if f.flagged else ""}
    classes = f"fi s-{f.status}" + (" flagged" if f.flagged else "")
    return (f'<li class="{classes}" id="fi-{f.key}"{_attrs(data)}>'
            f'<a class="fl" href="/doc/{document_id}/fact/{f.key}"><span class="fv">'
            f'{esc(f.display)}</span> <span class="flabel">{esc(f.form["label"])}'
            f'</span></a><span class="fst">{esc(words.of("statuses", f.status))}</span></li>')


def fact_items(groups: list[Group], document_id: int, csrf: str = "") -> Markup:
    """The facts panel, by section; an item's HTML is kept on its (cached) view. Each
    section has its "accept the rest" form (a plain form: works without the script)."""
    out: list[str] = []
    for g in groups:
        undecided = sum(1 for f in g.facts if f.status == "extracted")
        section = esc(g.section or "")
        out.append(f'<div class="group" data-section="{section}"><h4 class="group">'
                   f'<span class="gtitle">{esc(g.title)}</span>')
        if csrf and undecided:
            out.append(f'<form method="post" action="/doc/{document_id}/accept-section" '
                       f'class="rest"><input type="hidden" name="csrf" value="{esc(csrf)}">'
                       f'<input type="hidden" name="section" value="{section}">'
                       f'<button type="submit" class="rest-btn" title="Chấp nhận mọi số liệu '
                       f'chưa xử lý của mục này">Chấp nhận {undecided} còn lại</button></form>')
        out.append('</h4><ol class="facts">')
        for f in g.facts:
            if f.html is None:
                f.html = fact_item(f, document_id)
            out.append(f.html)
        out.append("</ol></div>")
    return Markup("".join(out))


def check_item(c: CheckView, i: int) -> str:
    words = labels()
    data = {"facts": " ".join(c.facts), "sig": c.sig, "status": c.status}
    why = f' <span class="why">({esc(c.why)})</span>' if c.why else ""
    return (f'<li class="check c-{esc(c.status)}" id="ck-{i}"{_attrs(data)} '
            f'tabindex="0"><span class="badge {esc(c.status)}">'
            f'{esc(words.of("check_statuses", c.status))}</span> '
            f'<b title="{esc(c.rule)}">{esc(words.of("rules", c.rule))}</b>: <span class="expl">'
            f'{esc(c.explanation)}</span>{why}</li>')


def check_items(checks: list[CheckView]) -> Markup:
    """The checks panel, failed first (the order of ``view.check_views``)."""
    return Markup("".join(check_item(c, i) for i, c in enumerate(checks, 1)))
