"""Saving an Extraction, idempotently, in one transaction; and the reads ingest needs.

Identity, from the outside in:

- a **document** is a logical path (``/abs/file.pdf`` or ``/abs/archive.zip!dir/file.pdf``);
- a **version** is one content of it, keyed by sha256 (unique: the same bytes are stored
  once, whatever path they come from); a file whose bytes changed is the next version;
- an **extraction** is one extractor version's reading of a version (unique per pair).

A rerun finds the pair already stored and skips it; a killed run loses at most the
documents whose transaction had not committed, and a unique constraint stops any
duplicate if two writers race (the loser rolls back and reports ``skipped``).

A fact's ``key`` (``fact_keys``) is made of its source text, the words around it and its
rank among identical neighbours, not of its span or kind: it survives a new extractor
version that re-labels or re-classifies the fact, and an edit elsewhere in the document that
shifts every span. Reviewers' corrections hang on ``(document_id, key)``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from schemas.extraction import Check, Extraction, Fact
from store.errors import RETRYABLE_CODES
from store.models import (
    AuditRow,
    Base,
    CheckRow,
    CorrectionRow,
    DocumentRow,
    ErrorRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    RelationRow,
    ReviewRow,
    VersionRow,
    utcnow,
)

CONTEXT_CHARS = 24
_SPACES = re.compile(r"\s+")
COMPARED_FIELDS = ("kind", "value", "denominator", "unit", "label", "indicator", "period",
                   "subject")


@dataclass
class Saved:
    """What ``save_extraction`` did: ``new`` (stored) or ``skipped`` (already there)."""

    status: str
    document_id: int
    version_id: int
    extraction_id: int | None = None
    version_number: int = 1
    n_facts: int = 0
    failed_rules: list[str] = field(default_factory=list)
    flags: int = 0


def _table(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements (one INSERT for all facts)."""
    return cast(Table, model.__table__)


def fact_key(text: str, span: tuple[int, int], full_text: str, occurrence: int = 0) -> str:
    """The stable key of the figure ``text`` at ``span`` of ``full_text`` (sha1 hex)."""
    left = _SPACES.sub(" ", full_text[max(0, span[0] - CONTEXT_CHARS):span[0]]).strip()
    right = _SPACES.sub(" ", full_text[span[1]:span[1] + CONTEXT_CHARS]).strip()
    raw = "\x1f".join((text, left, right, str(occurrence)))
    return hashlib.sha1(raw.encode()).hexdigest()


def fact_keys(ex: Extraction) -> list[str]:
    """One key per fact of ``ex``, in order; identical (text, context) get 0, 1, 2..."""
    seen: Counter[str] = Counter()
    keys = []
    for f in ex.facts:
        base = fact_key(f.text, f.span, ex.text)
        keys.append(fact_key(f.text, f.span, ex.text, seen[base]))
        seen[base] += 1
    return keys


def done_keys(session: Session, extractor_version: str) -> set[str]:
    """Content hashes (and error keys) this extractor version needs not read again."""
    stored = select(VersionRow.sha256).join(
        ExtractionRow, ExtractionRow.version_id == VersionRow.id).where(
        ExtractionRow.extractor_version == extractor_version)
    failed = select(ErrorRow.key).where(ErrorRow.extractor_version == extractor_version,
                                        ErrorRow.code.not_in(RETRYABLE_CODES))
    return set(session.scalars(stored)) | set(session.scalars(failed))


def save_extraction(session: Session, ex: Extraction, *, path: str, extractor_version: str,
                    size: int | None = None, run_id: int | None = None) -> Saved:
    """Store ``ex`` (read from ``path``) unless this content was already read by this version.

    The caller commits: everything written here belongs to one transaction.
    """
    _asynchronous_commit(session)
    version = session.scalar(select(VersionRow).where(VersionRow.sha256 == ex.source.sha256))
    new_document, new_version = False, version is None
    if version is None:
        document, new_document = _document(session, path)
        version = _new_version(session, document, ex, size, first=new_document)
    elif session.scalar(select(ExtractionRow.id).where(
            ExtractionRow.version_id == version.id,
            ExtractionRow.extractor_version == extractor_version)) is not None:
        return Saved("skipped", version.document_id, version.id, version_number=version.number)
    extraction = _new_extraction(session, version, ex, extractor_version, run_id,
                                 first=new_version)
    fact_ids = _insert_facts(session, ex, extraction.id, version.document_id)
    _insert_checks(session, ex.checks, extraction.id, fact_ids)
    flags = 0 if new_document else flag_corrections(session, version.document_id,
                                                    extraction.id, ex, fact_ids)
    session.execute(delete(_table(ErrorRow)).where(
        ErrorRow.key.in_([ex.source.sha256, path])))
    return Saved("new", version.document_id, version.id, extraction.id, version.number,
                 len(ex.facts), [c.rule for c in ex.checks if c.status.value == "fail"], flags)


