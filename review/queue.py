"""The queue: every document's latest version, failed checks first, filtered and paginated.

One SELECT for the page and one COUNT, both on indexed joins (documents → versions →
extractions), so 10,000 documents list in a few milliseconds on SQLite and PostgreSQL. The
failed count is the rerun one (``rechecks``) once a document was corrected, else the
extraction's own. A reviewer limited to places only ever gets rows of those places.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from baocao.review.auth import Principal
from baocao.review.sources import database_key
from baocao.store.models import (
    REVIEW_STATES,
    CorrectionRow,
    DocumentRow,
    ExtractionRow,
    FactRow,
    RecheckRow,
    ReviewRow,
    VersionRow,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    place: str = ""
    period: str = ""
    indicator: str = ""
    state: str = ""
    page: int = 1

    def params(self, **override: Any) -> dict[str, Any]:
        """The query string of this view, with ``override`` (for pagination links)."""
        values = {"place": self.place, "period": self.period, "indicator": self.indicator,
                  "state": self.state, "page": self.page, **override}
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    places: list[str]
    years: list[int]
    states: tuple[str, ...] = REVIEW_STATES


def _failed() -> Any:
    return func.coalesce(RecheckRow.n_failed, ExtractionRow.n_checks_failed)


def _base(user: Principal, f: QueueFilters) -> Select[Any]:
    x, v, d, r = ExtractionRow, VersionRow, DocumentRow, ReviewRow
    query = (select(d.id).join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
             .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
             .outerjoin(RecheckRow, RecheckRow.extraction_id == x.id)
             .outerjoin(r, r.document_id == d.id))
    if not user.sees_every_place:
        query = query.where(x.place.in_(user.places))
    if f.place:
        query = query.where(x.place == f.place)
    if f.period:
        query = query.where(_period(f.period))
    if f.state in REVIEW_STATES:
        state = func.coalesce(r.state, "unreviewed")
        query = query.where(state == f.state)
    if f.indicator:
        in_facts = exists().where(FactRow.extraction_id == x.id, FactRow.indicator == f.indicator)
        in_corrections = exists().where(CorrectionRow.document_id == d.id,
                                        CorrectionRow.indicator == f.indicator)
        query = query.where(or_(in_facts, in_corrections))
    return query


def _period(period: str) -> Any:
    """A year matches the period's year; other text is looked for in the period's words."""
    if period.isdigit():
        return ExtractionRow.period_year == int(period)
    return ExtractionRow.period_text.ilike(f"%{period}%")


def queue_page(session: Session, user: Principal, f: QueueFilters) -> QueuePage:
    """One page of the queue as ``user`` may see it."""
    x, v, d, r = ExtractionRow, VersionRow, DocumentRow, ReviewRow
    base = _base(user, f)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    query = base.with_only_columns(
        d.id, d.path, x.doc_type, x.number, x.symbol, x.place, x.date_value, x.period_text,
        x.title, x.n_facts, _failed().label("failed"),
        func.coalesce(r.state, "unreviewed").label("state"), v.format, v.number.label("version"),
    ).order_by(_failed().desc(), d.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = [dict(row) for row in session.execute(query).mappings()]
    return QueuePage(rows, total, page, pages, *_choices(session, user))


_CHOICES: dict[tuple[Any, ...], tuple[float, tuple[list[str], list[int]]]] = {}
CHOICES_TTL = 60.0  # seconds: new places and years appear with ingest, not every second


def _choices(session: Session, user: Principal) -> tuple[list[str], list[int]]:
    """The places and years the filters offer, kept a minute (two scans of 10,000 rows)."""
    key = (database_key(session), user.sees_every_place or user.places)
    now = time.monotonic()
    found = _CHOICES.get(key)
    if found is None or now - found[0] > CHOICES_TTL:
        found = _CHOICES[key] = (now, _scan_choices(session, user))
    return found[1]


def _scan_choices(session: Session, user: Principal) -> tuple[list[str], list[int]]:
    """The places and years of current extractions that ``user`` may see."""
    current = ExtractionRow.is_current.is_(True)
    places = select(ExtractionRow.place).distinct().where(current, ExtractionRow.place.is_not(None))
    years = select(ExtractionRow.period_year).distinct().where(
        current, ExtractionRow.period_year.is_not(None))
    if not user.sees_every_place:
        places = places.where(ExtractionRow.place.in_(user.places))
        years = years.where(ExtractionRow.place.in_(user.places))
    return (sorted(p for p in session.scalars(places) if p),
            sorted((y for y in session.scalars(years) if y), reverse=True))
