"""What the document and fact pages show: facts as corrected, grouped by section, and checks.

A fact on screen is its extracted record with the reviewer's correction applied, plus what it
was extracted as (shown beside a corrected field), its review status and the version of its
correction, which every form sends back (optimistic versioning: ``review.actions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from baocao.extractor.arith import vi
from baocao.review.recheck import (
    added_fact,
    corrected_fields,
    signature,
    stamp,
    stored_checks,
)
from baocao.review.render import Mark, render_document
from baocao.review.sources import LRU
from baocao.schemas.document import Document
from baocao.store.models import CorrectionRow, ExtractionRow, FactRow, FlagRow, ReviewRow, UserRow
from baocao.store.repository import COMPARED_FIELDS

STATUS = {None: "extracted", "edit": "corrected", "reject": "rejected", "confirm": "accepted",
          "add": "added"}
KINDS = ("count", "score", "rank", "percentage", "deadline", "date", "amount")
DATE_KINDS = ("date", "deadline")


def show_number(value: Any, decimals: int | None = None) -> str:
    """A value as a Vietnamese reader writes it (17.604; 89,4); dates and text unchanged."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return vi(float(value), decimals)
    return str(value)


@dataclass
class FactView:
    """One fact as the page shows it; ``form`` holds its editable fields as text."""

    key: str
    id: str
    kind: str
    text: str
    start: int
    end: int
    status: str
    version: int
    form: dict[str, str]
    extracted: dict[str, str]
    corrected: list[str]
    page: int | None = None
    bbox: str = ""
    block: int | None = None
    section: str | None = None
    confidence: float | None = None
    strategy: str | None = None
    flagged: bool = False
    origin: str = "text"
    corrected_by: str | None = None
    reason: str | None = None
    html: str | None = field(default=None, repr=False, compare=False)  # cached list item

    @property
    def display(self) -> str:
        value = self.form["value"]
        den = self.form["denominator"]
        unit = self.form["unit"]
        return f"{value}{'/' + den if den else ''}{' ' + unit if unit else ''}"

    @property
    def mark(self) -> Mark:
        return Mark(self.start, self.end, self.id, f"fact k-{self.kind} s-{self.status}")


def form_values(data: dict[str, Any]) -> dict[str, str]:
    """The editable fields of a Fact record as the form's text."""
    period = data.get("period")
    return {"kind": data.get("kind") or "count",
            "value": show_number(data.get("value"), data.get("decimals")),
            "denominator": show_number(data.get("denominator")),
            "unit": data.get("unit") or "", "label": data.get("label") or "",
            "indicator": data.get("indicator") or "",
            "period": (period.get("text") if isinstance(period, dict) else period) or "",
            "subject": data.get("subject") or ""}


def fact_view(key: str, data: dict[str, Any], c: CorrectionRow | None,
              users: dict[int, str]) -> FactView:
    """A fact (extracted record ``data``, or a reviewer's added record) as shown."""
    action = c.action if c is not None else None
    shown = corrected_fields(data, c) if c is not None and action in ("edit", "add") else data
    fields = [n for n in (c.fields or []) if n in COMPARED_FIELDS] if c is not None else []
    extracted = form_values(data) if action == "edit" else {}
    loc = data.get("location") or {}
    bbox = loc.get("bbox")
    return FactView(
        key=key, id=data["id"], kind=shown.get("kind") or "count", text=data["text"],
        start=data["span"][0], end=data["span"][1], status=STATUS[action],
        version=c.version if c is not None else 0, form=form_values(shown),
        extracted={n: extracted[n] for n in fields} if action == "edit" else {},
        corrected=fields, page=loc.get("page"),
        bbox=",".join(f"{b:.1f}" for b in bbox) if bbox else "", block=loc.get("block"),
        section=loc.get("section"), confidence=data.get("confidence"),
        strategy=data.get("strategy"), origin=loc.get("origin") or "text",
        corrected_by=users.get(c.user_id) if c is not None and c.user_id else None,
        reason=c.reason if c is not None else None)


@dataclass
class Group:
    """Facts of one numbered section, in document order."""

    section: str | None
    title: str
    facts: list[FactView] = field(default_factory=list)


@dataclass
class CheckView:
    id: str
    rule: str
    status: str
    explanation: str
    facts: list[str]
    expected: Any
    actual: Any
    tolerance: Any
    sig: str
    why: str | None = None


@dataclass
class DocumentView:
    facts: list[FactView]
    checks: list[CheckView]
    review_state: str
    review_version: int
    open_flags: int

    @property
    def by_id(self) -> dict[str, FactView]:
        return {f.id: f for f in self.facts}

    @property
    def failed(self) -> int:
        return sum(1 for c in self.checks if c.status == "fail")

    @property
    def decided(self) -> int:
        """Facts with a reviewer's decision (accepted, corrected, rejected or added)."""
        return sum(1 for f in self.facts if f.status != "extracted")


_BASE: LRU[tuple[Any, ...], tuple[list[tuple[str, dict[str, Any]]], dict[str, FactView]]] = (
    LRU(8))


