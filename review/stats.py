"""Per-reviewer statistics (admins) and the second review of other reviewers' corrections.

Decisions are read from the audit log (``correction.*`` rows: the log keeps every decision,
also those a later one replaced, but not those undone with ``correction.undo``), counted per
reviewer and per day in Vietnam time, in four kinds: accept (``confirm``, ``accept`` of an
added fact), edit (``edit``, ``correct``), reject, add.

A second review is another reviewer's verdict on a correction as it stands (its version):
``agree``, or ``disagree`` with a reason. A reviewer is offered the corrections (edits,
rejections, added facts) that someone else made, on documents they may see, and that they
have not yet judged at that version. A verdict is stored in ``second_reviews`` and audited
``review.second``; if the correction changed since the page was shown, ``Conflict``.

A reviewer's agreement rate is the share of ``agree`` among the verdicts given on the
corrections they authored (the author is the one who saved the version judged, kept in the
audit row of the verdict).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from baocao.review.access import may_see_document, visible_clause
from baocao.review.actions import Conflict, InvalidInput
from baocao.review.app import VIETNAM
from baocao.review.auth import Principal, aware
from baocao.review.history import shown_value
from baocao.review.sources import current
from baocao.store.models import (
    AuditRow,
    CorrectionRow,
    DocumentRow,
    ExtractionRow,
    FactRow,
    SecondReviewRow,
    UserRow,
    VersionRow,
)
from baocao.store.repository import COMPARED_FIELDS, correction_value

KINDS = ("accept", "edit", "reject", "add")
KIND_OF = {"correction.confirm": "accept", "correction.accept": "accept",
           "correction.edit": "edit", "correction.correct": "edit",
           "correction.reject": "reject", "correction.add": "add"}
SECOND_ACTIONS = ("edit", "reject", "add")
DAYS = 31
MAX_REASON = 1000


@dataclass
class ReviewerStats:
    name: str
    days: dict[date, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    agreed: int = 0        # verdicts of others on this reviewer's corrections
    disagreed: int = 0
    given: int = 0         # verdicts this reviewer gave on others' corrections

    @property
    def decisions(self) -> int:
        return sum(self.totals.values())

    @property
    def judged(self) -> int:
        return self.agreed + self.disagreed

    @property
    def agreement(self) -> float | None:
        """Share of agreeing verdicts on this reviewer's corrections, None when none."""
        return self.agreed / self.judged if self.judged else None


def local_day(at: datetime) -> date:
    return aware(at).astimezone(VIETNAM).date()


