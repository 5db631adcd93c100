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

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from baocao.extractor.numbers import NumberFormatError, parse_date, parse_number, parse_period
from baocao.review.auth import Principal
from baocao.review.doc_labels import labels
from baocao.review.recheck import changes_for, recheck, stored_checks
from baocao.review.sources import Current
from baocao.review.view import DATE_KINDS, KINDS
from baocao.schemas.document import Document
from baocao.store.models import (
    AuditRow,
    CommentRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    RecheckRow,
    ReviewRow,
    utcnow,
)
from baocao.store.repository import (
    COMPARED_FIELDS,
    StaleCorrectionError,
    add_fact,
    correct_fact,
    correction_snapshot,
    correction_value,
    fact_key,
)

FACT_ACTIONS = ("accept", "correct", "reject")
MAX_TEXT = 500
MAX_ADDED = 200
_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks allowed
# a count of things and a place in a ranking are never below zero (a fall is a change of
# them, written as such); scores, percentages and amounts may be
NOT_NEGATIVE = ("count", "rank")


class Conflict(Exception):
    """Another reviewer changed this fact (or the review state) since the page was shown."""

    def __init__(self, what: str, key: str | None = None) -> None:
        super().__init__(what)
        self.key = key


class InvalidInput(ValueError):
    """A field the reviewer typed cannot be read (the message says which and why)."""


class Overlap(InvalidInput):
    """A selection to add covers (part of) a fact that is already there: edit that one."""

    def __init__(self, what: str, key: str, fact_id: str) -> None:
        super().__init__(what)
        self.key, self.fact_id = key, fact_id


@dataclass
class Outcome:
    """What an action did: the audit row of its check rerun, and the statuses that moved."""

    key: str
    audit_id: int | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    rechecked: bool = False
    unchanged: bool = False  # "save" with nothing changed: nothing written
    keys: list[str] = field(default_factory=list)  # every fact the action decided (a batch)


# ── reading the form ───────────────────────────────────────────────────────────────────

def parse_value(kind: str, text: str) -> float | str | None:
    """A number written the Vietnamese way (17.604; 89,4), or a date for date kinds."""
    raw = text.strip().rstrip("%").strip()
    if not raw:
        return None
    if kind in DATE_KINDS:
        if _ISO.fullmatch(raw):
            if not _real_iso(raw):  # "9999-99", "2024-02-30": not a date
                raise InvalidInput(f"Giá trị: «{text}» không phải là một ngày có thật")
            return raw
        date = parse_date(raw)
        iso = date.iso() if date is not None else None
        if iso is None:
            raise InvalidInput(f"Giá trị: «{text}» không phải là ngày (30/6/2024 hoặc 2024-06-30)")
        return iso
    try:
        return parse_number(raw, convention="vi").value
    except NumberFormatError as e:
        raise InvalidInput(f"Giá trị: «{text}» không phải là số (17.604 hoặc 89,4)") from e


def _real_iso(raw: str) -> bool:
    """An ISO year, year-month or date that exists, in the years reports are written."""
    parts = [int(p) for p in raw.split("-")]
    if not 1900 <= parts[0] <= 2100:
        return False
    if len(parts) == 1:
        return True
    if not 1 <= parts[1] <= 12:
        return False
    if len(parts) == 2:
        return True
    import datetime as dt

    try:
        dt.date(*parts)
    except ValueError:
        return False
    return True


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
    if any(_CONTROL.search(v) for v in form.values()):
        raise InvalidInput("Biểu mẫu có ký tự điều khiển (NUL...): hãy gõ lại")
    kind = form.get("kind", shown.get("kind") or "count").strip()
    if kind not in KINDS:
        raise InvalidInput(f"Loại: phải là một trong {', '.join(KINDS)}")
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
                raise InvalidInput(f"{labels().of('fields', name)}: quá dài")
            if name == "unit" and value and value != (shown.get("unit") or ""):
                value = canonical_unit(value)  # a unit typed anew: the vocabulary's spelling
            out[name] = value or None
    _consistent(out)
    return out


