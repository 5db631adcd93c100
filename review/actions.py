"""What a reviewer does: accept, correct, reject or add a fact, mark a document reviewed.

Every action runs in one transaction that (1) locks the document's review row, so actions on
one document never interleave, (2) compares the version of the fact's correction that the
reviewer's screen showed with the one stored (0: none) and refuses with ``Conflict`` when
another reviewer saved in between, (3) writes the correction through ``store.repository``
(which audits it with before and after), (4) reruns the checks with every correction applied
and audits which statuses moved (``checks.rerun``). Nothing is deleted or overwritten in
place: a correction's earlier states are in ``audit``, and ``audit`` refuses UPDATE and DELETE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from baocao.extractor.numbers import NumberFormatError, parse_date, parse_number, parse_period
from baocao.review.auth import Principal
from baocao.review.recheck import changes_for, recheck, stored_checks
from baocao.review.sources import Current
from baocao.review.view import DATE_KINDS, KINDS
from baocao.schemas.document import Document
from baocao.store.models import (
    AuditRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    ReviewRow,
    utcnow,
)
from baocao.store.repository import (
    COMPARED_FIELDS,
    StaleCorrectionError,
    add_fact,
    correct_fact,
    correction_snapshot,
    fact_key,
)

FACT_ACTIONS = ("accept", "correct", "reject")
MAX_TEXT = 500
MAX_ADDED = 200
_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class Conflict(Exception):
    """Another reviewer changed this fact (or the review state) since the page was shown."""

    def __init__(self, what: str, key: str | None = None) -> None:
        super().__init__(what)
        self.key = key


class InvalidInput(ValueError):
    """A field the reviewer typed cannot be read (the message says which and why)."""


@dataclass
class Outcome:
    """What an action did: the audit row of its check rerun, and the statuses that moved."""

    key: str
    audit_id: int | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    rechecked: bool = False


# ── reading the form ───────────────────────────────────────────────────────────────────

def parse_value(kind: str, text: str) -> float | str | None:
    """A number written the Vietnamese way (17.604; 89,4), or a date for date kinds."""
    raw = text.strip().rstrip("%").strip()
    if not raw:
        return None
    if kind in DATE_KINDS:
        if _ISO.fullmatch(raw):
            return raw
        date = parse_date(raw)
        iso = date.iso() if date is not None else None
        if iso is None:
            raise InvalidInput(f"value: {text!r} is not a date (30/6/2024 or 2024-06-30)")
        return iso
    try:
        return parse_number(raw, convention="vi").value
    except NumberFormatError as e:
        raise InvalidInput(f"value: {text!r} is not a number (17.604 or 89,4)") from e


def parse_period_field(text: str, year: int | None) -> dict[str, Any] | None:
    raw = text.strip()
    if not raw:
        return None
    p = parse_period(raw, default_year=year)
    if p is None:
        return {"text": raw, "kind": "as_written", "granularity": "none", "start": None,
                "end": None, "year": None}
    return {"text": p.text, "kind": p.kind, "granularity": p.granularity, "start": p.start,
            "end": p.end, "year": p.year}


def read_fields(form: dict[str, str], shown: dict[str, Any], year: int | None
                ) -> dict[str, Any]:
    """The fact as the reviewer submitted it: ``shown`` (typed) overlaid by the form."""
    out = dict(shown)
    kind = form.get("kind", shown.get("kind") or "count").strip()
    if kind not in KINDS:
        raise InvalidInput(f"kind: one of {', '.join(KINDS)}")
    out["kind"] = kind
    if "value" in form:
        out["value"] = parse_value(kind, form["value"])
    if "denominator" in form:
        den = parse_value("count", form["denominator"]) if form["denominator"].strip() else None
        out["denominator"] = den
    if "period" in form:
        out["period"] = parse_period_field(form["period"], year)
    for name in ("unit", "label", "indicator", "subject"):
        if name in form:
            value = form[name].strip()
            if len(value) > (64 if name == "indicator" else MAX_TEXT):
                raise InvalidInput(f"{name}: too long")
            out[name] = value or None
    _consistent(out)
    return out


def _consistent(fact: dict[str, Any]) -> None:
    value, kind = fact.get("value"), fact.get("kind")
    if kind in DATE_KINDS and not (value is None or isinstance(value, str)):
        raise InvalidInput(f"value: a {kind} is a date")
    if kind not in DATE_KINDS and not isinstance(value, float):
        raise InvalidInput(f"value: a {kind} needs a number")


def typed(data: dict[str, Any]) -> dict[str, Any]:
    """The compared fields of a Fact record, values as numbers or dates."""
    out = {name: data.get(name) for name in COMPARED_FIELDS}
    if isinstance(out["value"], int):
        out["value"] = float(out["value"])
    return out


def _same(name: str, a: Any, b: Any) -> bool:
    if name == "period":
        return (a or {}).get("text") == (b or {}).get("text")
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return bool(a == b)


def changed(extracted: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    return {n: proposed[n] for n in COMPARED_FIELDS if not _same(n, extracted[n], proposed[n])}


# ── locking and versions ───────────────────────────────────────────────────────────────

def lock_review(session: Session, document_id: int) -> ReviewRow:
    """The document's review row, locked for this transaction (created if missing)."""
    review = session.scalar(select(ReviewRow).where(ReviewRow.document_id == document_id)
                            .with_for_update())
    if review is None:
        review = ReviewRow(document_id=document_id, state="unreviewed")
        session.add(review)
        session.flush()
    return review