def reviewer_stats(session: Session, days: int = DAYS, now: datetime | None = None
                   ) -> tuple[list[ReviewerStats], list[date]]:
    """Statistics per reviewer (by name), and the days shown (newest first)."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days)).astimezone(UTC)
    stats: dict[str, ReviewerStats] = {}

    def of(name: str) -> ReviewerStats:
        return stats.setdefault(name, ReviewerStats(name))

    undone = _undone(session, since)
    rows = session.execute(select(AuditRow.id, AuditRow.actor, AuditRow.at, AuditRow.action)
                           .where(AuditRow.action.in_(list(KIND_OF)), AuditRow.at >= since))
    for audit_id, actor, at, action in rows:
        if audit_id in undone:
            continue
        s, day, kind = of(actor), local_day(at), KIND_OF[action]
        s.days.setdefault(day, dict.fromkeys(KINDS, 0))[kind] += 1
        s.totals[kind] += 1
    verdicts = session.execute(select(AuditRow.actor, AuditRow.after).where(
        AuditRow.action == "review.second"))
    for actor, after in verdicts:
        author = (after or {}).get("author")
        of(actor).given += 1
        if author:
            if (after or {}).get("verdict") == "agree":
                of(author).agreed += 1
            else:
                of(author).disagreed += 1
    shown = sorted({d for s in stats.values() for d in s.days}, reverse=True)
    return sorted(stats.values(), key=lambda s: s.name), shown


def _undone(session: Session, since: datetime) -> set[int]:
    """Audit ids of decisions undone (``correction.undo``; a batch undoes its members)."""
    out: set[int] = set()
    for after, in session.execute(select(AuditRow.after).where(
            AuditRow.action == "correction.undo", AuditRow.at >= since)):
        out.update(int(i) for i in (after or {}).get("undoes") or [] if str(i).isdigit())
    if out:
        for after, in session.execute(select(AuditRow.after).where(
                AuditRow.action == "correction.batch", AuditRow.id.in_(out))):
            out.update(int(i) for i in (after or {}).get("audits") or [] if str(i).isdigit())
    return out


# ── second review ──────────────────────────────────────────────────────────────────────

@dataclass
class Pending:
    """A correction offered for a second review."""

    id: int
    version: int
    document_id: int
    title: str
    fact_key: str
    action: str
    author: str
    at: Any
    label: str | None
    text: str | None
    rows: list[tuple[str, Any, Any]]   # (field, extracted, corrected)
    reason: str | None


LIMIT = 100


def pending(session: Session, user: Principal, limit: int = LIMIT) -> list[Pending]:
    """Corrections by other reviewers that ``user`` may see and has not judged as they are."""
    c, d, v, x = CorrectionRow, DocumentRow, VersionRow, ExtractionRow
    judged = exists().where(SecondReviewRow.correction_id == c.id,
                            SecondReviewRow.user_id == user.id,
                            SecondReviewRow.correction_version == c.version)
    rows = session.execute(
        select(c, UserRow.name, x.title, d.path, x.id)
        .join(UserRow, UserRow.id == c.user_id)
        .join(d, d.id == c.document_id)
        .join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
        .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
        .where(c.user_id != user.id, c.action.in_(SECOND_ACTIONS), ~judged,
               visible_clause(user))
        .order_by(c.updated_at.desc(), c.id.desc()).limit(limit)).all()
    facts = _facts(session, [(r[4], r[0].fact_key) for r in rows],
                   [r[0].base_fact_id for r in rows if r[0].base_fact_id])
    out = []
    for row, author, title, path, extraction_id in rows:
        fact = facts.get((extraction_id, row.fact_key)) or facts.get(row.base_fact_id or -1)
        names = [n for n in row.fields or [] if n in COMPARED_FIELDS] if row.action != "reject" \
            else []
        rows_ = [(n, shown_value(n, _plain(n, fact)), shown_value(n, correction_value(row, n)))
                 for n in names]
        out.append(Pending(row.id, row.version, row.document_id,
                           title or path.rsplit("/", 1)[-1], row.fact_key, row.action, author,
                           row.updated_at, row.label or (fact or {}).get("label"),
                           row.text or (fact or {}).get("text"), rows_, row.reason))
    return out


def _facts(session: Session, pairs: list[tuple[int, str]], ids: list[int]
           ) -> dict[Any, dict[str, Any]]:
    """Fact records by (extraction, key) and by id, in two queries for the whole page."""
    out: dict[Any, dict[str, Any]] = {}
    if pairs:
        for x_id, key, data in session.execute(select(
                FactRow.extraction_id, FactRow.key, FactRow.data).where(
                FactRow.extraction_id.in_({p[0] for p in pairs}),
                FactRow.key.in_({p[1] for p in pairs}))):
            out[(x_id, key)] = data
    if ids:
        for fact_id, data in session.execute(select(FactRow.id, FactRow.data)
                                             .where(FactRow.id.in_(set(ids)))):
            out[fact_id] = data
    return out


def _plain(name: str, data: dict[str, Any] | None) -> Any:
    if data is None:
        return None
    value = data.get(name)
    return value.get("text") if name == "period" and isinstance(value, dict) else value


def second_review(session: Session, user: Principal, correction_id: int, expected: int,
                  verdict: str, reason: str | None) -> SecondReviewRow:
    """Record ``user``'s verdict on a correction at version ``expected`` (audited)."""
    if verdict not in ("agree", "disagree"):
        raise InvalidInput("chọn đồng ý hoặc không đồng ý")
    reason = (reason or "").strip()[:MAX_REASON] or None
    if verdict == "disagree" and not reason:
        raise InvalidInput("không đồng ý: hãy ghi lý do")
    c = session.scalar(select(CorrectionRow).where(CorrectionRow.id == correction_id)
                       .with_for_update())
    cur = current(session, c.document_id) if c is not None else None
    if c is None or cur is None or not may_see_document(session, user, c.document_id, cur.place):
        raise InvalidInput("không có bản sửa này")
    if c.user_id == user.id:
        raise InvalidInput("không tự rà soát lần hai bản sửa của chính mình")
    if c.version != expected:
        raise Conflict("bản sửa này vừa được thay đổi: hãy xem lại trước khi cho ý kiến")
    done = session.scalar(select(SecondReviewRow.id).where(
        SecondReviewRow.correction_id == c.id, SecondReviewRow.user_id == user.id,
        SecondReviewRow.correction_version == c.version))
    if done is not None:
        raise Conflict("bạn đã cho ý kiến về bản sửa này")
    author = session.scalar(select(UserRow.name).where(UserRow.id == c.user_id))
    row = SecondReviewRow(correction_id=c.id, correction_version=c.version, user_id=user.id,
                          verdict=verdict, reason=reason)
    session.add(row)
    session.flush()
    session.add(AuditRow(user_id=user.id, actor=user.name, action="review.second",
                         entity="fact", entity_id=f"{c.document_id}:{c.fact_key}", before=None,
                         after={"verdict": verdict, "correction_id": c.id,
                                "correction_version": c.version, "author_id": c.user_id,
                                "author": author, "second_review_id": row.id},
                         reason=reason))
    return row