def _consistent(fact: dict[str, Any]) -> None:
    value, kind = fact.get("value"), fact.get("kind")
    if kind in DATE_KINDS and not (value is None or isinstance(value, str)):
        raise InvalidInput("Giá trị: số liệu loại này là một ngày")
    if kind not in DATE_KINDS and not isinstance(value, float):
        raise InvalidInput("Giá trị: số liệu loại này cần một con số")
    if kind in NOT_NEGATIVE and isinstance(value, float) and value < 0:
        raise InvalidInput("Giá trị: số lượng và thứ hạng không thể âm")
    den = fact.get("denominator")
    if isinstance(den, float) and den <= 0:
        raise InvalidInput("Mẫu số: phải lớn hơn 0")


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
        raise Conflict("số liệu này đã được người khác sửa từ khi bạn mở trang", key)


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
        raise InvalidInput("Quyết định không hợp lệ (chấp nhận, sửa hoặc loại)")
    review = lock_review(session, cur.document_id)
    fact = session.scalar(select(FactRow).where(FactRow.extraction_id == cur.extraction_id,
                                                FactRow.key == key))
    row = correction_of(session, cur.document_id, key)
    _expect(row, expected, key)
    before = stored_checks(session, cur.extraction_id)
    effect = _effect(row)
    try:
        if fact is not None:
            fid = fact.ordinal
            written = _on_extracted(session, user, cur, fact, row, action, form, reason)
        elif row is not None and row.action in ("add", "reject") and row.span_start is not None:
            fid = f"a{row.id}"
            written = _on_added(session, user, cur, row, action, form, reason)
        else:
            raise InvalidInput("văn bản này không có số liệu đó")
        session.flush()
    except (StaleDataError, StaleCorrectionError, IntegrityError) as e:
        raise Conflict("số liệu này vừa được người khác sửa cùng lúc", key) from e
    if not written:
        return Outcome(key, unchanged=True, keys=[key])
    _in_review(session, review, user)
    if _effect(correction_of(session, cur.document_id, key)) == effect and _checks_current(
            session, cur, before):
        return Outcome(key, keys=[key])  # the checks see the same facts: nothing to rerun
    return _rerun(session, user, cur, doc, key, fid, before, [key])


def _effect(row: CorrectionRow | None) -> tuple[Any, ...] | None:
    """What a correction changes in the facts the checks see: nothing (none, or confirmed),
    the fact gone (rejected), or its fields' values (edited, added). Accepting a fact as it
    stands changes nothing, so its checks need no rerun (the common decision, and the rerun
    is most of a decision's time on a long report)."""
    if row is None or row.action == "confirm":
        return None
    if row.action == "reject":
        return ("reject",)
    return (row.action, *((n, correction_value(row, n)) for n in sorted(row.fields or [])))


def _checks_current(session: Session, cur: Current, before: list[dict[str, Any]]) -> bool:
    """The stored checks already reflect every correction of the document: a rerun of its
    own was stored, or no correction changes a fact (then the extraction's checks are the
    rerun's, and they are stored as such so the page does not rerun them)."""
    if session.get(RecheckRow, cur.extraction_id) is not None:
        return True
    rows = session.scalars(select(CorrectionRow).where(
        CorrectionRow.document_id == cur.document_id))
    if any(_effect(r) is not None for r in rows):
        return False
    session.add(RecheckRow(extraction_id=cur.extraction_id, checks=before,
                           n_failed=sum(c["status"] == "fail" for c in before)))
    session.flush()
    return True


def _year(session: Session, cur: Current) -> int | None:
    return session.scalar(select(ExtractionRow.period_year).where(
        ExtractionRow.id == cur.extraction_id))