def correction_of(session: Session, document_id: int, key: str) -> CorrectionRow | None:
    return session.scalar(select(CorrectionRow).where(CorrectionRow.document_id == document_id,
                                                      CorrectionRow.fact_key == key))


def _expect(row: CorrectionRow | None, expected: int, key: str) -> None:
    if (row.version if row is not None else 0) != expected:
        raise Conflict("this fact was changed by someone else since you opened it", key)


def _in_review(session: Session, review: ReviewRow, user: Principal) -> None:
    if review.state == "in_review":
        return
    before = {"state": review.state}
    review.state, review.reviewer_id, review.updated_at = "in_review", user.id, utcnow()
    session.add(AuditRow(user_id=user.id, actor=user.name, action="review.state",
                         entity="review", entity_id=str(review.document_id), before=before,
                         after={"state": "in_review"}))


# ── actions ────────────────────────────────────────────────────────────────────────────

def fact_action(session: Session, user: Principal, cur: Current, doc: Document | None,
                key: str, action: str, form: dict[str, str], expected: int,
                reason: str | None) -> Outcome:
    """Accept, correct or reject the fact ``key`` of ``cur``; raises Conflict or InvalidInput."""
    if action not in FACT_ACTIONS:
        raise InvalidInput(f"action: one of {', '.join(FACT_ACTIONS)}")
    review = lock_review(session, cur.document_id)
    fact = session.scalar(select(FactRow).where(FactRow.extraction_id == cur.extraction_id,
                                                FactRow.key == key))
    row = correction_of(session, cur.document_id, key)
    _expect(row, expected, key)
    before = stored_checks(session, cur.extraction_id)
    try:
        if fact is not None:
            fid = fact.ordinal
            _on_extracted(session, user, cur, fact, row, action, form, reason)
        elif row is not None and row.action in ("add", "reject") and row.span_start is not None:
            fid = f"a{row.id}"
            _on_added(session, user, cur, row, action, form, reason)
        else:
            raise InvalidInput("no such fact in this document")
        session.flush()
    except (StaleDataError, StaleCorrectionError, IntegrityError) as e:
        raise Conflict("this fact was changed by someone else at the same moment", key) from e
    _in_review(session, review, user)
    return _rerun(session, user, cur, doc, key, fid, before)


def _year(session: Session, cur: Current) -> int | None:
    return session.scalar(select(ExtractionRow.period_year).where(
        ExtractionRow.id == cur.extraction_id))


def _on_extracted(session: Session, user: Principal, cur: Current, fact: FactRow,
                  row: CorrectionRow | None, action: str, form: dict[str, str],
                  reason: str | None) -> None:
    version = row.version if row is not None else None
    if action == "reject":
        correct_fact(session, fact, "reject", actor=user.name, user_id=user.id, reason=reason,
                     expected_version=version)
        return
    extracted = typed(fact.data)
    if action == "accept" and row is not None and row.action == "edit":
        changes = _current_changes(row)  # accepting a corrected fact keeps the correction
    elif action == "accept":
        changes = {}
    else:
        shown = {**extracted, **(_current_changes(row) if row is not None and
                                 row.action == "edit" else {})}
        changes = changed(extracted, read_fields(form, shown, _year(session, cur)))
    correct_fact(session, fact, "edit" if changes else "confirm", changes, actor=user.name,
                 user_id=user.id, reason=reason, expected_version=version)


