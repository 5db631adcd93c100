"""The queue: every document's latest version, grouped, sorted, searched, filtered, paginated.

One rendering a row would list one report several times (the .pdf, the .docx and a scan of
the same "Báo cáo số 12/BC-UBND"), so rows are *reports*: documents whose effective number
(and symbol), issuer, date and title are all equal and known are one report, listed with
its renderings (``group_key``; a document missing its title, or missing both its number
and its date, stays alone: nothing says two such files are one report).

Every figure is read at request time from the current extractions (no cached counts: a
re-ingest shows at once). What ``user`` sees is ``review.access.visible_clause``, the rule
the document pages apply too. Metadata is the effective one (a reviewer's correction over
the extraction). The failed count is the rerun one (``rechecks``) once a document was
corrected, else the extraction's own. Progress is the number of the current extraction's
facts a reviewer decided (accepted, corrected or rejected) out of its facts.

Sorts (``SORTS``): by state (needs review first, reviewed last; the default), failed checks,
date, place (known places A→Z, then the unplaced ones) or last change, each then by failed
checks and id. The filter choices (places,
years) are cached per user and database, keyed on a stamp of the data (newest extraction,
metadata corrections and assignments), so an ingest or a correction shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, Select, String, and_, case, cast, exists, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from baocao.review.access import edited_place, known_places, visible_clause
from baocao.review.auth import Principal
from baocao.review.sources import LRU, database_key
from baocao.store.models import (
    REVIEW_STATES,
    AssignmentRow,
    CorrectionRow,
    DocumentEditRow,
    DocumentRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    RecheckRow,
    ReviewRow,
    VersionRow,
)

PAGE_SIZE = 50
SORTS = ("state", "failed", "date", "place", "changed")
STATE_ORDER = {"needs_review": 0, "in_review": 1, "unreviewed": 2, "reviewed": 3}
MAX_SEARCH = 200
MAX_RENDERINGS = 12  # listed under one report; the rest counted


@dataclass(frozen=True)
class QueueFilters:
    place: str = ""
    period: str = ""
    indicator: str = ""
    state: str = ""
    page: int = 1
    q: str = ""
    sort: str = "state"

    def params(self, **override: Any) -> dict[str, Any]:
        """The query string of this view, with ``override`` (for pagination links)."""
        values = {"q": self.q, "place": self.place, "period": self.period,
                  "indicator": self.indicator, "state": self.state, "sort": self.sort,
                  "page": self.page, **override}
        return {k: v for k, v in values.items()
                if v not in ("", None, 1) and not (k == "sort" and v == "state")}


@dataclass
class Report:
    """One row of the queue: a report and its renderings (one document for most)."""

    lead: dict[str, Any]
    renderings: list[dict[str, Any]] = field(default_factory=list)
    size: int = 1        # renderings in all (only the first MAX_RENDERINGS are listed)

    @property
    def id(self) -> int:
        return int(self.lead["id"])


@dataclass
class QueuePage:
    rows: list[Report]
    total: int           # reports (rows) matching the filters
    documents: int       # documents matching the filters
    page: int
    pages: int
    places: list[str]
    years: list[int]
    states: tuple[str, ...] = REVIEW_STATES
    sorts: tuple[str, ...] = SORTS


def _failed() -> Any:
    return func.coalesce(RecheckRow.n_failed, ExtractionRow.n_checks_failed)


def _meta(name: str) -> Any:
    """An effective metadata column: the reviewer's correction, else the extraction's."""
    edited = getattr(DocumentEditRow, name)
    return func.coalesce(edited, getattr(ExtractionRow, name))


def _decided() -> Any:
    """How many facts of the current extraction a reviewer decided (correlated subquery)."""
    c, f = CorrectionRow, FactRow
    return (select(func.count()).select_from(c)
            .join(f, and_(f.extraction_id == ExtractionRow.id, f.key == c.fact_key))
            .where(c.document_id == DocumentRow.id, c.action.in_(("edit", "reject", "confirm")))
            .correlate(DocumentRow, ExtractionRow).scalar_subquery())


def _open_flags() -> Any:
    """Differences a re-ingest found against reviewers' corrections, not yet settled."""
    return (select(func.count()).select_from(FlagRow)
            .where(FlagRow.document_id == DocumentRow.id, FlagRow.resolved_at.is_(None))
            .correlate(DocumentRow).scalar_subquery())


def _stale() -> Any:
    """Corrected, but the checks were not rerun on the current extraction (a re-ingest):
    the failed count is the extraction's own until someone opens the document."""
    corrected = exists().where(CorrectionRow.document_id == DocumentRow.id)
    return case((and_(RecheckRow.extraction_id.is_(None), corrected), 1), else_=0)