def _on_extracted(session: Session, user: Principal, cur: Current, fact: FactRow,
                  row: CorrectionRow | None, action: str, form: dict[str, str],
                  reason: str | None) -> bool:
    """Write the decision on an extracted fact; False when a save changed nothing."""
    version = row.version if row is not None else None
    if action == "reject":
        correct_fact(session, fact, "reject", actor=user.name, user_id=user.id, reason=reason,
                     expected_version=version)
        return True
    extracted = typed(fact.data)
    if action == "accept" and row is not None and row.action == "edit":
        changes = _current_changes(row)  # accepting a corrected fact keeps the correction
    elif action == "accept":
        changes = {}
    else:
        shown = {**extracted, **(_current_changes(row) if row is not None and
                                 row.action == "edit" else {})}
        changes = changed(extracted, read_fields(form, shown, _year(session, cur)))
        if not changed(shown, {**extracted, **changes}):
            return False  # Enter on a form nobody changed: nothing to save
    correct_fact(session, fact, "edit" if changes else "confirm", changes, actor=user.name,
                 user_id=user.id, reason=reason, expected_version=version)
    return True


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
              action: str, form: dict[str, str], reason: str | None) -> bool:
    """A fact a reviewer added: accept keeps it, reject sets it aside, correct edits it."""
    before = correction_snapshot(row)
    if action == "reject":
        row.action = "reject"
    elif action == "correct":
        shown = {n: None for n in COMPARED_FIELDS} | _current_changes(row)
        shown["kind"] = row.kind or "count"
        proposed = read_fields(form, shown, _year(session, cur))
        if not changed(shown, proposed):
            return False
        row.action = "add"
        _assign(row, {n: v for n, v in proposed.items() if v is not None})
    else:
        row.action = "add"
    row.user_id, row.reason, row.updated_at = user.id, reason, utcnow()
    session.flush()
    session.add(AuditRow(user_id=user.id, actor=user.name, action=f"correction.{action}",
                         entity="fact", entity_id=f"{row.document_id}:{row.fact_key}",
                         before=before, after=correction_snapshot(row), reason=reason))
    return True


def add_missed(session: Session, user: Principal, cur: Current, doc: Document | None,
               span: tuple[int, int], selected: str, form: dict[str, str],
               reason: str | None) -> Outcome:
    """Add the figure at ``span`` (the reviewer's selection) as a fact the extractor missed."""
    review = lock_review(session, cur.document_id)
    x = session.get(ExtractionRow, cur.extraction_id)
    assert x is not None
    start, end = span
    if not (0 <= start < end <= len(x.text)) or end - start > MAX_ADDED:
        raise InvalidInput(f"Đoạn bôi đen: từ 1 đến {MAX_ADDED} ký tự của văn bản")
    if x.text[start:end] != selected:
        raise InvalidInput("Đoạn bôi đen không khớp với văn bản")
    key = fact_key(selected, span, x.text)
    _not_a_duplicate(session, cur, x.id, start, end)
    if correction_of(session, cur.document_id, key) is not None:
        raise InvalidInput("Đoạn bôi đen đã là một số liệu")
    fields = dict(form)
    if not fields.get("value", "").strip():
        fields["value"] = selected
    if fields.get("unit", "").strip():
        fields["unit"] = canonical_unit(fields["unit"])
    empty = {n: None for n in COMPARED_FIELDS}
    values = read_fields(fields, empty, x.period_year)
    before = stored_checks(session, cur.extraction_id)
    try:
        row = add_fact(session, x, span, {n: v for n, v in values.items() if v is not None},
                       actor=user.name, user_id=user.id, reason=reason)
    except IntegrityError as e:
        raise Conflict("người khác vừa thêm số liệu này cùng lúc", key) from e
    _in_review(session, review, user)
    return _rerun(session, user, cur, doc, key, f"a{row.id}", before, [key])


def _not_a_duplicate(session: Session, cur: Current, extraction_id: int, start: int,
                     end: int) -> None:
    """Refuse a selection that overlaps a fact already there (extracted, or added by a
    reviewer and not set aside): the reviewer is offered to edit that fact instead."""
    hit = session.execute(select(FactRow.key, FactRow.ordinal).where(
        FactRow.extraction_id == extraction_id, FactRow.span_start < end,
        FactRow.span_end > start).order_by(FactRow.span_start).limit(1)).first()
    if hit is not None:
        raise Overlap(f"Đoạn bôi đen trùng với số liệu {hit[1]} đã có: hãy sửa số liệu đó",
                      hit[0], hit[1])
    added = session.execute(select(CorrectionRow.fact_key, CorrectionRow.id).where(
        CorrectionRow.document_id == cur.document_id, CorrectionRow.span_start.is_not(None),
        CorrectionRow.span_start < end, CorrectionRow.span_end > start).limit(1)).first()
    if added is not None:
        raise Overlap(f"Đoạn bôi đen trùng với số liệu a{added[1]} đã có: hãy sửa số liệu đó",
                      added[0], f"a{added[1]}")