def _current_changes(row: CorrectionRow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in row.fields or []:
        if name == "value":
            out[name] = row.value if row.value is not None else row.value_text
        elif name in COMPARED_FIELDS:
            out[name] = getattr(row, name)
    return out


def _assign(row: CorrectionRow, values: dict[str, Any]) -> None:
    for name in ("kind", "value", "value_text", "denominator", "unit", "label", "indicator",
                 "period", "subject"):
        setattr(row, name, None)
    row.fields = sorted(values)
    for name, value in values.items():
        if name == "value":
            row.value = value if isinstance(value, float) else None
            row.value_text = value if isinstance(value, str) else None
        else:
            setattr(row, name, value)


def _on_added(session: Session, user: Principal, cur: Current, row: CorrectionRow,
              action: str, form: dict[str, str], reason: str | None) -> None:
    """A fact a reviewer added: accept keeps it, reject sets it aside, correct edits it."""
    before = correction_snapshot(row)
    if action == "reject":
        row.action = "reject"
    else:
        row.action = "add"
        if action == "correct":
            shown = {n: None for n in COMPARED_FIELDS} | _current_changes(row)
            shown["kind"] = row.kind or "count"
            proposed = read_fields(form, shown, _year(session, cur))
            _assign(row, {n: v for n, v in proposed.items() if v is not None})
    row.user_id, row.reason, row.updated_at = user.id, reason, utcnow()
    session.flush()
    session.add(AuditRow(user_id=user.id, actor=user.name, action=f"correction.{action}",
                         entity="fact", entity_id=f"{row.document_id}:{row.fact_key}",
                         before=before, after=correction_snapshot(row), reason=reason))


def add_missed(session: Session, user: Principal, cur: Current, doc: Document | None,
               span: tuple[int, int], selected: str, form: dict[str, str],
               reason: str | None) -> Outcome:
    """Add the figure at ``span`` (the reviewer's selection) as a fact the extractor missed."""
    review = lock_review(session, cur.document_id)
    x = session.get(ExtractionRow, cur.extraction_id)
    assert x is not None
    start, end = span
    if not (0 <= start < end <= len(x.text)) or end - start > MAX_ADDED:
        raise InvalidInput(f"selection: 1 to {MAX_ADDED} characters of the document")
    if x.text[start:end] != selected:
        raise InvalidInput("selection: it does not match the document's text")
    key = fact_key(selected, span, x.text)
    taken = session.scalar(select(FactRow.id).where(FactRow.extraction_id == x.id,
                                                    FactRow.key == key))
    if taken is not None or correction_of(session, cur.document_id, key) is not None:
        raise InvalidInput("selection: this figure is already a fact")
    fields = dict(form)
    if not fields.get("value", "").strip():
        fields["value"] = selected
    empty = {n: None for n in COMPARED_FIELDS}
    values = read_fields(fields, empty, x.period_year)
    before = stored_checks(session, cur.extraction_id)
    try:
        row = add_fact(session, x, span, {n: v for n, v in values.items() if v is not None},
                       actor=user.name, user_id=user.id, reason=reason)
    except IntegrityError as e:
        raise Conflict("someone added this figure at the same moment", key) from e
    _in_review(session, review, user)
    return _rerun(session, user, cur, doc, key, f"a{row.id}", before)


def _rerun(session: Session, user: Principal, cur: Current, doc: Document | None, key: str,
           fid: str, before: list[dict[str, Any]]) -> Outcome:
    """Rerun the checks (when the Document is at hand) and audit which statuses moved."""
    if doc is None:
        return Outcome(key)
    after = recheck(session, cur.extraction_id, doc)
    changes = changes_for(before, after, fid)
    failed = {"before": sum(c["status"] == "fail" for c in before),
              "after": sum(c["status"] == "fail" for c in after)}
    audit = AuditRow(user_id=user.id, actor=user.name, action="checks.rerun", entity="fact",
                     entity_id=f"{cur.document_id}:{key}",
                     before={"failed": failed["before"], "fact": fid},
                     after={"failed": failed["after"], "fact": fid, "changes": changes})
    session.add(audit)
    session.flush()
    return Outcome(key, audit.id, changes, True)


def mark_reviewed(session: Session, user: Principal, document_id: int, expected: int,
                  reason: str | None) -> None:
    """The document is reviewed: state, reviewer, open flags resolved; all audited."""
    review = lock_review(session, document_id)
    if review.version != expected:
        raise Conflict("the review state was changed by someone else since you opened it")
    before = {"state": review.state, "reviewer_id": review.reviewer_id}
    flags = list(session.scalars(select(FlagRow).where(FlagRow.document_id == document_id,
                                                       FlagRow.resolved_at.is_(None))))
    now = utcnow()
    for flag in flags:
        flag.resolved_by, flag.resolved_at = user.id, now
    review.state, review.reviewer_id, review.updated_at = "reviewed", user.id, now
    try:
        session.flush()
    except StaleDataError as e:
        raise Conflict("the review state was changed by someone else at the same moment") from e
    session.add(AuditRow(user_id=user.id, actor=user.name, action="review.reviewed",
                         entity="review", entity_id=str(document_id), before=before,
                         after={"state": "reviewed", "reviewer_id": user.id,
                                "flags_resolved": [f.id for f in flags]}, reason=reason))
