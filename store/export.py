"""The database (or plain Extractions) as pandas DataFrames, and writers for other systems.

Three tables: **facts** (one row per fact of each document's latest version, as read by its
current extraction, with the document's metadata, the source text and span, and the
reviewer's corrected values beside the extracted ones), **checks** and **documents**.
Facts a reviewer added appear with status ``added``; rejected facts stay, with status
``rejected``, so consumers decide. The columns of a fact row are ``ExportedFact``, whose
JSON Schema ``baocao schema export`` prints; every writer produces exactly those columns.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from baocao.extractor.vocab import fold
from baocao.schemas.extraction import Extraction, Fact
from baocao.store.db import existing, resolve_url, session_scope
from baocao.store.inputs import path_pattern
from baocao.store.models import (
    CheckRow,
    CorrectionRow,
    DocumentRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    PathRow,
    RecheckRow,
    RelationRow,
    ReviewRow,
    UserRow,
    VersionRow,
)
from baocao.store.rows import fact_keys, fact_values, number

FORMATS = ("jsonl", "csv", "parquet", "xlsx")
FactStatus = Literal["extracted", "corrected", "rejected", "confirmed", "added"]
_STATUS = {"edit": "corrected", "reject": "rejected", "confirm": "confirmed", "add": "added"}
CORRECTABLE = ("kind", "value", "denominator", "unit", "label", "indicator", "period", "subject")


class ExportedFact(BaseModel):
    """One exported fact: where it is from, what was extracted, what a reviewer corrected."""

    model_config = ConfigDict(extra="forbid", title="ExportedFact")
    document_id: int | None = Field(description="database id of the document (null outside a DB)")
    path: str = Field(description="file path, or archive.zip!member")
    sha256: str = Field(description="content hash of the version the fact was read from")
    format: str
    doc_version: int = Field(description="1 for the first content of the path, then 2, 3...")
    extractor_version: str | None
    doc_type: str | None
    number: str | None
    symbol: str | None
    issuer: str | None
    place: str | None
    doc_date: date | None = Field(description="the document's date, where its day is known "
                                              "(see doc_date_text for a year or month alone)")
    title: str | None
    fact_key: str = Field(description="stable across versions; corrections are attached to it")
    fact_id: str | None = Field(description="id within the extraction (f12); null for added facts")
    kind: str
    value: float | None = Field(description="the number as extracted (null for dates)")
    value_text: str | None = Field(description="ISO date of date/deadline facts")
    denominator: float | None
    unit: str | None
    qualifier: str | None
    label: str | None
    indicator: str | None
    period_text: str | None
    period_start: date | None
    period_end: date | None
    period_year: int | None
    subject: str | None
    source_text: str = Field(description="the figure as written; text[span_start:span_end]")
    span_start: int
    span_end: int
    page: int | None
    section: str | None
    confidence: float | None
    strategy: str | None
    status: FactStatus
    corrected_fields: str | None = Field(description="comma-separated fields the reviewer set")
    corrected_kind: str | None
    corrected_value: float | None
    corrected_value_text: str | None
    corrected_denominator: float | None
    corrected_unit: str | None
    corrected_label: str | None
    corrected_indicator: str | None
    corrected_period_text: str | None
    corrected_subject: str | None
    corrected_by: str | None
    corrected_at: datetime | None = Field(description="when the correction was made (UTC)")
    correction_reason: str | None
    flagged: bool = Field(description="a new extraction differs from the reviewer's correction")
    # typed dates (added after the first columns, which keep their names)
    doc_date_text: str | None = Field(description="the document's date as far as it is known: "
                                                  "YYYY-MM-DD, YYYY-MM or YYYY")
    doc_date_start: date | None = Field(description="first day the document's date may be")
    doc_date_end: date | None = Field(description="last day the document's date may be")
    doc_date_granularity: Literal["day", "month", "year"] | None
    value_date: date | None = Field(description="the date of a date or deadline fact")
    corrected_value_date: date | None = Field(description="the date a reviewer set")


FACT_COLUMNS = list(ExportedFact.model_fields)
CHECK_COLUMNS = ["document_id", "path", "sha256", "format", "doc_version", "extractor_version",
                 "place", "check_id", "rule", "status", "expected", "actual", "tolerance",
                 "explanation", "fact_ids", "fact_keys", "after_review"]
DOCUMENT_COLUMNS = ["document_id", "path", "doc_version", "versions", "sha256", "format", "size",
                    "pages", "extractor_version", "doc_type", "number", "symbol", "issuer",
                    "place", "doc_date", "title", "period_text", "period_year", "signer_title",
                    "signer_name", "n_facts", "n_checks_failed", "review_state", "open_flags",
                    "ingested_at", "doc_date_text", "doc_date_start", "doc_date_end",
                    "doc_date_granularity",
                    "other_paths"]   # other paths the same bytes were met at, one a line
DATE_COLUMNS = {"doc_date", "doc_date_start", "doc_date_end", "period_start", "period_end",
                "value_date", "corrected_value_date"}
TIMESTAMP_COLUMNS = {"corrected_at", "ingested_at"}
DATE_DTYPE = "object"                        # datetime.date values: date32 in Parquet, Excel dates
TIMESTAMP_DTYPE = "datetime64[us, UTC]"      # timestamps carry their zone: UTC


@dataclass(frozen=True)
class Filters:
    """Export filters; several values of one filter are alternatives (OR).

    ``document_id`` selects documents by database id (the review app's one document);
    ``places`` restricts the export to documents whose place is exactly one of these (a
    reviewer's places: an empty list selects nothing, ``None`` every place). Every filter
    is applied in the database query, so only the selected rows are read."""

    indicator: Sequence[str] = ()
    period: Sequence[str] = ()
    place: Sequence[str] = ()
    status: Sequence[str] = ()
    check_status: Sequence[str] = ()
    document: Sequence[str] = ()   # path patterns, see ``_paths``
    document_id: Sequence[int] = ()
    places: Sequence[str] | None = None

    def __post_init__(self) -> None:
        """One value or several: ``place="Đắk Song"`` is one place, never its letters."""
        for name in ("indicator", "period", "place", "status", "check_status", "document",
                     "places"):
            value = getattr(self, name)
            if value is None:
                value = None if name == "places" else ()
            elif isinstance(value, (str, int)):
                value = (str(value),)
            elif not isinstance(value, Iterable):
                raise TypeError(f"filter {name}= takes a string or a list of strings, "
                                f"not {type(value).__name__}")
            else:
                value = tuple(str(v) for v in value)
            object.__setattr__(self, name, value)
        ids = self.document_id
        if ids is None:
            ids = ()
        elif isinstance(ids, (str, int)):
            ids = (ids,)
        try:
            object.__setattr__(self, "document_id", tuple(int(i) for i in ids))
        except (TypeError, ValueError):
            raise TypeError("filter document_id= takes a document id or a list of them") from None


def _dtype(annotation: Any) -> Any:
    args = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    base = next((a for a in args if a is not type(None)), str)
    return {int: "Int64", float: "Float64", bool: "boolean", date: DATE_DTYPE,
            datetime: TIMESTAMP_DTYPE}.get(base, "string")


FACT_DTYPES = {name: _dtype(f.annotation) for name, f in ExportedFact.model_fields.items()}


def typed_frame(records: list[dict[str, Any]], columns: list[str],
                dtypes: dict[str, Any] | None = None) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``, nullable dtypes (stable Parquet/CSV types): dates
    as dates, timestamps in UTC, the document's date also as text, start, end, granularity."""
    if "doc_date_text" in columns:
        records = [{**r, **date_columns(r.get("doc_date"))} for r in records]
    if "value_date" in columns:
        records = [{**r, "value_date": _day(r.get("value_text")),
                    "corrected_value_date": _day(r.get("corrected_value_text"))} for r in records]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for name, dtype in (dtypes or {}).items():
        if name in DATE_COLUMNS:
            frame[name] = pd.Series([_day(v) for v in frame[name]], index=frame.index,
                                    dtype=DATE_DTYPE)
        elif name in TIMESTAMP_COLUMNS:
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601").astype(dtype)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame


def _day(value: Any) -> date | None:
    """A date where the day is known: from a date or an ISO ``YYYY-MM-DD`` text, else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def date_columns(value: Any) -> dict[str, Any]:
    """A document date written as far as it is known (``2024-05-06``, ``2024-05``, ``2024``)
    as its text, first and last possible day, and granularity."""
    text = value.isoformat() if isinstance(value, date) else (str(value) if value else None)
    none = {"doc_date": None, "doc_date_text": text, "doc_date_start": None,
            "doc_date_end": None, "doc_date_granularity": None}
    if not text:
        return none
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return {**none, "doc_date": day, "doc_date_start": day, "doc_date_end": day,
                    "doc_date_granularity": "day"}
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            last = calendar.monthrange(year, month)[1]
            return {**none, "doc_date_start": date(year, month, 1),
                    "doc_date_end": date(year, month, last), "doc_date_granularity": "month"}
        if len(text) == 4:
            year = int(text)
            return {**none, "doc_date_start": date(year, 1, 1), "doc_date_end": date(year, 12, 31),
                    "doc_date_granularity": "year"}
    except ValueError:
        pass
    return none


# ── facts ────────────────────────────────────────────────────────────────────────────────

def facts_from_extraction(ex: Extraction, *, path: str | None = None, doc_version: int = 1,
                          extractor_version: str | None = None) -> list[dict[str, Any]]:
    """Export records of one Extraction, outside any database (nothing corrected)."""
    doc = _extraction_doc(ex, path, doc_version, extractor_version)
    return [_fact_record(doc, f, key) for f, key in zip(ex.facts, fact_keys(ex))]


def _extraction_doc(ex: Extraction, path: str | None, doc_version: int,
                    extractor_version: str | None) -> dict[str, Any]:
    m = ex.meta
    return {"document_id": None, "path": path or ex.source.path, "sha256": ex.source.sha256,
            "format": ex.source.format.value, "doc_version": doc_version,
            "extractor_version": extractor_version, "doc_type": m.doc_type, "number": m.number,
            "symbol": m.symbol, "issuer": m.issuer, "place": m.place,
            "doc_date": m.date.value if m.date else None, "title": m.title}


def _fact_record(doc: dict[str, Any], f: Fact, key: str) -> dict[str, Any]:
    values = fact_values(f)
    return {**doc, "fact_key": key, "fact_id": f.id, **values, "source_text": f.text,
            "span_start": f.span[0], "span_end": f.span[1], "page": f.location.page,
            "section": f.location.section, "confidence": f.confidence, "strategy": f.strategy,
            "status": "extracted", "corrected_fields": None, "flagged": False}


def _facts_query(*where: Any) -> Any:
    f, x, v, d, c, u = FactRow, ExtractionRow, VersionRow, DocumentRow, CorrectionRow, UserRow
    flagged = exists().where(FlagRow.extraction_id == f.extraction_id, FlagRow.fact_key == f.key,
                             FlagRow.resolved_at.is_(None))
    return (select(*_doc_columns(), f.key.label("fact_key"), f.ordinal.label("fact_id"), f.kind,
                   f.value, f.value_text, f.denominator, f.unit, f.qualifier, f.label,
                   f.indicator, f.period_text, f.period_start, f.period_end, f.period_year,
                   f.subject, f.text.label("source_text"), f.span_start, f.span_end, f.page,
                   f.section, f.confidence, f.strategy, flagged.label("flagged"),
                   c.id.label("correction_id"), u.name.label("corrected_by"))
            .join(x, f.extraction_id == x.id).join(v, x.version_id == v.id)
            .join(d, v.document_id == d.id)
            .outerjoin(c, and_(c.document_id == f.document_id, c.fact_key == f.key))
            .outerjoin(u, c.user_id == u.id)
            .where(x.is_current.is_(True), v.is_latest.is_(True), *where)
            .order_by(d.path, f.span_start, f.id))


def _doc_columns() -> list[Any]:
    d, v, x = DocumentRow, VersionRow, ExtractionRow
    return [d.id.label("document_id"), d.path, v.sha256, v.format,
            v.number.label("doc_version"), x.extractor_version, x.doc_type, x.number, x.symbol,
            x.issuer, x.place, x.date_value.label("doc_date"), x.title]


def _with_correction(record: dict[str, Any], c: CorrectionRow | None) -> dict[str, Any]:
    """Fill status and the corrected_* columns from the fact's correction, if any."""
    if c is None:
        return {**record, "status": record.get("status") or "extracted"}
    record["status"] = _STATUS[c.action]
    fields = list(c.fields or [])  # for an added fact: what the reviewer typed
    record["corrected_fields"] = ",".join(fields) or None
    for name in fields:
        if name == "value":
            record["corrected_value"], record["corrected_value_text"] = c.value, c.value_text
        elif name == "period":
            record["corrected_period_text"] = (c.period or {}).get("text")
        else:
            record[f"corrected_{name}"] = getattr(c, name)
    record["corrected_at"] = c.updated_at
    record["correction_reason"] = c.reason
    return record


# ── filters in SQL ───────────────────────────────────────────────────────────────────────

CHUNK = 2000
"""Document ids per query when a filter resolves to a list of them (bound parameters)."""


@dataclass
class _Scope:
    """The documents an export covers, as SQL: ``where`` on the documents (``DocumentRow``)
    and their current extraction (``ExtractionRow``), and ``ids`` when the filters name
    documents (their ids in path order; None: no such filter). ``empty``: nothing matches."""

    where: list[Any]
    ids: list[int] | None = None
    empty: bool = False

    def chunks(self) -> list[list[Any]]:
        """The conditions of each query to run, in path order (several when many ids)."""
        if self.empty:
            return []
        if self.ids is None:
            return [self.where]
        return [[*self.where, DocumentRow.id.in_(self.ids[i:i + CHUNK])]
                for i in range(0, len(self.ids), CHUNK)]


def _scope(session: Session, filters: Filters) -> _Scope:
    """The document filters (place, path, id, a reviewer's places) resolved to SQL, exactly:
    a place in any spelling becomes the stored spellings it matches, path patterns the ids
    of the documents they match (by any path their bytes were met at)."""
    x = ExtractionRow
    scope = _Scope([])
    if filters.place:
        scope.where.append(x.place.in_(_matching_places(session, filters.place)))
    if filters.places is not None:
        scope.where.append(x.place.in_(list(filters.places)))
    ids: set[int] | None = None
    if filters.document_id:
        ids = set(filters.document_id)
    if filters.document:
        found = _matching_documents(session, filters.document)
        ids = found if ids is None else ids & found
    if ids is not None:
        scope.ids = _in_path_order(session, ids)
    scope.empty = (scope.ids is not None and not scope.ids) or (
        filters.places is not None and not filters.places)
    return scope


def _matching_places(session: Session, needles: Sequence[str]) -> list[str]:
    """The stored places containing one of ``needles``, without case or diacritics ("Dak
    Song" finds "Đắk Song"): the same test as ``_contains``, on the distinct places only."""
    folded = [fold(n) for n in needles]
    places = session.scalars(select(ExtractionRow.place).where(ExtractionRow.place.is_not(None))
                             .distinct())
    return [p for p in places if p is not None and any(n in fold(p) for n in folded)]


def _matching_documents(session: Session, patterns: Sequence[str]) -> set[int]:
    """Ids of the documents a path pattern matches, by their path or another path their
    bytes were met at; SQL narrows the candidates (``LIKE`` on a literal part of each
    pattern), ``path_pattern`` decides."""
    tests = [path_pattern(p) for p in patterns]
    literals = [_literal(p) for p in patterns]
    found: set[int] = set()
    for column, document in ((DocumentRow.path, DocumentRow.id),
                             (PathRow.path, PathRow.document_id)):
        query = select(document, column)
        if all(literals):
            query = query.where(or_(*(column.contains(lit, autoescape=True)
                                      for lit in literals)))
        found |= {d for d, path in session.execute(query) if any(t(path) for t in tests)}
    return found


def _literal(pattern: str) -> str:
    """The longest part of a path pattern that every path it matches contains as written
    (no wildcard, set or folder separator in it); empty when there is none."""
    parts, run, i = [], "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "[" and (end := pattern.find("]", i + 2)) != -1:
            parts.append(run)
            run, i = "", end + 1
            continue
        if c in "*?/\\[]":
            parts.append(run)
            run = ""
        else:
            run += c
        i += 1
    parts.append(run)
    return max(parts, key=len)


def _in_path_order(session: Session, ids: set[int]) -> list[int]:
    wanted = sorted(ids)
    rows: list[tuple[str, int]] = []
    for i in range(0, len(wanted), CHUNK):
        rows += [(path, d) for path, d in session.execute(
            select(DocumentRow.path, DocumentRow.id).where(DocumentRow.id.in_(wanted[i:i + CHUNK])))]
    return [d for _, d in sorted(rows)]


def _fact_where(session: Session, filters: Filters) -> list[Any]:
    """The fact filters in SQL. Status is exact; indicator and period select the facts whose
    extracted values match, and every fact a reviewer corrected (whose corrected values may):
    ``filter_facts`` then decides on those few rows."""
    f, c = FactRow, CorrectionRow
    where: list[Any] = []
    if filters.status:
        actions = [a for a, status in _STATUS.items() if status in filters.status]
        where.append(or_(c.action.in_(actions), *([c.id.is_(None)]
                                                   if "extracted" in filters.status else [])))
    if filters.indicator:
        where.append(or_(f.indicator.in_(list(filters.indicator)), c.id.is_not(None)))
    if filters.period:
        years = [int(p) for p in filters.period if p.strip().isdigit()]
        needles = [fold(p) for p in filters.period]
        texts = [t for t in session.scalars(select(FactRow.period_text).distinct()
                                            .where(FactRow.period_text.is_not(None)))
                 if t is not None and any(n in fold(t) for n in needles)]
        where.append(or_(f.period_year.in_(years), f.period_text.in_(texts), c.id.is_not(None)))
    return where


def _db_fact_records(session: Session, filters: Filters | None = None) -> list[dict[str, Any]]:
    filters = filters or Filters()
    scope = _scope(session, filters)
    records: list[dict[str, Any]] = []
    if scope.empty:
        return records
    where = _fact_where(session, filters)
    corrections = _corrections(session, scope)
    for chunk in scope.chunks():
        for row in session.execute(_facts_query(*chunk, *where)).mappings():
            record = dict(row)
            correction = corrections.get(record.pop("correction_id"))
            record["flagged"] = bool(record["flagged"])
            records.append(_with_correction(record, correction))
    if not filters.status or "added" in filters.status:
        records += _added_fact_records(session, corrections.values(), scope)
    return records


def _corrections(session: Session, scope: _Scope) -> dict[int, CorrectionRow]:
    """The corrections of the documents in ``scope``, by id."""
    found: dict[int, CorrectionRow] = {}
    for chunk in scope.chunks():
        docs = (select(DocumentRow.id).join(VersionRow, VersionRow.document_id == DocumentRow.id)
                .join(ExtractionRow, ExtractionRow.version_id == VersionRow.id)
                .where(ExtractionRow.is_current.is_(True), VersionRow.is_latest.is_(True),
                       *chunk))
        found.update((c.id, c) for c in session.scalars(
            select(CorrectionRow).where(CorrectionRow.document_id.in_(docs))
            .order_by(CorrectionRow.id)))
    return found


def _added_fact_records(session: Session, corrections: Iterable[CorrectionRow],
                        scope: _Scope | None = None) -> list[dict[str, Any]]:
    """Facts reviewers added, on their document's latest version (when not extracted since)."""
    added = [c for c in corrections if c.action == "add"]
    if not added:
        return []
    ids = sorted({c.document_id for c in added})
    extracted: set[tuple[int, str]] = set()
    docs: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), CHUNK):
        some = ids[i:i + CHUNK]
        extracted |= set(session.execute(
            select(FactRow.document_id, FactRow.key).join(ExtractionRow)
            .where(ExtractionRow.is_current.is_(True), FactRow.document_id.in_(some))))
        docs.update((r.document_id, dict(r)) for r in session.execute(
            select(*_doc_columns()).join(ExtractionRow, ExtractionRow.version_id == VersionRow.id)
            .join(DocumentRow, VersionRow.document_id == DocumentRow.id)
            .where(ExtractionRow.is_current.is_(True), VersionRow.is_latest.is_(True),
                   DocumentRow.id.in_(some))).mappings())
    users = {uid: name for uid, name in session.execute(select(UserRow.id, UserRow.name))}
    records = []
    for c in added:
        if (c.document_id, c.fact_key) in extracted or c.document_id not in docs:
            continue
        # nothing was extracted: the extracted columns stay empty but for the kind (required)
        # and the source; the reviewer's values are in the corrected_* columns
        record = {**docs[c.document_id], "fact_key": c.fact_key, "fact_id": None,
                  "kind": c.kind or "count",
                  "source_text": c.text or "", "span_start": c.span_start or 0,
                  "span_end": c.span_end or 0, "flagged": False,
                  "corrected_by": users.get(c.user_id) if c.user_id else None}
        records.append(_with_correction(record, c))
    return records