def _last_change(dialect: str, corrected: Any = None) -> Any:
    """The latest of: a correction, the review state, a metadata correction, the ingest
    (``corrected``: the latest correction's time when the query joins it already).

    GREATEST on PostgreSQL (it skips nulls); on SQLite, whose timestamps are ISO text,
    the many-argument max() over the texts with nulls as '' (the ingest time never is)."""
    if corrected is None:
        corrected = (select(func.max(CorrectionRow.updated_at))
                     .where(CorrectionRow.document_id == DocumentRow.id)
                     .correlate(DocumentRow).scalar_subquery())
    times = [corrected, ReviewRow.updated_at, DocumentEditRow.updated_at, VersionRow.created_at]
    if dialect == "postgresql":
        return func.greatest(*times)
    latest = func.max(*(func.coalesce(cast(t, String), "") for t in times))
    return type_coerce(latest, DateTime(timezone=True))


def group_key() -> Any:
    """Renderings of one report share this key: number, symbol, issuer, date and title.

    A document without a title, or without both a number and a date, is its own group."""
    number, date, title = _meta("number"), _meta("date_value"), _meta("title")
    symbol = case((DocumentEditRow.number.is_not(None), literal("")),
                  else_=func.coalesce(ExtractionRow.symbol, ""))
    known = and_(title.is_not(None), or_(number.is_not(None), ExtractionRow.symbol.is_not(None),
                                         date.is_not(None)))
    joined = (literal("r|") + func.coalesce(number, "") + "|" + symbol + "|"
              + func.coalesce(ExtractionRow.issuer, "") + "|" + func.coalesce(date, "") + "|"
              + func.coalesce(title, ""))
    return case((known, joined), else_=literal("d|") + cast(DocumentRow.id, String))


def _joined(columns: list[Any]) -> Select[Any]:
    """``columns`` of every document's latest version and current extraction, with its
    recheck, review state and metadata correction joined."""
    x, v, d, r, e = ExtractionRow, VersionRow, DocumentRow, ReviewRow, DocumentEditRow
    return (select(*columns).select_from(d)
            .join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
            .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
            .outerjoin(RecheckRow, RecheckRow.extraction_id == x.id)
            .outerjoin(r, r.document_id == d.id)
            .outerjoin(e, e.document_id == d.id))


def _state() -> Any:
    return func.coalesce(ReviewRow.state, "unreviewed")


def _rank() -> Any:
    return case(*((_state() == s, n) for s, n in STATE_ORDER.items()), else_=9)


def _lean(user: Principal, f: QueueFilters, dialect: str) -> Select[Any]:
    """What grouping and sorting need of every visible document matching the filters (the
    costly columns of a row, such as progress or flags, are read for the shown page only)."""
    place = _meta("place")
    columns = [DocumentRow.id, group_key().label("gkey"), _rank().label("rank"),
               _failed().label("failed"), _meta("date_value").label("date_value"),
               place.label("place")]
    latest = None
    if f.sort == "changed":    # one pass over corrections, not one subquery a document
        latest = (select(CorrectionRow.document_id, func.max(CorrectionRow.updated_at)
                         .label("at")).group_by(CorrectionRow.document_id).subquery())
        columns.append(_last_change(dialect, latest.c.at).label("changed"))
    query = _joined(columns).where(visible_clause(user, place))
    if latest is not None:
        query = query.outerjoin(latest, latest.c.document_id == DocumentRow.id)
    if f.place:
        query = query.where(place == f.place)
    if f.period:
        query = query.where(_period(f.period))
    if f.state in REVIEW_STATES:
        query = query.where(_state() == f.state)
    if f.indicator:
        x, d = ExtractionRow, DocumentRow
        in_facts = exists().where(FactRow.extraction_id == x.id, FactRow.indicator == f.indicator)
        in_corrections = exists().where(CorrectionRow.document_id == d.id,
                                        CorrectionRow.indicator == f.indicator)
        query = query.where(or_(in_facts, in_corrections))
    if f.q.strip():
        query = query.where(_search(f.q))
    return query


def _details(ids: list[int], dialect: str) -> Select[Any]:
    """Everything a row shows, for the documents ``ids``."""
    x, v, d, e = ExtractionRow, VersionRow, DocumentRow, DocumentEditRow
    query = _joined([
        d.id, d.path, _meta("doc_type").label("doc_type"), _meta("number").label("number"),
        case((e.number.is_not(None), None), else_=x.symbol).label("symbol"), x.issuer,
        _meta("place").label("place"), _meta("date_value").label("date_value"), x.period_text,
        _meta("title").label("title"), x.n_facts, _failed().label("failed"),
        _state().label("state"), _rank().label("rank"), v.format, v.number.label("version"),
        _decided().label("decided"), _last_change(dialect).label("changed"),
        _open_flags().label("flags"), _stale().label("stale")]).where(d.id.in_(ids))
    return query


def _search(text: str) -> Any:
    """Title, number and symbol, and file name contain every word of ``text`` (any case)."""
    conditions = []
    for word in text.split()[:8]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = (_meta("title"), _meta("number"), ExtractionRow.symbol, DocumentRow.path)
        conditions.append(or_(*(func.lower(c).like(func.lower(pattern), escape="\\")
                                for c in fields)))
    return and_(*conditions)


def _period(period: str) -> Any:
    """A year matches the period's year; other text is looked for in the period's words."""
    if period.isdigit() and len(period) <= 4:
        return ExtractionRow.period_year == int(period)
    return ExtractionRow.period_text.ilike(f"%{period}%")