def shown_records(session: Session, extraction_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(key, the Fact fields the pages show) from the typed columns, in span order.

    Not the ``data`` JSON: on PostgreSQL, reading 2,000 JSONB records of a freshly ingested
    report took 180 ms against 30 ms for the columns (three small values come from the JSON).
    """
    f = FactRow
    rows = session.execute(select(
        f.key, f.ordinal, f.kind, f.value, f.value_text, f.denominator, f.unit, f.label,
        f.indicator, f.period_text, f.subject, f.text, f.span_start, f.span_end, f.page,
        f.section, f.confidence, f.strategy, f.data["decimals"], f.data["location"]["bbox"],
        f.data["location"]["block"], f.data["location"]["origin"])
        .where(f.extraction_id == extraction_id)
        .order_by(f.span_start, f.id))
    return [(r[0], {"id": r[1], "kind": r[2], "value": r[3] if r[3] is not None else r[4],
                    "denominator": r[5], "unit": r[6], "label": r[7], "indicator": r[8],
                    "period": {"text": r[9]} if r[9] else None, "subject": r[10],
                    "text": r[11], "span": [r[12], r[13]], "confidence": r[16],
                    "strategy": r[17], "decimals": r[18],
                    "location": {"page": r[14], "section": r[15], "bbox": r[19],
                                 "block": r[20], "origin": r[21]}})
            for r in rows]


def _base_views(session: Session, extraction_id: int, doc: Document | None
                ) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, FactView]]:
    """The facts of an extraction (records, and views as shown when nobody corrected them),
    cached per process.

    Extracted facts never change, so on a long report only the corrected ones are built
    again per request; these shared views are never modified (``replace`` makes copies),
    except for their cached HTML (``review.render.fact_items``), a function of the view.
    """
    cache_key = (*stamp(session, extraction_id), doc is not None)
    found = _BASE.get(cache_key)
    if found is None:
        records = shown_records(session, extraction_id)
        views = {}
        for key, data in records:
            views[key] = view = fact_view(key, data, None, {})
            if doc is not None:
                _line_box(view, doc)
        found = (records, views)
        _BASE.put(cache_key, found)
    return found


def load_facts(session: Session, extraction_id: int, document_id: int,
               doc: Document | None, text: str) -> list[FactView]:
    """Every fact of the extraction (rejected ones too) and the facts reviewers added."""
    corrections = {c.fact_key: c for c in session.scalars(
        select(CorrectionRow).where(CorrectionRow.document_id == document_id))}
    ids = {c.user_id for c in corrections.values() if c.user_id}
    users = dict(session.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_(ids))).all()
                 ) if ids else {}
    flagged = set(session.scalars(select(FlagRow.fact_key).where(
        FlagRow.extraction_id == extraction_id, FlagRow.resolved_at.is_(None))))
    records, base = _base_views(session, extraction_id, doc)
    views: list[FactView] = []
    for key, data in records:
        view = base[key]
        if key in corrections:
            view = fact_view(key, data, corrections[key], users)
            view.bbox = base[key].bbox
        if key in flagged:
            view = replace(view, flagged=True, html=None)
        views.append(view)
    for key, c in corrections.items():
        if c.action in ("add", "reject") and key not in base and c.span_start is not None:
            record = added_fact(c, doc, text)
            if record is not None:
                views.append(fact_view(key, record, c, users))
                if doc is not None:
                    _line_box(views[-1], doc)
    views.sort(key=lambda f: (f.start, f.end))
    return views


def _line_box(f: FactView, doc: Document) -> None:
    """The box of every PDF line the fact's span covers (the extraction keeps its first
    line only), on the page where the fact starts."""
    if f.page is None or f.block is None or not 0 <= f.block < len(doc.blocks):
        return
    boxes = [line.bbox for line in doc.blocks[f.block].lines
             if line.span[0] < f.end and f.start < line.span[1] and line.page == f.page]
    if boxes:
        union = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                 max(b[2] for b in boxes), max(b[3] for b in boxes))
        f.bbox = ",".join(f"{b:.1f}" for b in union)


def group_facts(facts: list[FactView], doc: Document | None) -> list[Group]:
    """Facts grouped by their numbered section, with the section's title when known."""
    groups: dict[str | None, Group] = {}
    for f in facts:
        group = groups.get(f.section)
        if group is None:
            group = groups[f.section] = Group(f.section, _title(f, doc))
        group.facts.append(f)
    return list(groups.values())


def _title(f: FactView, doc: Document | None) -> str:
    if not f.section:
        return "Ngoài mục đánh số"
    chain = [s for s in doc.sections_at(f.start) if s.style in ("roman", "arabic")] if doc else []
    return f"{f.section} {chain[-1].title}" if chain else f.section


def check_views(checks: list[dict[str, Any]]) -> list[CheckView]:
    """Checks with failed ones first, then unverifiable, then passed (each in document order)."""
    order = {"fail": 0, "unverifiable": 1, "pass": 2}
    views = [CheckView(c["id"], c["rule"], c["status"], c["explanation"], list(c["facts"]),
                       c.get("expected"), c.get("actual"), c.get("tolerance"), signature(c),
                       c.get("why"))
             for c in checks]
    return sorted(views, key=lambda c: order.get(c.status, 3))


def document_view(session: Session, extraction_id: int, document_id: int,
                  doc: Document | None) -> DocumentView:
    x = session.get(ExtractionRow, extraction_id)
    assert x is not None
    facts = load_facts(session, extraction_id, document_id, doc, x.text)
    review = session.get(ReviewRow, document_id)
    flags = session.scalars(select(FlagRow.id).where(FlagRow.document_id == document_id,
                                                     FlagRow.resolved_at.is_(None))).all()
    return DocumentView(facts, check_views(stored_checks(session, extraction_id)),
                        review.state if review else "unreviewed",
                        review.version if review else 0, len(flags))


_TEXT: LRU[tuple[Any, ...], Markup] = LRU(8)


def document_html(session: Session, extraction_id: int, text: str, doc: Document | None,
                  facts: list[FactView]) -> Markup:
    """The document's text as HTML with its facts marked, cached on the marks themselves
    (a correction changes a mark's class, so the next view draws the text again)."""
    marks = tuple(f.mark for f in facts)
    cache_key = (*stamp(session, extraction_id), doc is not None, marks)
    found = _TEXT.get(cache_key)
    if found is None:
        found = render_document(text, doc, marks)
        _TEXT.put(cache_key, found)
    return found
