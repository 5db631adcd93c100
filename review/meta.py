"""Correcting a document's metadata, assigning documents, and the unplaced documents.

A metadata correction (``save_meta``) works like a fact's: one transaction that locks the
document's review row, compares the version of the correction the reviewer's form showed
(0: none) with the stored one and raises ``Conflict`` when someone saved in between, writes
``document_edits`` (SQLAlchemy's version counter catches a race the lock would miss) and
audits ``document.edit`` with the fields before and after and the reason. A field the
reviewer leaves empty, or sets to the extracted value, is not a correction: the extraction's
value applies. The place is chosen among the known places (``review.access``), written as
the vocabulary spells it; a date must be a real date (a day that exists, or a month, or a
year).

Assignments (``assign``, ``unassign``) are an admin's: audited ``assignment.add`` and
``assignment.remove``; the assignee must be an active reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from baocao.extractor.numbers import parse_date
from baocao.review.access import META_FIELDS, canonical_place, effective_meta
from baocao.review.actions import Conflict, InvalidInput, lock_review
from baocao.review.auth import Principal
from baocao.store.models import (
    AssignmentRow,
    AuditRow,
    DocumentEditRow,
    DocumentRow,
    ExtractionRow,
    UserRow,
    VersionRow,
    utcnow,
)

LIMITS = {"place": 200, "doc_type": 100, "number": 100, "date_value": 40, "title": 1000}
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SLASHED = re.compile(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})")


def _clean(name: str, text: str) -> str:
    value = " ".join((text or "").split())
    if "\x00" in (text or "") or any(ord(c) < 32 for c in value):
        raise InvalidInput(f"{name}: có ký tự điều khiển")
    if len(value) > LIMITS[name]:
        raise InvalidInput(f"{name}: quá {LIMITS[name]} ký tự")
    return value


def read_date(text: str) -> str | None:
    """A real date as ISO text: 30/6/2024, 2024-06-30, 6/2024, 2024-06 or 2024."""
    raw = text.strip()
    if not raw:
        return None
    iso = _ISO.fullmatch(raw)
    slashed = _SLASHED.fullmatch(raw)
    if iso:
        year, month, day = int(iso[1]), iso[2] and int(iso[2]), iso[3] and int(iso[3])
    elif slashed:
        year, month, day = int(slashed[3]), int(slashed[2]), slashed[1] and int(slashed[1])
    else:
        found = parse_date(raw)
        value = found.iso() if found is not None else None
        if not value:
            raise InvalidInput(f"ngày văn bản: {raw!r} không phải là ngày (30/6/2024)")
        return value
    if not 1900 <= year <= 2100:
        raise InvalidInput(f"ngày văn bản: năm {year} ngoài 1900-2100")
    try:
        date(year, month or 1, day or 1)
    except ValueError as e:
        raise InvalidInput(f"ngày văn bản: {raw!r} không có thật") from e
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def read_meta(form: dict[str, str]) -> dict[str, str | None]:
    """The metadata fields of the form, checked; None where the reviewer left a field empty."""
    out: dict[str, str | None] = {}
    for name in META_FIELDS:
        value = _clean(name, form.get(name, ""))
        if name == "place" and value:
            place = canonical_place(value)
            if place is None:
                raise InvalidInput(f"địa bàn: {value!r} không phải là địa bàn đã biết "
                                   "(chọn trong danh sách)")
            value = place
        elif name == "date_value" and value:
            value = read_date(value) or ""
        out[name] = value or None
    return out


def _snapshot(edit: DocumentEditRow | None) -> dict[str, Any] | None:
    if edit is None:
        return None
    return {"fields": list(edit.fields or []), "version": edit.version,
            **{n: getattr(edit, n) for n in META_FIELDS}}


def save_meta(session: Session, user: Principal, document_id: int, values: dict[str, Any],
              expected: int, reason: str | None) -> DocumentEditRow:
    """Record the reviewer's metadata for ``document_id`` (audited); raises Conflict."""
    lock_review(session, document_id)
    edit = session.scalar(select(DocumentEditRow).where(
        DocumentEditRow.document_id == document_id).with_for_update())
    if (edit.version if edit is not None else 0) != expected:
        raise Conflict("thông tin văn bản vừa được người khác sửa")
    meta = effective_meta(session, document_id)
    extracted = {n: meta["extracted"].get(n, meta[n]) for n in META_FIELDS}
    fields = sorted(n for n in META_FIELDS
                    if values.get(n) is not None and values[n] != extracted[n])
    before = _snapshot(edit)
    if edit is None:
        edit = DocumentEditRow(document_id=document_id)
        session.add(edit)
    edit.fields = fields
    for name in META_FIELDS:
        setattr(edit, name, values.get(name) if name in fields else None)
    edit.user_id, edit.reason, edit.updated_at = user.id, reason, utcnow()
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as e:
        raise Conflict("thông tin văn bản vừa được người khác sửa cùng lúc") from e
    after = _snapshot(edit) or {}
    session.add(AuditRow(user_id=user.id, actor=user.name, action="document.edit",
                         entity="document", entity_id=str(document_id), before=before,
                         after={**after, "extracted": {n: extracted[n] for n in fields}},
                         reason=reason))
    return edit