def canonical_unit(typed_unit: str) -> str:
    """The unit as the extractor's vocabulary spells it, when the reviewer typed a known unit
    in other case, without diacritics or with extra spaces ("Ho so" → "hồ sơ"), so the added
    fact lands in the same unit family as its total (``units.unit_family``)."""
    from baocao.review.units import known_unit

    cleaned = " ".join(typed_unit.split())
    return known_unit(cleaned) or cleaned


def _rerun(session: Session, user: Principal, cur: Current, doc: Document | None, key: str,
           fid: str, before: list[dict[str, Any]], keys: list[str] | None = None) -> Outcome:
    """Rerun the checks (when the Document is at hand) and audit which statuses moved."""
    if doc is None:
        return Outcome(key, keys=keys or [key])
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
    return Outcome(key, audit.id, changes, True, keys=keys or [key])


def mark_reviewed(session: Session, user: Principal, document_id: int, expected: int,
                  reason: str | None) -> None:
    """The document is reviewed: state and reviewer, audited. Refused while a re-ingest's
    differences with reviewers' corrections (flags) are open: each is seen and decided on the
    flags page (apply again / drop), never resolved unseen by this button."""
    review = lock_review(session, document_id)
    if review.version != expected:
        raise Conflict("trạng thái rà soát đã được người khác đổi từ khi bạn mở trang")
    open_flags = session.scalar(select(func.count()).select_from(FlagRow).where(
        FlagRow.document_id == document_id, FlagRow.resolved_at.is_(None))) or 0
    if open_flags:
        raise InvalidInput(f"còn {open_flags} khác biệt sau khi nhập lại chưa xử lý: hãy xem "
                           f"và quyết định từng khác biệt ở /doc/{document_id}/flags trước")
    before = {"state": review.state, "reviewer_id": review.reviewer_id}
    now = utcnow()
    review.state, review.reviewer_id, review.updated_at = "reviewed", user.id, now
    try:
        session.flush()
    except StaleDataError as e:
        raise Conflict("trạng thái rà soát vừa được người khác đổi cùng lúc") from e
    session.add(AuditRow(user_id=user.id, actor=user.name, action="review.reviewed",
                         entity="review", entity_id=str(document_id), before=before,
                         after={"state": "reviewed", "reviewer_id": user.id}, reason=reason))


# ── undo, a section at once, comments ──────────────────────────────────────────────────

DECISIONS = ("correction.confirm", "correction.edit", "correction.reject", "correction.add",
             "correction.accept", "correction.correct")


def _last_decision(session: Session, user: Principal, document_id: int) -> AuditRow | None:
    """The user's latest decision on the document not undone yet (a fact's, or a batch)."""
    undone: set[int] = set()
    on_doc = (((AuditRow.entity == "fact") & AuditRow.entity_id.like(f"{document_id}:%"))
              | ((AuditRow.entity == "review") & (AuditRow.entity_id == str(document_id))))
    for after, in session.execute(select(AuditRow.after).where(
            AuditRow.action == "correction.undo", on_doc)):
        undone.update(int(i) for i in (after or {}).get("undoes") or [])
    of_fact = ((AuditRow.entity == "fact") & AuditRow.entity_id.like(f"{document_id}:%")
               & AuditRow.action.in_(DECISIONS))
    batch = ((AuditRow.entity == "review") & (AuditRow.entity_id == str(document_id))
             & (AuditRow.action == "correction.batch"))
    for row in session.scalars(select(AuditRow).where(AuditRow.user_id == user.id,
                                                       of_fact | batch)
                               .order_by(AuditRow.id.desc()).limit(500)):
        if row.id not in undone:
            return row
    return None


def _restore(row: CorrectionRow, snapshot: dict[str, Any], year: int | None) -> None:
    """Put a correction back as an audit snapshot recorded it."""
    row.action = snapshot["action"]
    values: dict[str, Any] = {}
    for name in snapshot.get("fields") or []:
        value = snapshot.get(name)
        if name == "period" and isinstance(value, str):
            value = parse_period_field(value, year)
        values[name] = value
    _assign(row, values)
    row.reason, row.user_id, row.updated_at = snapshot.get("reason"), snapshot.get("user_id"), \
        utcnow()


