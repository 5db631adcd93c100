"""The history pages: audit rows of a fact, of a document, or of everything (admins).

Audit rows are read, never changed. Each is shown with who, when, what, the fields that moved
from before to after, and the reason given; a check rerun shows the statuses that moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from baocao.review.view import show_number
from baocao.store.models import AuditRow, FactRow
from baocao.store.repository import COMPARED_FIELDS

SHOWN_FIELDS = ("action", "kind", "value", "denominator", "unit", "label", "indicator",
                "period", "subject", "state")
LIMIT = 500
Extracted = dict[str, dict[str, Any]]  # fact key → its extracted fields


@dataclass
class Entry:
    id: int
    at: datetime | None
    actor: str
    action: str
    entity: str
    entity_id: str
    fact_key: str | None
    diffs: list[tuple[str, Any, Any]]
    checks: list[dict[str, Any]]
    reason: str | None


def _diffs(before: dict[str, Any] | None, after: dict[str, Any] | None
           ) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields that differ, in a stable order."""
    before, after = before or {}, after or {}
    if "changes" in after:  # a check rerun: the failed count
        return [("failed checks", before.get("failed"), after.get("failed"))]
    names = [n for n in SHOWN_FIELDS if n in before or n in after]
    names += sorted(n for n in {*before, *after} - {*SHOWN_FIELDS, "version", "user_id",
                                                     "reason", "fields"})
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("text")
    return show_number(value) if name in ("value", "denominator") and value is not None else value


def _correction_diffs(before: dict[str, Any] | None, after: dict[str, Any],
                      extracted: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """What a correction changed, against the previous correction or, for the first one,
    against the fact as extracted (so "value: 180 → 150", not "— → 150")."""
    old = before or {"action": "extracted", "fields": []}
    out: list[tuple[str, Any, Any]] = []
    if old.get("action") != after.get("action"):
        out.append(("action", old.get("action"), after.get("action")))
    fields = {*(old.get("fields") or []), *(after.get("fields") or [])}
    for name in COMPARED_FIELDS:
        if name not in fields:
            continue
        was = old.get(name) if name in (old.get("fields") or []) else extracted.get(name)
        now = after.get(name) if name in (after.get("fields") or []) else extracted.get(name)
        if _shown(name, was) != _shown(name, now):
            out.append((name, _shown(name, was), _shown(name, now)))
    return out


def entry(row: AuditRow, extracted: Extracted | None = None) -> Entry:
    key = row.entity_id.split(":", 1)[1] if row.entity == "fact" and ":" in row.entity_id else None
    if row.action.startswith("correction.") and row.after is not None:
        diffs = _correction_diffs(row.before, row.after, (extracted or {}).get(key or "", {}))
    else:
        diffs = _diffs(row.before, row.after)
    return Entry(row.id, row.at, row.actor, row.action, row.entity, row.entity_id, key, diffs,
                 list((row.after or {}).get("changes") or []), row.reason)


def _extracted(session: Session, rows: list[AuditRow]) -> Extracted:
    """The extracted fields of the facts these rows are about (latest extraction first)."""
    pairs = {tuple(r.entity_id.split(":", 1)) for r in rows
             if r.entity == "fact" and r.action.startswith("correction.") and ":" in r.entity_id}
    out: Extracted = {}
    for doc, key in pairs:
        if not doc.isdigit():
            continue
        data = session.scalar(select(FactRow.data).where(FactRow.document_id == int(doc),
                                                         FactRow.key == key)
                              .order_by(FactRow.id.desc()).limit(1))
        if data is not None:
            out[key] = {name: data.get(name) for name in COMPARED_FIELDS}
    return out


def _run(session: Session, query: Select[Any]) -> list[Entry]:
    rows = list(session.scalars(query.order_by(AuditRow.id.desc()).limit(LIMIT)))
    extracted = _extracted(session, rows)
    return [entry(r, extracted) for r in rows]


def fact_history(session: Session, document_id: int, key: str) -> list[Entry]:
    return _run(session, select(AuditRow).where(AuditRow.entity == "fact",
                                                AuditRow.entity_id == f"{document_id}:{key}"))


def document_history(session: Session, document_id: int) -> list[Entry]:
    facts = (AuditRow.entity == "fact") & AuditRow.entity_id.like(f"{document_id}:%")
    review = (AuditRow.entity == "review") & (AuditRow.entity_id == str(document_id))
    return _run(session, select(AuditRow).where(or_(facts, review)))


def all_history(session: Session) -> list[Entry]:
    return _run(session, select(AuditRow))


def audit_row(session: Session, audit_id: int, document_id: int) -> AuditRow | None:
    """A check-rerun row of this document (what the page shows right after a save)."""
    row = session.get(AuditRow, audit_id)
    if row is None or row.action != "checks.rerun" or not row.entity_id.startswith(
            f"{document_id}:"):
        return None
    return row