# ── assignments ─────────────────────────────────────────────────────────────────────────

def reviewers(session: Session) -> list[tuple[int, str]]:
    """Active reviewers an admin may assign documents to: (id, name)."""
    return [(i, n) for i, n in session.execute(
        select(UserRow.id, UserRow.name).where(UserRow.role == "reviewer",
                                               UserRow.active.is_(True)).order_by(UserRow.name))]


def assignees(session: Session, document_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Who each document is assigned to."""
    out: dict[int, list[tuple[int, str]]] = {d: [] for d in document_ids}
    if not document_ids:
        return out
    rows = session.execute(select(AssignmentRow.document_id, UserRow.id, UserRow.name)
                           .join(UserRow, UserRow.id == AssignmentRow.user_id)
                           .where(AssignmentRow.document_id.in_(document_ids))
                           .order_by(UserRow.name))
    for doc, uid, name in rows:
        out[doc].append((uid, name))
    return out


def assign(session: Session, admin: Principal, document_id: int, user_id: int,
           reason: str | None = None) -> bool:
    """Give ``document_id`` to reviewer ``user_id``; False when it already was."""
    if not admin.is_admin:
        raise InvalidInput("chỉ quản trị viên giao được văn bản")
    target = session.get(UserRow, user_id)
    if target is None or target.role != "reviewer" or not target.active:
        raise InvalidInput("người được giao phải là người rà soát đang hoạt động")
    if session.get(DocumentRow, document_id) is None:
        raise InvalidInput("không có văn bản này")
    if session.get(AssignmentRow, (document_id, user_id)) is not None:
        return False
    session.add(AssignmentRow(document_id=document_id, user_id=user_id, assigned_by=admin.id))
    try:
        session.flush()
    except IntegrityError:
        return False
    session.add(AuditRow(user_id=admin.id, actor=admin.name, action="assignment.add",
                         entity="document", entity_id=str(document_id), before=None,
                         after={"user_id": user_id, "user": target.name}, reason=reason))
    return True


def unassign(session: Session, admin: Principal, document_id: int, user_id: int,
             reason: str | None = None) -> bool:
    if not admin.is_admin:
        raise InvalidInput("chỉ quản trị viên thôi giao được văn bản")
    name = session.scalar(select(UserRow.name).where(UserRow.id == user_id))
    gone = session.execute(delete(AssignmentRow).where(AssignmentRow.document_id == document_id,
                                                       AssignmentRow.user_id == user_id))
    if not getattr(gone, "rowcount", 0):
        return False
    session.add(AuditRow(user_id=admin.id, actor=admin.name, action="assignment.remove",
                         entity="document", entity_id=str(document_id),
                         before={"user_id": user_id, "user": name}, after=None, reason=reason))
    return True


# ── documents without a plausible place ─────────────────────────────────────────────────

@dataclass
class Unplaced:
    id: int
    path: str
    title: str | None
    doc_type: str | None
    extracted_place: str | None
    place: str | None
    corrected: bool
    assigned: list[tuple[int, str]]


UNPLACED_LIMIT = 500


def unplaced(session: Session) -> list[Unplaced]:
    """Documents whose effective place is missing or not a known place (admins' view)."""
    d, v, x, e = DocumentRow, VersionRow, ExtractionRow, DocumentEditRow
    place = func.coalesce(e.place, x.place)

    def joined(*columns: Any) -> Any:
        return (select(*columns).select_from(d)
                .join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
                .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
                .outerjoin(e, e.document_id == d.id))

    odd = [p for p in session.scalars(joined(place).distinct())
           if p is not None and canonical_place(p) is None]
    rows = session.execute(
        joined(d.id, d.path, func.coalesce(e.title, x.title), x.doc_type, x.place, place)
        .where(place.is_(None) | place.in_(odd)).order_by(d.id).limit(UNPLACED_LIMIT)).all()
    given = assignees(session, [r[0] for r in rows])
    return [Unplaced(r[0], r[1], r[2], r[3], r[4], r[5], r[5] != r[4], given[r[0]])
            for r in rows]