def _undo_one(session: Session, user: Principal, cur: Current, decision: AuditRow,
              year: int | None, effects: dict[str, Any], expected: int | None = None) -> str:
    """Restore the correction ``decision`` made to the state it had before; audits
    ``correction.undo``. Conflict when someone changed the fact since (its version moved)."""
    key = decision.entity_id.split(":", 1)[1]
    row = correction_of(session, cur.document_id, key)
    effects[key] = _effect(row)
    made = (decision.after or {}).get("version")
    if row is None or row.version != made or (expected is not None and row.version != expected):
        raise Conflict("số liệu đã được sửa sau quyết định của bạn: không hoàn tác được", key)
    now = correction_snapshot(row)
    before = decision.before
    if before is None:  # there was no correction: the fact goes back to as extracted
        if session.scalar(select(FlagRow.id).where(FlagRow.correction_id == row.id).limit(1)):
            raise Conflict("lần nhập lại đã đánh dấu khác biệt cho bản sửa này: xem trang khác biệt", key)
        session.delete(row)
        after: dict[str, Any] = {"action": "extracted", "fields": []}
    else:
        _restore(row, before, year)
        session.flush()
        after = correction_snapshot(row)
    session.flush()
    session.add(AuditRow(user_id=user.id, actor=user.name, action="correction.undo",
                         entity="fact", entity_id=f"{cur.document_id}:{key}", before=now,
                         after={**after, "undoes": [decision.id]}, reason=None))
    return key


def undo_last(session: Session, user: Principal, cur: Current, doc: Document | None,
              key: str | None = None, expected: int | None = None) -> Outcome:
    """Undo the user's last decision on the document (a batch: all of it), through the same
    lock and version comparison as a decision. ``key``/``expected``: the fact and version
    the reviewer's screen shows as their last decision (Conflict when it is not)."""
    review = lock_review(session, cur.document_id)
    decision = _last_decision(session, user, cur.document_id)
    if decision is None:
        raise InvalidInput("không có gì để hoàn tác: bạn chưa quyết định số liệu nào của văn bản này")
    before = stored_checks(session, cur.extraction_id)
    year = _year(session, cur)
    effects: dict[str, Any] = {}  # each fact's effect on the checks before the undo
    try:
        if decision.action == "correction.batch":
            ids = [int(i) for i in (decision.after or {}).get("audits") or []]
            rows = list(session.scalars(select(AuditRow).where(AuditRow.id.in_(ids))
                                        .order_by(AuditRow.id.desc()))) if ids else []
            keys = [_undo_one(session, user, cur, r, year, effects) for r in rows]
            session.add(AuditRow(user_id=user.id, actor=user.name, action="correction.undo",
                                 entity="review", entity_id=str(cur.document_id),
                                 before=None, after={"action": "extracted", "fields": [],
                                                     "undoes": [decision.id], "keys": keys}))
        else:
            target = decision.entity_id.split(":", 1)[1]
            if key is not None and key != target:
                raise Conflict("quyết định cuối của bạn là ở số liệu khác: hãy tải lại trang", key)
            keys = [_undo_one(session, user, cur, decision, year, effects, expected)]
        session.flush()
    except (StaleDataError, IntegrityError) as e:
        raise Conflict("số liệu này vừa được người khác sửa cùng lúc", key) from e
    _in_review(session, review, user)
    if all(_effect(correction_of(session, cur.document_id, k)) == effects.get(k) for k in keys
           ) and _checks_current(session, cur, before):
        return Outcome(keys[0] if keys else "", keys=keys)
    fid = _fact_id(session, cur, keys[0]) if keys else ""
    return _rerun(session, user, cur, doc, keys[0] if keys else "", fid, before, keys)


def _fact_id(session: Session, cur: Current, key: str) -> str:
    ordinal = session.scalar(select(FactRow.ordinal).where(
        FactRow.extraction_id == cur.extraction_id, FactRow.key == key))
    if ordinal is not None:
        return str(ordinal)
    row = correction_of(session, cur.document_id, key)
    return f"a{row.id}" if row is not None else ""