def _order(sort: str, g: Any) -> list[Any]:
    """The ORDER BY of the groups: the chosen key, then failed checks, then first id."""
    keys = {"state": [g.c.rank.asc()], "failed": [],
            "date": [g.c.date_value.is_(None), g.c.date_value.desc()],
            "place": [case((g.c.place.in_(list(known_places())), 0), else_=1),
                      g.c.place.asc()],
            "changed": [g.c.changed.desc()] if "changed" in g.c else []}
    return [*keys.get(sort, keys["state"]), g.c.failed.desc(), g.c.lead.asc()]


def _id_list(session: Session, column: Any) -> Any:
    """The ids of a group as one text (group_concat on SQLite, string_agg on PostgreSQL)."""
    text = cast(column, String)
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(text, literal(","))
    return func.group_concat(text, literal(","))


def queue_page(session: Session, user: Principal, f: QueueFilters) -> QueuePage:
    """One page of the queue as ``user`` may see it: one grouped query over the matching
    documents (the page of reports, their members' ids and the totals), then the shown
    documents' rows by id."""
    dialect = session.get_bind().dialect.name
    rows = _lean(user, f, dialect).subquery()
    aggregates = [rows.c.gkey, func.min(rows.c.id).label("lead"),
                  func.min(rows.c.rank).label("rank"), func.max(rows.c.failed).label("failed"),
                  func.max(rows.c.date_value).label("date_value"),
                  func.min(rows.c.place).label("place"), func.count().label("n"),
                  _id_list(session, rows.c.id).label("ids")]
    if f.sort == "changed":
        aggregates.append(func.max(rows.c.changed).label("changed"))
    groups = select(*aggregates).group_by(rows.c.gkey).subquery()
    page = max(1, f.page)
    found = _page_of(session, groups, f.sort, page)
    if not found and page > 1:   # past the end: the last page
        total = session.scalar(select(func.count()).select_from(groups)) or 0
        page = max(1, -(-total // PAGE_SIZE))
        found = _page_of(session, groups, f.sort, page)
    total = int(found[0].total) if found else 0
    documents = int(found[0].documents) if found else 0
    members: dict[int, list[int]] = {}
    for g in found:
        ids = sorted(int(i) for i in str(g.ids).split(",") if i)
        members[g.lead] = ids
    wanted = [i for ids in members.values() for i in ids[:MAX_RENDERINGS * 4]]
    details = {r["id"]: r for r in (dict(m) for m in session.execute(
        _details(wanted, dialect)).mappings())} if wanted else {}
    reports = []
    for g in found:
        shown = sorted((details[i] for i in members[g.lead] if i in details),
                       key=lambda r: (r["rank"], -(r["failed"] or 0), r["id"]))
        if shown:
            reports.append(Report(shown[0], shown[:MAX_RENDERINGS], int(g.n)))
    pages = max(1, -(-total // PAGE_SIZE))
    return QueuePage(reports, total, documents, min(page, pages), pages,
                     *_choices(session, user))


def _page_of(session: Session, groups: Any, sort: str, page: int) -> list[Any]:
    """The reports of page ``page``, each with the totals of the whole list."""
    query = (select(groups.c.lead, groups.c.n, groups.c.ids,
                    func.count().over().label("total"),
                    func.sum(groups.c.n).over().label("documents"))
             .order_by(*_order(sort, groups)).limit(PAGE_SIZE)
             .offset((page - 1) * PAGE_SIZE))
    return list(session.execute(query))


_CHOICES: LRU[tuple[Any, ...], tuple[list[str], list[int]]] = LRU(64)


def _stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever what the filters offer may change: an ingest (a new extraction),
    a metadata correction (each save raises its version), an assignment."""
    return tuple(session.execute(select(
        select(func.max(ExtractionRow.id)).scalar_subquery(),
        select(func.count()).select_from(DocumentEditRow).scalar_subquery(),
        select(func.sum(DocumentEditRow.version)).scalar_subquery(),
        select(func.count()).select_from(AssignmentRow).scalar_subquery(),
        select(func.max(AssignmentRow.created_at)).scalar_subquery())).one())


def _choices(session: Session, user: Principal) -> tuple[list[str], list[int]]:
    """The places and years the filters offer to ``user``."""
    key = (database_key(session), user.id, user.sees_every_place or user.places,
           _stamp(session))
    found = _CHOICES.get(key)
    if found is None:
        found = _scan_choices(session, user)
        _CHOICES.put(key, found)
    return found


def _scan_choices(session: Session, user: Principal) -> tuple[list[str], list[int]]:
    """The places and years of the current extractions that ``user`` may see."""
    x, v, d = ExtractionRow, VersionRow, DocumentRow
    place = func.coalesce(edited_place(), x.place)
    base = (select(place.label("place"), x.period_year).select_from(d)
            .join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
            .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
            .where(visible_clause(user, place)).subquery())
    places = session.scalars(select(base.c.place).distinct().where(base.c.place.is_not(None)))
    years = session.scalars(select(base.c.period_year).distinct()
                            .where(base.c.period_year.is_not(None)))
    return sorted(p for p in places if p), sorted((y for y in years if y), reverse=True)