def facts_frame(source: str | Session | Extraction | Iterable[Extraction],
                filters: Filters | None = None, *, document_id: int | Sequence[int] | None = None,
                places: Iterable[str] | None = None) -> pd.DataFrame:
    """Facts as a DataFrame, from a database URL, a Session, or Extraction(s).

    From a database, every filter is part of the query: one document of 10,000 reads that
    document's rows only. ``document_id`` and ``places`` add to ``filters`` (the review app:
    ``facts_frame(session, document_id=document, places=None if user.sees_every_place else
    user.places)``; an empty ``places`` selects nothing)."""
    filters = filters or Filters()
    if document_id is not None:
        filters = replace(filters, document_id=(document_id,) if isinstance(document_id, int)
                          else document_id)
    if places is not None:
        filters = replace(filters, places=list(places))
    if isinstance(source, Extraction):
        source = [source]
    if isinstance(source, Session):
        records = _db_fact_records(source, filters)
    elif isinstance(source, (str, Path)):
        with session_scope(existing(str(source))) as session:
            records = _db_fact_records(session, filters)
    else:
        records = [r for ex in source for r in facts_from_extraction(ex)]
        return filter_facts(typed_frame(records, FACT_COLUMNS, FACT_DTYPES), filters)
    # the database applied the document filters exactly, and a superset of the fact filters
    rest = Filters(indicator=filters.indicator, period=filters.period, status=filters.status)
    return filter_facts(typed_frame(records, FACT_COLUMNS, FACT_DTYPES), rest)