def _asynchronous_commit(session: Session) -> None:
    """PostgreSQL: do not wait for the WAL flush when committing this transaction.

    Safe for ingest and only for it: everything written here is derived from the files, and
    the worst a *server* crash can do is forget the last few commits (never half of one), which
    the next ingest simply redoes, since work is keyed by what is in the database. It halves
    the cost of a document on a busy disk. Reviewers' writes keep synchronous commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _document(session: Session, path: str) -> tuple[DocumentRow, bool]:
    """The document at ``path``, created (with its review state) if new; (row, created)."""
    document = session.scalar(select(DocumentRow).where(DocumentRow.path == path))
    if document is not None:
        return document, False
    document = DocumentRow(path=path)
    session.add(document)
    session.flush()
    session.add(ReviewRow(document_id=document.id, state="unreviewed"))
    return document, True


def _new_version(session: Session, document: DocumentRow, ex: Extraction,
                 size: int | None, *, first: bool) -> VersionRow:
    latest = 0
    if not first:
        latest = session.scalar(select(func.max(VersionRow.number)).where(
            VersionRow.document_id == document.id)) or 0
        session.execute(update(VersionRow).where(VersionRow.document_id == document.id)
                        .values(is_latest=False))
    version = VersionRow(document_id=document.id, number=latest + 1, sha256=ex.source.sha256,
                         format=ex.source.format.value, size=size, pages=ex.source.pages,
                         is_latest=True)
    session.add(version)
    session.flush()
    return version


def _new_extraction(session: Session, version: VersionRow, ex: Extraction,
                    extractor_version: str, run_id: int | None, *, first: bool) -> ExtractionRow:
    if not first:
        session.execute(update(ExtractionRow).where(ExtractionRow.version_id == version.id)
                        .values(is_current=False))
    m = ex.meta
    row = ExtractionRow(
        version_id=version.id, extractor_version=extractor_version,
        schema_version=ex.schema_version, is_current=True, run_id=run_id,
        doc_type=m.doc_type, number=m.number, symbol=m.symbol, issuer=m.issuer, place=m.place,
        date_value=(m.date.value if m.date else None), title=m.title,
        period_text=(m.period.text if m.period else None),
        period_year=(m.period.year if m.period else None),
        meta=m.model_dump(mode="json"), warnings=list(ex.warnings), text=ex.text,
        n_facts=len(ex.facts),
        n_checks_failed=sum(1 for c in ex.checks if c.status.value == "fail"))
    session.add(row)
    session.flush()
    return row


def fact_values(f: Fact) -> dict[str, Any]:
    """The typed columns of a fact: numbers in ``value``, ISO dates in ``value_text``."""
    number = f.value if isinstance(f.value, int | float) else None
    p = f.period
    return {"kind": f.kind.value, "value": number,
            "value_text": f.value if isinstance(f.value, str) else None,
            "denominator": f.denominator, "unit": f.unit, "qualifier": f.qualifier.value,
            "label": f.label, "indicator": f.indicator,
            "period_text": p.text if p else None, "period_start": p.start if p else None,
            "period_end": p.end if p else None, "period_year": p.year if p else None,
            "subject": f.subject}


def _insert_facts(session: Session, ex: Extraction, extraction_id: int,
                  document_id: int) -> dict[str, tuple[int, str]]:
    """Insert every fact in one statement; returns ordinal ('f12') → (row id, key)."""
    if not ex.facts:
        return {}
    keys = fact_keys(ex)
    rows = [{"extraction_id": extraction_id, "document_id": document_id, "key": key,
             "ordinal": f.id, **fact_values(f), "text": f.text, "span_start": f.span[0],
             "span_end": f.span[1], "page": f.location.page, "section": f.location.section,
             "confidence": f.confidence, "strategy": f.strategy,
             "data": f.model_dump(mode="json"), "version": 1}
            for f, key in zip(ex.facts, keys)]
    result = session.execute(insert(_table(FactRow)).returning(
        _table(FactRow).c.id, sort_by_parameter_order=True), rows)
    ids = [r[0] for r in result]
    return {f.id: (i, key) for f, i, key in zip(ex.facts, ids, keys)}


def _number(v: float | str | None) -> float | None:
    return float(v) if isinstance(v, int | float) else None


def _insert_checks(session: Session, checks: list[Check], extraction_id: int,
                   fact_ids: dict[str, tuple[int, str]]) -> None:
    if not checks:
        return
    rows = [{"extraction_id": extraction_id, "ordinal": c.id, "rule": c.rule,
             "status": c.status.value, "expected": _number(c.expected),
             "actual": _number(c.actual), "tolerance": c.tolerance,
             "explanation": c.explanation, "data": c.model_dump(mode="json")} for c in checks]
    result = session.execute(insert(_table(CheckRow)).returning(
        _table(CheckRow).c.id, sort_by_parameter_order=True), rows)
    relations = [{"check_id": check_id, "position": pos, "fact_id": fact_ids[ordinal][0]}
                 for check_id, c in zip([r[0] for r in result], checks)
                 for pos, ordinal in enumerate(c.facts) if ordinal in fact_ids]
    if relations:
        session.execute(insert(_table(RelationRow)), relations)


def record_error(session: Session, record: dict[str, Any], *, key: str, path: str,
                 extractor_version: str, sha256: str | None = None, size: int | None = None,
                 run_id: int | None = None) -> ErrorRow:
    """Insert or refresh the error of one file (one row per file and extractor version)."""
    row = session.scalar(select(ErrorRow).where(ErrorRow.key == key,
                                                ErrorRow.extractor_version == extractor_version))
    fields = {"code": record["code"], "type": record["type"], "message": record["message"],
              "hint": record.get("hint"), "path": path, "sha256": sha256, "size": size,
              "run_id": run_id}
    if row is None:
        row = ErrorRow(key=key, extractor_version=extractor_version, attempts=1, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.attempts += 1
        row.updated_at = utcnow()
    session.flush()
    return row


def flag_corrections(session: Session, document_id: int, extraction_id: int, ex: Extraction,
                     fact_ids: dict[str, tuple[int, str]]) -> int:
    """Compare a new extraction with every correction of its document; flag differences.

    The corrections themselves are never touched. A flag says: this fact as newly extracted
    differs from what the reviewer decided (``differs``), the corrected fact is no longer
    extracted (``missing``), or a fact the reviewer added is now extracted (``now_extracted``).
    """
    corrections = list(session.scalars(select(CorrectionRow).where(
        CorrectionRow.document_id == document_id)))
    if not corrections:
        return 0
    by_key = {fact_ids[f.id][1]: f for f in ex.facts}
    flags = [flag for c in corrections
             if (flag := _flag(c, by_key.get(c.fact_key), session)) is not None]
    for kind, correction, detail in flags:
        session.add(FlagRow(document_id=document_id, extraction_id=extraction_id,
                            correction_id=correction.id, fact_key=correction.fact_key,
                            kind=kind, detail=detail))
    if flags:
        _needs_review(session, document_id, len(flags), extraction_id)
    return len(flags)


def _flag(c: CorrectionRow, fact: Fact | None, session: Session
          ) -> tuple[str, CorrectionRow, dict[str, Any]] | None:
    if c.action == "add":
        return ("now_extracted", c, {"extracted": fact.model_dump(mode="json")}) if fact else None
    if c.action == "reject":
        return None  # the reviewer's rejection keeps applying; nothing new to decide
    if fact is None:
        return "missing", c, {}
    if c.action == "confirm":
        base = session.get(FactRow, c.base_fact_id) if c.base_fact_id else None
        wanted = {name: _compared(name, base.data) for name in COMPARED_FIELDS} if base else {}
    else:
        wanted = {name: correction_value(c, name) for name in c.fields}
    new = fact.model_dump(mode="json")
    diffs = {name: {"extracted": _compared(name, new), "corrected": value}
             for name, value in wanted.items() if _compared(name, new) != value}
    return ("differs", c, {"fields": diffs}) if diffs else None


def _compared(name: str, data: dict[str, Any]) -> Any:
    """A fact field in the shape corrections store it (periods compared by their text)."""
    value = data.get(name)
    if name == "period" and isinstance(value, dict):
        return value.get("text")
    return value


def correction_value(c: CorrectionRow, name: str) -> Any:
    """The corrected value of field ``name`` (``value`` may be a number or an ISO date)."""
    if name == "value":
        return c.value if c.value is not None else c.value_text
    if name == "period":
        return c.period.get("text") if c.period else None
    return getattr(c, name)


def _needs_review(session: Session, document_id: int, n_flags: int, extraction_id: int) -> None:
    review = session.get(ReviewRow, document_id)
    if review is None or review.state == "needs_review":
        return
    before = {"state": review.state}
    review.state, review.updated_at = "needs_review", utcnow()
    session.add(AuditRow(actor="ingest", action="flag", entity="review",
                         entity_id=str(document_id), before=before,
                         after={"state": "needs_review", "extraction_id": extraction_id},
                         reason=f"{n_flags} difference(s) between a new extraction and "
                                "reviewers' corrections"))


class StaleCorrectionError(Exception):
    """Another reviewer saved this fact since the caller read it (optimistic locking)."""


def correct_fact(session: Session, fact: FactRow, action: str, changes: dict[str, Any] | None = None,
                 *, actor: str, user_id: int | None = None, reason: str | None = None,
                 expected_version: int | None = None) -> CorrectionRow:
    """Record a reviewer's decision on ``fact`` (edit, reject or confirm) and audit it.

    ``expected_version`` is the correction version the reviewer's screen showed (None when it
    showed none); a mismatch raises StaleCorrectionError instead of overwriting their
    colleague's decision. The previous state goes to ``audit``, never lost.
    """
    changes = changes or {}
    row = session.scalar(select(CorrectionRow).where(
        CorrectionRow.document_id == fact.document_id, CorrectionRow.fact_key == fact.key))
    if expected_version is not None and (row.version if row else None) != expected_version:
        raise StaleCorrectionError(f"fact {fact.key[:12]} was changed by someone else")
    before = correction_snapshot(row) if row else None
    if row is None:
        row = CorrectionRow(document_id=fact.document_id, fact_key=fact.key)
        session.add(row)
    row.action, row.fields, row.reason, row.user_id = action, sorted(changes), reason, user_id
    row.base_extraction_id, row.base_fact_id, row.updated_at = fact.extraction_id, fact.id, utcnow()
    for name in ("kind", "value", "value_text", "denominator", "unit", "label", "indicator",
                 "period", "subject"):
        setattr(row, name, None)
    for name, value in changes.items():
        _set_corrected(row, name, value)
    session.flush()
    session.add(AuditRow(user_id=user_id, actor=actor, action=f"correction.{action}",
                         entity="fact", entity_id=f"{fact.document_id}:{fact.key}",
                         before=before, after=correction_snapshot(row), reason=reason))
    return row


def _set_corrected(row: CorrectionRow, name: str, value: Any) -> None:
    if name == "value":
        row.value = float(value) if isinstance(value, int | float) else None
        row.value_text = value if isinstance(value, str) else None
    elif name == "period":
        row.period = {"text": value} if isinstance(value, str) else value
    elif name in COMPARED_FIELDS:
        setattr(row, name, value)
    else:
        raise ValueError(f"{name!r} is not a correctable field: {', '.join(COMPARED_FIELDS)}")


def correction_snapshot(row: CorrectionRow) -> dict[str, Any]:
    """The correction as JSON, for the audit log's before/after."""
    return {"action": row.action, "fields": list(row.fields or []), "version": row.version,
            **{name: correction_value(row, name) for name in COMPARED_FIELDS},
            "reason": row.reason, "user_id": row.user_id}


