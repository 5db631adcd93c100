"""Flags of a re-ingest: where a new extraction differs from a reviewer's correction.

``flag_views`` lists a document's flags with the correction as it stands, the value as newly
extracted and the value the flag was raised on. ``decide`` settles one flag:

- ``apply`` (áp dụng lại): the correction keeps applying to the new extraction. A correction
  that *confirmed* the old value becomes an edit carrying that old value (a confirmation
  applies to whatever is extracted, so keeping it would silently take the new value); an
  edit, an added fact, or a correction whose fact is no longer extracted stay as they are.
- ``drop`` (bỏ): the new extraction stands; the correction becomes a confirmation of the
  fact as extracted now (of the old fact when it is no longer extracted), written by
  ``store.repository.correct_fact``, the audited path every fact decision takes.

Either way the flag is resolved by the user who decided, audited ``flag.apply`` or
``flag.drop`` with the flag and the correction before and after. The correction's version
on the reviewer's screen is compared with the stored one (``Conflict`` on a change), and the
document's review row is locked for the transaction, as for every fact decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from baocao.review.actions import Conflict, InvalidInput, lock_review
from baocao.review.auth import Principal
from baocao.review.history import shown_value
from baocao.review.sources import Current
from baocao.store.models import (
    AuditRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    UserRow,
    utcnow,
)
from baocao.store.repository import (
    COMPARED_FIELDS,
    StaleCorrectionError,
    correct_fact,
    correction_snapshot,
    correction_value,
)
from baocao.store.rows import _SPACES, CONTEXT_CHARS

DECISIONS = ("apply", "drop")


@dataclass
class FlagView:
    id: int
    key: str
    kind: str
    label: str | None
    action: str                              # the correction's action
    version: int                             # the correction's version
    rows: list[tuple[str, Any, Any]]         # (field, corrected, extracted now)
    corrected_by: str | None
    reason: str | None
    created_at: Any
    resolved_at: Any = None
    resolved_by: str | None = None
    in_extraction: bool = False
    successor: tuple[str, str] | None = None  # (key, ordinal) of the fact that took its place


def _compared(name: str, data: dict[str, Any] | None) -> Any:
    if data is None:
        return None
    value = data.get(name)
    return value.get("text") if name == "period" and isinstance(value, dict) else value


def flag_views(session: Session, cur: Current) -> list[FlagView]:
    """Every flag of the document, open ones first, newest first."""
    flags = list(session.scalars(select(FlagRow).where(FlagRow.document_id == cur.document_id)
                                 .order_by(FlagRow.resolved_at.is_not(None), FlagRow.id.desc())))
    if not flags:
        return []
    corrections = {c.id: c for c in session.scalars(select(CorrectionRow).where(
        CorrectionRow.id.in_({f.correction_id for f in flags})))}
    facts = {k: d for k, d in session.execute(select(FactRow.key, FactRow.data).where(
        FactRow.extraction_id == cur.extraction_id,
        FactRow.key.in_({f.fact_key for f in flags})))}
    ids = {c.user_id for c in corrections.values() if c.user_id} | {
        f.resolved_by for f in flags if f.resolved_by}
    users: dict[int, str] = {i: n for i, n in session.execute(
        select(UserRow.id, UserRow.name).where(UserRow.id.in_(ids)))} if ids else {}
    out = []
    for flag in flags:
        c = corrections[flag.correction_id]
        now = facts.get(flag.fact_key)
        old = session.get(FactRow, c.base_fact_id) if c.base_fact_id else None
        after = successor(session, old, cur) if now is None and old is not None else None
        if after is not None:
            now = after.data
        if c.action in ("edit", "add"):
            names = [n for n in c.fields or [] if n in COMPARED_FIELDS]
            wanted = {n: correction_value(c, n) for n in names}
        else:  # confirm: the values confirmed were the old fact's
            names = list((flag.detail or {}).get("fields") or COMPARED_FIELDS)
            wanted = {n: _compared(n, old.data if old else None) for n in names}
        rows = [(n, shown_value(n, wanted.get(n)), shown_value(n, _compared(n, now)))
                for n in names]
        label = c.label or (now or {}).get("label") or (old.data.get("label") if old else None)
        out.append(FlagView(flag.id, flag.fact_key, flag.kind, label, c.action, c.version, rows,
                            users.get(c.user_id) if c.user_id else None, c.reason,
                            flag.created_at, flag.resolved_at,
                            users.get(flag.resolved_by) if flag.resolved_by else None,
                            flag.fact_key in facts,
                            (after.key, after.ordinal) if after is not None else None))
    return out


def _context(text: str, span: tuple[int, int]) -> tuple[str, str]:
    left = _SPACES.sub(" ", text[max(0, span[0] - CONTEXT_CHARS):span[0]]).strip()
    right = _SPACES.sub(" ", text[span[1]:span[1] + CONTEXT_CHARS]).strip()
    return left, right


def successor(session: Session, old: FactRow, cur: Current) -> FactRow | None:
    """The fact of the current extraction that took the place of ``old`` when its figure
    changed (a fact's key includes its figure, so "180" re-ingested as "170" is a new key):
    a fact of the same kind with the same words on both sides of it (the context the key is
    made of), else with the same label and the same words on one side. None when no fact, or
    more than one, fits: a reviewer is never shown a guess between two."""
    old_x = session.get(ExtractionRow, old.extraction_id)
    if old_x is None:
        return None
    left, right = _context(old_x.text, (old.span_start, old.span_end))
    new_x = session.get(ExtractionRow, cur.extraction_id)
    assert new_x is not None
    candidates = list(session.scalars(select(FactRow).where(
        FactRow.extraction_id == cur.extraction_id, FactRow.kind == old.kind,
        FactRow.text != old.text)))
    both, one = [], []
    for f in candidates:
        l2, r2 = _context(new_x.text, (f.span_start, f.span_end))
        if (l2, r2) == (left, right):
            both.append(f)
        elif (l2 == left or r2 == right) and f.label and f.label == old.label:
            one.append(f)
    found = both or one
    return found[0] if len(found) == 1 else None


def decide(session: Session, user: Principal, cur: Current, flag_id: int, decision: str,
           expected: int, reason: str | None) -> FlagRow:
    """Apply again or drop the correction of flag ``flag_id``; resolve the flag (audited)."""
    if decision not in DECISIONS:
        raise InvalidInput("chọn: áp dụng lại hoặc bỏ bản sửa")
    lock_review(session, cur.document_id)
    flag = session.scalar(select(FlagRow).where(FlagRow.id == flag_id,
                                                FlagRow.document_id == cur.document_id)
                          .with_for_update())
    if flag is None:
        raise InvalidInput("không có khác biệt này")
    if flag.resolved_at is not None:
        raise Conflict("khác biệt này đã được người khác xử lý")
    c = session.get(CorrectionRow, flag.correction_id)
    assert c is not None
    if c.version != expected:
        raise Conflict("bản sửa này vừa được người khác thay đổi", flag.fact_key)
    before = correction_snapshot(c)
    fact = session.scalar(select(FactRow).where(FactRow.extraction_id == cur.extraction_id,
                                                FactRow.key == flag.fact_key))
    try:
        if decision == "drop":
            target = fact or (session.get(FactRow, c.base_fact_id) if c.base_fact_id else None)
            if target is None:
                raise InvalidInput("số liệu này không còn trong văn bản để bỏ bản sửa")
            correct_fact(session, target, "confirm", actor=user.name, user_id=user.id,
                         reason=reason, expected_version=c.version)
        elif c.action == "confirm" and fact is not None:
            old = session.get(FactRow, c.base_fact_id) if c.base_fact_id else None
            wanted = {n: _compared(n, old.data) for n in COMPARED_FIELDS} if old else {}
            changes = {n: v for n, v in wanted.items() if _compared(n, fact.data) != v}
            correct_fact(session, fact, "edit" if changes else "confirm", changes,
                         actor=user.name, user_id=user.id, reason=reason,
                         expected_version=c.version)
        flag.resolved_by, flag.resolved_at = user.id, utcnow()
        session.flush()
    except (StaleDataError, StaleCorrectionError) as e:
        raise Conflict("bản sửa này vừa được người khác thay đổi cùng lúc", flag.fact_key) from e
    session.add(AuditRow(user_id=user.id, actor=user.name, action=f"flag.{decision}",
                         entity="fact", entity_id=f"{cur.document_id}:{flag.fact_key}",
                         before={"flag": flag.id, "kind": flag.kind, "correction": before},
                         after={"flag": flag.id, "resolved": True,
                                "correction": correction_snapshot(c)}, reason=reason))
    return flag