def _contains(series: pd.Series, needles: Sequence[str]) -> pd.Series:
    """Rows whose text contains one of the needles, compared without case or diacritics
    ("Dak Song" finds "Đắk Song")."""
    text = series.astype("string").fillna("").map(fold)
    mask = pd.Series(False, index=series.index)
    for needle in needles:
        mask |= text.str.contains(fold(needle), regex=False)
    return mask


def _paths(series: pd.Series, patterns: Sequence[str]) -> pd.Series:
    """Document paths matching any shell-style pattern (see ``store.inputs.path_pattern``:
    ``*`` stays within a folder, ``**`` crosses folders), on the whole path or a tail of it:
    ``2024/*.pdf`` and ``report.pdf`` match wherever the archive lies; a zip member's path is
    ``archive.zip!inner/path``."""
    tests = [path_pattern(p) for p in patterns]
    return series.astype("string").fillna("").map(
        lambda path: any(t(str(path)) for t in tests)).astype(bool)


def _common(frame: pd.DataFrame, filters: Filters,
            aliases: dict[int, list[str]] | None = None) -> pd.Series:
    """The filters every table shares: the document's place and path (a document is also
    found by the other paths its bytes were met at, ``aliases``)."""
    mask = pd.Series(True, index=frame.index)
    if filters.place:
        mask &= _contains(frame["place"], filters.place)
    if filters.places is not None:
        mask &= frame["place"].isin(list(filters.places)).fillna(False).astype(bool)
    if filters.document_id:
        mask &= frame["document_id"].isin(list(filters.document_id)).fillna(False).astype(bool)
    if filters.document:
        by_path = _paths(frame["path"], filters.document)
        if aliases:
            tests = [path_pattern(p) for p in filters.document]
            known = {d for d, paths in aliases.items() if any(t(p) for t in tests for p in paths)}
            by_path |= frame["document_id"].isin(known).fillna(False).astype(bool)
        mask &= by_path
    return mask