def summary(session: Session) -> dict[str, Any]:
    """Totals of the database: what ``baocao run`` prints after ingest."""
    current = ExtractionRow.is_current.is_(True)
    latest = select(ExtractionRow.id).join(VersionRow).where(current, VersionRow.is_latest.is_(True))
    failed = session.execute(
        select(CheckRow.rule, func.count()).where(CheckRow.status == "fail",
                                                  CheckRow.extraction_id.in_(latest))
        .group_by(CheckRow.rule).order_by(func.count().desc(), CheckRow.rule)).all()
    errors = session.execute(select(ErrorRow.code, func.count()).group_by(ErrorRow.code)
                             .order_by(ErrorRow.code)).all()
    return {
        "documents": session.scalar(select(func.count()).select_from(DocumentRow)) or 0,
        "versions": session.scalar(select(func.count()).select_from(VersionRow)) or 0,
        "extractions": session.scalar(select(func.count()).select_from(ExtractionRow)) or 0,
        "facts": session.scalar(select(func.count()).select_from(FactRow)
                                .where(FactRow.extraction_id.in_(latest))) or 0,
        "checks_failed": {rule: n for rule, n in failed},
        "errors": {code: n for code, n in errors},
        "flags": session.scalar(select(func.count()).select_from(FlagRow)
                                .where(FlagRow.resolved_at.is_(None))) or 0,
    }


def list_errors(session: Session) -> list[dict[str, Any]]:
    """Unreadable files, by error code then path (``baocao errors``)."""
    rows = session.scalars(select(ErrorRow).order_by(ErrorRow.code, ErrorRow.path))
    return [{"code": r.code, "type": r.type, "path": r.path, "message": r.message,
             "hint": r.hint, "sha256": r.sha256, "attempts": r.attempts,
             "extractor_version": r.extractor_version} for r in rows]
