"""The history pages: audit rows of a fact, of a document, or of everything (admins).

Audit rows are read, never changed. Each is shown with who, when (Vietnam time), what (in
Vietnamese: ``review/data/labels_vi.yaml``), the fields that moved from before to after, and
the reason given; a check rerun shows the statuses that moved. Each entry links to what it is
about: the fact page when the fact is in the document's current extraction (or is a fact a
reviewer added), else the document's flags page, where a correction a re-ingest orphaned is
listed (so no history link answers 404); a metadata or assignment entry links to the
document's metadata page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from baocao.review.sources import current
from baocao.review.view import show_number
from baocao.review.words import label
from baocao.store.models import AuditRow, CorrectionRow, FactRow
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
    link: str | None = None
    fact_name: str | None = None  # "f7: 150 hồ sơ" for a fact of the current extraction

    @property
    def what(self) -> str:
        """The action in Vietnamese."""
        return label("audit", self.action)

    @property
    def document_id(self) -> int | None:
        head = self.entity_id.split(":", 1)[0]
        return int(head) if self.entity in ("fact", "review", "document") and head.isdigit(
            ) else None


def shown_value(name: str, value: Any) -> Any:
    """A field's value as a reviewer reads it: codes in Vietnamese, numbers vi-VN style."""
    if value is None:
        return None
    if name == "state":
        return label("state", value)
    if name == "action":
        return label("correction", value) if value != "extracted" else "như trích xuất"
    if name == "verdict":
        return label("verdict", value)
    if name == "kind":
        from baocao.review.doc_labels import labels

        return labels().of("kinds", value)
    if name == "period" and isinstance(value, dict):
        return value.get("text")
    if name in ("value", "denominator", "failed checks") and isinstance(value, int | float):
        return show_number(value)
    return value


def _diffs(before: dict[str, Any] | None, after: dict[str, Any] | None
           ) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields that differ, in a stable order."""
    before, after = before or {}, after or {}
    if "changes" in after:  # a check rerun: the failed count
        return [("failed checks", before.get("failed"), after.get("failed"))]
    names = [n for n in SHOWN_FIELDS if n in before or n in after]
    names += sorted(n for n in {*before, *after} - {*SHOWN_FIELDS, "version", "user_id",
                                                     "reason", "fields", "extracted",
                                                     "correction", "flag"})
    return [(n, shown_value(n, before.get(n)), shown_value(n, after.get(n))) for n in names
            if before.get(n) != after.get(n) and not isinstance(before.get(n) or after.get(n),
                                                                dict | list)]


def _special_diffs(row: AuditRow) -> list[tuple[str, Any, Any]] | None:
    """Metadata corrections (against the extracted values), flags, second reviews."""
    before, after = row.before or {}, row.after or {}
    if row.action == "document.edit":
        extracted = after.get("extracted") or {}
        names = sorted({*(before.get("fields") or []), *(after.get("fields") or [])})
        out = []
        for n in names:
            was = before.get(n) if n in (before.get("fields") or []) else extracted.get(n)
            now = after.get(n) if n in (after.get("fields") or []) else extracted.get(n)
            if was != now:
                out.append((n, was, now))
        return out
    if row.action.startswith("flag."):
        return [("flag", label("flag", before.get("kind")), label("audit", row.action))]
    if row.action == "review.second":
        return [("verdict", None, label("verdict", after.get("verdict")))]
    if row.action.startswith("assignment."):
        return [("assignment", (before or {}).get("user"), (after or {}).get("user"))]
    return None


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
    return [(n, shown_value(n, b), shown_value(n, a)) for n, b, a in out]


def entry(row: AuditRow, extracted: Extracted | None = None) -> Entry:
    key = row.entity_id.split(":", 1)[1] if row.entity == "fact" and ":" in row.entity_id else None
    special = _special_diffs(row)
    if special is not None:
        diffs = special
    elif row.action.startswith("correction.") and row.after is not None:
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
    entries = [entry(r, extracted) for r in rows]
    _link(session, entries)
    return entries


def _link(session: Session, entries: list[Entry]) -> None:
    """Where each entry's link goes: a fact page only for a fact the page can show."""
    wanted: dict[int, set[str]] = {}
    for e in entries:
        if e.fact_key and e.document_id is not None:
            wanted.setdefault(e.document_id, set()).add(e.fact_key)
    shown: set[tuple[int, str]] = set()
    for doc, keys in wanted.items():
        cur = current(session, doc)
        if cur is None:
            continue
        named = {k: (o, t, u) for k, o, t, u in session.execute(
            select(FactRow.key, FactRow.ordinal, FactRow.value_text, FactRow.unit).where(
                FactRow.extraction_id == cur.extraction_id, FactRow.key.in_(keys)))}
        for e in entries:
            if e.document_id == doc and e.fact_key in named:
                ordinal, value, unit = named[e.fact_key]
                e.fact_name = f"{ordinal}: {' '.join(p for p in (value, unit) if p)}"[:80]
        found = set(named)
        found |= set(session.scalars(select(CorrectionRow.fact_key).where(
            CorrectionRow.document_id == doc, CorrectionRow.fact_key.in_(keys),
            CorrectionRow.span_start.is_not(None))))
        shown |= {(doc, k) for k in found}
    for e in entries:
        of = e.document_id
        if of is None:
            continue
        if e.fact_key:
            e.link = (f"/doc/{of}/fact/{e.fact_key}" if (of, e.fact_key) in shown
                      else f"/doc/{of}/flags#k-{e.fact_key}")
        elif e.action == "flag" or e.action.startswith("flag."):
            e.link = f"/doc/{of}/flags"
        elif e.entity == "document":
            e.link = f"/doc/{of}/meta"
        else:
            e.link = f"/doc/{of}"


def fact_history(session: Session, document_id: int, key: str) -> list[Entry]:
    return _run(session, select(AuditRow).where(AuditRow.entity == "fact",
                                                AuditRow.entity_id == f"{document_id}:{key}"))


def document_history(session: Session, document_id: int) -> list[Entry]:
    facts = (AuditRow.entity == "fact") & AuditRow.entity_id.like(f"{document_id}:%")
    whole = AuditRow.entity.in_(("review", "document")) & (AuditRow.entity_id == str(document_id))
    return _run(session, select(AuditRow).where(or_(facts, whole)))


def all_history(session: Session) -> list[Entry]:
    return _run(session, select(AuditRow))


def audit_row(session: Session, audit_id: int, document_id: int) -> AuditRow | None:
    """A check-rerun row of this document (what the page shows right after a save)."""
    row = session.get(AuditRow, audit_id)
    if row is None or row.action != "checks.rerun" or not row.entity_id.startswith(
            f"{document_id}:"):
        return None
    return row