def filter_facts(frame: pd.DataFrame, filters: Filters,
                 aliases: dict[int, list[str]] | None = None) -> pd.DataFrame:
    """Rows matching every filter given: indicator (exact, corrected first), period (year or
    words of the period), place (words of the place), document (path pattern), status."""
    mask = _common(frame, filters, aliases)
    if filters.indicator:
        indicator = frame["corrected_indicator"].fillna(frame["indicator"])
        mask &= indicator.isin(list(filters.indicator)).fillna(False).astype(bool)
    if filters.period:
        years = frame["period_year"].astype("string").fillna("")
        in_text = _contains(frame["corrected_period_text"].fillna(frame["period_text"]),
                            filters.period)
        mask &= years.isin(list(filters.period)).astype(bool) | in_text
    if filters.status:
        mask &= frame["status"].isin(list(filters.status)).astype(bool)
    return frame[mask.astype(bool)].reset_index(drop=True)


# ── checks and documents ─────────────────────────────────────────────────────────────────

def checks_frame(source: str | Session, filters: Filters | None = None) -> pd.DataFrame:
    """The checks of each document's current extraction, with the facts they relate."""
    if isinstance(source, (str, Path)):
        with session_scope(existing(str(source))) as session:
            return checks_frame(session, filters)
    filters = filters or Filters()
    records: list[dict[str, Any]] = []
    for where in _scope(source, filters).chunks():
        records += _check_records(source, where, filters.check_status)
    records.sort(key=lambda r: (r["path"], _ordinal(r["check_id"])))
    frame = typed_frame(records, CHECK_COLUMNS, check_dtypes())
    if filters.check_status:
        frame = frame[frame["status"].isin(list(filters.check_status)).astype(bool)]
    return frame.reset_index(drop=True)