def accept_section(session: Session, user: Principal, cur: Current, doc: Document | None,
                   section: str | None, keys: list[str] | None, reason: str | None) -> Outcome:
    """Confirm every undecided extracted fact of ``section`` (None: outside numbered
    sections) as one audited batch (``correction.batch`` listing each fact's audit row).

    ``keys``: the undecided facts the reviewer's screen listed; if one of them was decided
    by someone since, nothing is saved (Conflict). Without keys (the form without script):
    whatever is undecided in the section now.
    """
    review = lock_review(session, cur.document_id)
    decided = set(session.scalars(select(CorrectionRow.fact_key).where(
        CorrectionRow.document_id == cur.document_id)))
    facts = list(session.scalars(select(FactRow).where(
        FactRow.extraction_id == cur.extraction_id,
        FactRow.section.is_(None) if section is None else FactRow.section == section)
        .order_by(FactRow.span_start, FactRow.id)))
    if keys is not None:
        wanted = set(keys)
        if wanted & decided:
            raise Conflict("người khác vừa quyết định một số số liệu của mục này: hãy tải lại trang")
        facts = [f for f in facts if f.key in wanted]
    else:
        facts = [f for f in facts if f.key not in decided]
    if not facts:
        raise InvalidInput("mục này không còn số liệu chưa xử lý")
    before = stored_checks(session, cur.extraction_id)
    try:
        for fact in facts:
            correct_fact(session, fact, "confirm", actor=user.name, user_id=user.id,
                         reason=reason, expected_version=None)
        session.flush()
    except (StaleDataError, StaleCorrectionError, IntegrityError) as e:
        raise Conflict("một số liệu của mục này vừa được quyết định cùng lúc") from e
    done = [f.key for f in facts]
    audits = list(session.scalars(select(AuditRow.id).where(
        AuditRow.user_id == user.id, AuditRow.action == "correction.confirm",
        AuditRow.entity_id.in_([f"{cur.document_id}:{k}" for k in done]))
        .order_by(AuditRow.id.desc()).limit(len(done))))
    session.add(AuditRow(user_id=user.id, actor=user.name, action="correction.batch",
                         entity="review", entity_id=str(cur.document_id), before=None,
                         after={"action": "confirm", "fields": [], "section": section,
                                "confirmed": len(done), "keys": done, "audits": audits},
                         reason=reason))
    _in_review(session, review, user)
    if _checks_current(session, cur, before):  # confirming changes no fact the checks see
        return Outcome(done[0], keys=done)
    return _rerun(session, user, cur, doc, done[0], facts[0].ordinal, before, done)


MAX_COMMENT = 2000


def add_comment(session: Session, user: Principal, cur: Current, key: str, body: str
                ) -> CommentRow:
    """A reviewer's note on a fact of the document (stored and audited; shown escaped)."""
    text = body.replace("\x00", "").strip()
    if not text:
        raise InvalidInput("Ghi chú trống")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"Ghi chú: tối đa {MAX_COMMENT} ký tự")
    known = session.scalar(select(FactRow.id).where(FactRow.extraction_id == cur.extraction_id,
                                                    FactRow.key == key).limit(1))
    if known is None and correction_of(session, cur.document_id, key) is None:
        raise InvalidInput("văn bản này không có số liệu đó")
    row = CommentRow(document_id=cur.document_id, fact_key=key, user_id=user.id, body=text)
    session.add(row)
    session.flush()
    session.add(AuditRow(user_id=user.id, actor=user.name, action="comment.add", entity="fact",
                         entity_id=f"{cur.document_id}:{key}", before=None,
                         after={"comment": row.id, "body": text}))
    return row


def comments_of(session: Session, document_id: int, key: str) -> list[dict[str, Any]]:
    """The comments on a fact, oldest first, with their author's name."""
    from baocao.store.models import UserRow

    rows = session.execute(select(CommentRow, UserRow.name).outerjoin(
        UserRow, UserRow.id == CommentRow.user_id).where(
        CommentRow.document_id == document_id, CommentRow.fact_key == key)
        .order_by(CommentRow.id)).all()
    return [{"id": c.id, "author": name or "", "body": c.body, "at": c.created_at}
            for c, name in rows]