def _check_records(session: Session, where: list[Any], statuses: Sequence[str]
                   ) -> list[dict[str, Any]]:
    """Check records of the documents selected by ``where`` (see ``_Scope``)."""
    x, v, d = ExtractionRow, VersionRow, DocumentRow
    current = (x.is_current.is_(True), v.is_latest.is_(True), *where)
    rechecked: dict[int, list[dict[str, Any]]] = dict(session.execute(
        select(RecheckRow.extraction_id, RecheckRow.checks)
        .join(x, RecheckRow.extraction_id == x.id).join(v, x.version_id == v.id)
        .join(d, v.document_id == d.id).where(*current)).all())
    first = [x.id.not_in(list(rechecked))] if rechecked else []
    if statuses:
        first.append(CheckRow.status.in_(list(statuses)))
    keys: dict[int, list[str]] = {}
    for check_id, key in session.execute(
            select(RelationRow.check_id, FactRow.key)
            .join(FactRow, RelationRow.fact_id == FactRow.id)
            .join(CheckRow, RelationRow.check_id == CheckRow.id)
            .join(x, CheckRow.extraction_id == x.id).join(v, x.version_id == v.id)
            .join(d, v.document_id == d.id).where(*current, *first)
            .order_by(RelationRow.position)):
        keys.setdefault(check_id, []).append(key)
    rows = session.execute(
        select(*_doc_columns()[:6], x.place, x.id.label("extraction_id"),
               CheckRow.id, CheckRow.ordinal,
               CheckRow.rule, CheckRow.status, CheckRow.expected, CheckRow.actual,
               CheckRow.tolerance, CheckRow.explanation, CheckRow.data)
        .join(x, CheckRow.extraction_id == x.id)
        .join(v, x.version_id == v.id)
        .join(d, v.document_id == d.id)
        .where(*current, *first)
        .order_by(d.path, CheckRow.id)).mappings()
    records = [{**{k: r[k] for k in CHECK_COLUMNS[:7]}, "check_id": r["ordinal"],
                "rule": r["rule"], "status": r["status"], "expected": r["expected"],
                "actual": r["actual"], "tolerance": r["tolerance"],
                "explanation": r["explanation"], "fact_ids": ",".join(r["data"].get("facts", [])),
                "fact_keys": ",".join(keys.get(r["id"], [])), "after_review": False}
               for r in rows]
    return records + _rechecked_records(session, rechecked)


def _ordinal(check_id: Any) -> tuple[int, str]:
    text = str(check_id or "")
    digits = "".join(c for c in text if c.isdigit())
    return (int(digits) if digits else 0, text)


def _rechecked_records(session: Session, rechecked: dict[int, list[dict[str, Any]]]
                       ) -> list[dict[str, Any]]:
    """Check records of the documents reviewers corrected: the checks rerun with their
    corrections (what the review app shows), not the checks as first extracted."""
    if not rechecked:
        return []
    docs = {r["extraction_id"]: dict(r) for r in session.execute(
        select(*_doc_columns()[:6], ExtractionRow.place, ExtractionRow.id.label("extraction_id"))
        .join(VersionRow, ExtractionRow.version_id == VersionRow.id)
        .join(DocumentRow, VersionRow.document_id == DocumentRow.id)
        .where(ExtractionRow.id.in_(list(rechecked)))).mappings()}
    key_of: dict[tuple[int, str], str] = {
        (x, o): k for x, o, k in session.execute(
            select(FactRow.extraction_id, FactRow.ordinal, FactRow.key)
            .where(FactRow.extraction_id.in_(list(rechecked)))).all()}
    records = []
    for extraction_id, checks in rechecked.items():
        doc = docs[extraction_id]
        for c in checks:
            facts = list(c.get("facts") or [])
            records.append({**{k: doc[k] for k in CHECK_COLUMNS[:7]}, "check_id": c.get("id"),
                            "rule": c.get("rule"), "status": c.get("status"),
                            "expected": number(c.get("expected")),
                            "actual": number(c.get("actual")), "tolerance": c.get("tolerance"),
                            "explanation": c.get("explanation"), "fact_ids": ",".join(facts),
                            "fact_keys": ",".join(key_of[(extraction_id, f)] for f in facts
                                                  if (extraction_id, f) in key_of),
                            "after_review": True})
    return records


def checks_from_extraction(ex: Extraction, *, path: str | None = None, doc_version: int = 1,
                           extractor_version: str | None = None) -> list[dict[str, Any]]:
    """Check records of one Extraction, outside any database."""
    doc = _extraction_doc(ex, path, doc_version, extractor_version)
    keys = dict(zip((f.id for f in ex.facts), fact_keys(ex)))
    return [{**{k: doc[k] for k in CHECK_COLUMNS[:7]}, "check_id": c.id, "rule": c.rule,
             "status": c.status.value, "expected": number(c.expected), "actual": number(c.actual),
             "tolerance": c.tolerance, "explanation": c.explanation, "fact_ids": ",".join(c.facts),
             "fact_keys": ",".join(keys[i] for i in c.facts if i in keys),
             "after_review": False} for c in ex.checks]


def document_from_extraction(ex: Extraction, *, path: str | None = None, doc_version: int = 1,
                             extractor_version: str | None = None, size: int | None = None
                             ) -> dict[str, Any]:
    """The documents-table record of one Extraction, outside any database."""
    doc = _extraction_doc(ex, path, doc_version, extractor_version)
    m = ex.meta
    return {**doc, "versions": 1, "size": size, "pages": ex.source.pages,
            "period_text": m.period.text if m.period else None,
            "period_year": m.period.year if m.period else None,
            "signer_title": m.signer_title, "signer_name": m.signer_name,
            "n_facts": len(ex.facts),
            "n_checks_failed": sum(1 for c in ex.checks if c.status.value == "fail"),
            "review_state": None, "open_flags": 0, "ingested_at": datetime.now(UTC)}


def check_dtypes() -> dict[str, str]:
    numbers = {"expected", "actual", "tolerance"}
    return {c: ("Float64" if c in numbers else "Int64" if c in ("document_id", "doc_version")
                else "boolean" if c == "after_review" else "string") for c in CHECK_COLUMNS}


def documents_frame(source: str | Session, filters: Filters | None = None) -> pd.DataFrame:
    """One row per document: its latest version, current extraction's metadata, review state."""
    if isinstance(source, (str, Path)):
        with session_scope(existing(str(source))) as session:
            return documents_frame(session, filters)
    filters = filters or Filters()
    n_versions = (select(func.count()).where(VersionRow.document_id == DocumentRow.id)
                  .correlate(DocumentRow).scalar_subquery())
    open_flags = (select(func.count()).where(FlagRow.document_id == DocumentRow.id,
                                             FlagRow.resolved_at.is_(None))
                  .correlate(DocumentRow).scalar_subquery())
    x = ExtractionRow
    rows: list[Any] = []
    for where in _scope(source, filters).chunks():
        rows += source.execute(
            select(DocumentRow.id.label("document_id"), DocumentRow.path,
                   VersionRow.number.label("doc_version"), n_versions.label("versions"),
                   VersionRow.sha256, VersionRow.format, VersionRow.size, VersionRow.pages,
                   x.extractor_version, x.doc_type, x.number, x.symbol, x.issuer, x.place,
                   x.date_value.label("doc_date"), x.title, x.period_text, x.period_year,
                   x.meta, x.n_facts,
                   # what reviewers' corrections made of the checks, where they corrected
                   func.coalesce(RecheckRow.n_failed, x.n_checks_failed).label("n_checks_failed"),
                   ReviewRow.state.label("review_state"),
                   open_flags.label("open_flags"), x.created_at.label("ingested_at"))
            .join(VersionRow, VersionRow.document_id == DocumentRow.id)
            .join(x, x.version_id == VersionRow.id)
            .outerjoin(RecheckRow, RecheckRow.extraction_id == x.id)
            .outerjoin(ReviewRow, ReviewRow.document_id == DocumentRow.id)
            .where(x.is_current.is_(True), VersionRow.is_latest.is_(True), *where)
            .order_by(DocumentRow.path)).mappings().all()
    aliases = _other_paths(source, [r["document_id"] for r in rows])
    records = [{**{k: v for k, v in r.items() if k != "meta"},
                "signer_title": r["meta"].get("signer_title"),
                "signer_name": r["meta"].get("signer_name"),
                "ingested_at": r["ingested_at"],
                "other_paths": "\n".join(aliases.get(r["document_id"], [])) or None}
               for r in rows]
    return typed_frame(records, DOCUMENT_COLUMNS, document_dtypes())


def _other_paths(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """document id -> the other paths its bytes were met at (``repository.other_paths``, for
    the documents ``ids`` only)."""
    found: dict[int, list[str]] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), CHUNK):
        for document_id, path in session.execute(
                select(PathRow.document_id, PathRow.path)
                .where(PathRow.document_id.in_(wanted[i:i + CHUNK])).order_by(PathRow.id)):
            found.setdefault(document_id, []).append(path)
    return found


def document_dtypes() -> dict[str, Any]:
    ints = {"document_id", "doc_version", "versions", "size", "pages", "period_year", "n_facts",
            "n_checks_failed", "open_flags"}
    return {c: "Int64" if c in ints else DATE_DTYPE if c in DATE_COLUMNS
            else TIMESTAMP_DTYPE if c in TIMESTAMP_COLUMNS else "string" for c in DOCUMENT_COLUMNS}


# ── writers ──────────────────────────────────────────────────────────────────────────────

def export_frames(url: str, filters: Filters | None = None) -> dict[str, pd.DataFrame]:
    """The three tables, filtered alike: place and path select documents everywhere; the
    fact filters (indicator, period, status) keep the checks that relate a kept fact and the
    documents that have one, so the three files describe the same selection."""
    filters = filters or Filters()
    with session_scope(resolve_url(url)) as session:
        facts = facts_frame(session, filters)
        checks = checks_frame(session, filters)
        documents = documents_frame(session, filters)
    if filters.indicator or filters.period or filters.status:
        kept = {(d, k) for d, k in zip(facts["document_id"], facts["fact_key"])}
        checks = checks[[any((d, k) in kept for k in str(keys or "").split(","))
                         for d, keys in zip(checks["document_id"], checks["fact_keys"])]]
        documents = documents[documents["document_id"].isin(set(facts["document_id"]))]
    if filters.check_status:
        documents = documents[documents["document_id"].isin(set(checks["document_id"]))]
    return {"facts": facts.reset_index(drop=True), "checks": checks.reset_index(drop=True),
            "documents": documents.reset_index(drop=True)}


def write_frames(frames: dict[str, pd.DataFrame], fmt: str, out: Path) -> list[Path]:
    """Write each table as ``out/NAME.FMT`` (xlsx: one workbook, a sheet per table)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "xlsx":
        target = out if out.suffix == ".xlsx" else out / "baocao.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(target, engine="openpyxl") as book:
            for name, frame in frames.items():
                _for_excel(frame).to_excel(book, sheet_name=name, index=False)
                _text_stays_text(book.sheets[name])
        return [target]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        target = out / f"{name}.{fmt}"
        write_frame(frame, fmt, target)
        written.append(target)
    return written


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table whose date columns are date32 even when a part has no date
    at all (a column of nulls would otherwise be typed null, and parts would disagree)."""
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for name in DATE_COLUMNS & set(frame.columns):
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.date32()))
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def _for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: timestamps are written as UTC wall-clock time (the README says
    so); dates and timestamps are real Excel dates, never text."""
    out = frame.copy()
    for name in TIMESTAMP_COLUMNS & set(frame.columns):
        out[name] = frame[name].dt.tz_convert("UTC").dt.tz_localize(None)
    for name in DATE_COLUMNS & set(frame.columns):
        out[name] = pd.to_datetime(frame[name].astype("string"), format="%Y-%m-%d")
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (or a DDE command) in a CSV cell."""


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula (a report
    titled "=HYPERLINK(...)", a reviewer's reason "+cmd|...") prefixed with an apostrophe, as
    OWASP recommends for CSV: the cell shows as text, nothing is evaluated. Numbers and dates
    are left as they are; only text columns can carry a formula."""
    out = frame.copy()
    for name in frame.columns:
        if name in DATE_COLUMNS or not (pd.api.types.is_string_dtype(frame[name])
                                        or frame[name].dtype == object):
            continue
        out[name] = frame[name].map(
            lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v,
            na_action="ignore").astype(frame[name].dtype)
    return out


def _text_stays_text(sheet: Any) -> None:
    """openpyxl stores a string that starts with "=" as a formula: store it as the text it
    is. (Strings stored as text are never evaluated by Excel, whatever they start with.)"""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_frame(frame: pd.DataFrame, fmt: str, target: Any) -> None:
    """One table in one format; ``target`` is a path or a text stream (jsonl, csv)."""
    if fmt == "jsonl":
        # JSON has no date type: dates as "2024-05-06", timestamps as "2024-05-06T10:00:00.000Z"
        dated = frame.copy()
        for name in DATE_COLUMNS & set(frame.columns):
            dated[name] = frame[name].astype("string")
        dated.to_json(target, orient="records", lines=True, force_ascii=False, date_format="iso")
    elif fmt == "csv":
        spreadsheet_safe(frame).to_csv(target, index=False)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(arrow_table(frame), target)
    else:
        raise ValueError(f"cannot write one table as {fmt!r}")
