"""Saving an Extraction, idempotently, in one transaction; and the reads ingest needs.

Identity, from the outside in:

- a **document** is a logical path (``/abs/file.pdf`` or ``/abs/archive.zip!dir/file.pdf``);
- a **version** is one content of it, keyed by sha256 (unique: the same bytes are stored
  once, whatever path they come from); a file whose bytes changed is the next version;
- an **extraction** is one extractor version's reading of a version (unique per pair).

A rerun finds the pair already stored and skips it; a killed run loses at most the
documents whose transaction had not committed, and a unique constraint stops any
duplicate if two writers race (the loser rolls back and reports ``skipped``).

Writes are plain Core statements over rows the worker prepared (``store.rows``): about ten
statements a document (``save_prepared``), or a few for a whole batch of new documents
(``save_new_batch``, what the single ingest writer uses). The parsed Document the worker
encoded goes to ``parsed_documents`` in the same transaction (``store_parsed_document``), so
whatever stores through ``save_prepared`` (the local writer, Dask workers) stores it too. Reviewers' corrections hang on
``(document_id, fact key)``; the key is stable across versions (see ``store.rows``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from baocao.schemas.document import Document
from baocao.schemas.extraction import Extraction
from baocao.store.errors import RETRYABLE_CODES
from baocao.store.models import (
    AuditRow,
    Base,
    CheckRow,
    CorrectionRow,
    DocumentRow,
    ErrorRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    ParsedDocumentRow,
    PathRow,
    RecheckRow,
    RelationRow,
    ReviewRow,
    VersionRow,
    utcnow,
)
from baocao.store.rows import JSON_TEXT_COLUMNS, Prepared, fact_key, fact_keys, prepare

__all__ = ["Saved", "fact_key", "fact_keys", "save_extraction", "save_prepared", "save_new_batch",
           "store_parsed_document", "Done",
           "done_work", "error_key", "record_error", "flag_corrections", "correct_fact",
           "add_fact", "summary", "list_errors"]

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
    """The Core table of a model: ingest writes with plain statements (no unit of work)."""
    return cast(Table, model.__table__)


def error_key(path: str, sha256: str | None) -> str:
    """The key of a file's error row: one row per file, i.e. per path and content.

    Identical broken bytes at two paths are two bad files and get two rows; a file that could
    not even be hashed (unreadable, refused before reading) is keyed by its path alone.
    """
    return f"{sha256}:{path}" if sha256 else path


@dataclass
class Done:
    """What this extractor version needs not read again, and what this run has in flight.

    ``stored``: content hashes with an extraction; ``recorded``: error keys of files already
    recorded as bad (not retryable); ``failed``: content hash → the error of bytes known to be
    bad, so another file with the same bytes is recorded without being read again;
    ``pending``: content hash → the other files with those bytes met while the first is read.
    """

    stored: set[str] = field(default_factory=set)
    recorded: set[str] = field(default_factory=set)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)


def done_work(session: Session, extractor_version: str) -> Done:
    """The :class:`Done` of ``extractor_version`` as stored in the database."""
    stored = select(VersionRow.sha256).join(
        ExtractionRow, ExtractionRow.version_id == VersionRow.id).where(
        ExtractionRow.extractor_version == extractor_version)
    failed = select(ErrorRow.key, ErrorRow.sha256, ErrorRow.code, ErrorRow.type,
                    ErrorRow.message, ErrorRow.hint, ErrorRow.path).where(
        ErrorRow.extractor_version == extractor_version, ErrorRow.code.not_in(RETRYABLE_CODES))
    done = Done(stored=set(session.scalars(stored)))
    for key, sha256, code, type_, message, hint, path in session.execute(failed):
        done.recorded.add(key)
        if sha256:
            done.failed.setdefault(sha256, {"code": code, "type": type_, "message": message,
                                            "hint": hint, "path": path})
    return done


def save_extraction(session: Session, ex: Extraction, *, path: str, extractor_version: str,
                    size: int | None = None, run_id: int | None = None,
                    document: Document | None = None) -> Saved:
    """Store ``ex`` (read from ``path``) unless this content was already read by this version;
    with ``document`` (the Document ``ex`` was extracted from), store that too.

    The caller commits: everything written here belongs to one transaction.
    """
    return save_prepared(session, prepare(ex, document), path=path,
                         extractor_version=extractor_version, size=size, run_id=run_id)


def save_prepared(session: Session, p: Prepared, *, path: str, extractor_version: str,
                  size: int | None = None, run_id: int | None = None) -> Saved:
    """``save_extraction`` for rows the worker already prepared (``store.rows.prepare``),
    the encoded parsed Document included when the worker gave one."""
    _asynchronous_commit(session)
    db = session.connection()
    found = db.execute(_SQL.version_by_sha, {"b_sha256": p.sha256}).first()
    new_document = False
    if found is None:
        document_id, new_document = _document(db, path)
        version_id, number = _new_version(db, document_id, p, size, first=new_document)
    else:
        version_id, document_id, number = found
        if db.execute(_SQL.extraction_of, {"b_version_id": version_id,
                                           "b_extractor_version": extractor_version}).first():
            return Saved("skipped", document_id, version_id, version_number=number)
    extraction_id = _new_extraction(db, version_id, p, extractor_version, run_id,
                                    first=found is None)
    if p.document is not None:
        store_parsed_document(session, version_id, p.document, p.document_schema or "",
                              new=found is None)
    fact_ids = _insert_facts(db, p, extraction_id, document_id)
    _insert_checks(db, p, extraction_id, fact_ids)
    flags = 0 if new_document else flag_corrections(session, document_id, extraction_id,
                                                    p.facts_by_key())
    # this file, and other paths with these bytes, are no longer bad
    db.execute(_SQL.delete_errors, {"b_sha256": p.sha256, "b_path": path})
    return Saved("new", document_id, version_id, extraction_id, number, len(p.facts),
                 p.failed_rules, flags)


def save_new_batch(session: Session, batch: list[tuple[str, int | None, Prepared]], *,
                   extractor_version: str, run_id: int | None = None) -> list[Saved | None]:
    """``save_prepared`` of a batch of (path, size, rows), in the caller's transaction, with a
    few statements for the whole batch instead of about a dozen a document.

    Documents met for the first time (their bytes stored nowhere, their path no document's:
    what a bulk ingest mostly sees) go in together: one multi-row INSERT per table, ids read
    back in the order given (``sort_by_parameter_order``), facts, checks and relations of
    every document in one ``executemany`` (``COPY`` on PostgreSQL) each. The others (a new
    version of a known path, bytes stored elsewhere) go through ``save_prepared`` one by one.
    Same rows either way (tests/test_store_repository.py compares both). The caller commits;
    a unique constraint raised here (another writer was first) rolls the batch back whole.
    Returns one ``Saved`` per item, in order."""
    if not batch:
        return []
    db = session.connection()
    _asynchronous_commit(session)
    shas = [p.sha256 for _, _, p in batch]
    paths = [path for path, _, _ in batch]
    v, d = _table(VersionRow), _table(DocumentRow)
    known_shas = set(db.execute(select(v.c.sha256).where(v.c.sha256.in_(set(shas)))).scalars())
    known_paths = set(db.execute(select(d.c.path).where(d.c.path.in_(set(paths)))).scalars())
    fresh = [i for i, (path, _, p) in enumerate(batch)
             if p.sha256 not in known_shas and path not in known_paths
             and shas.count(p.sha256) == 1 and paths.count(path) == 1]
    out: list[Saved | None] = [None] * len(batch)
    if fresh:
        for i, saved in zip(fresh, _save_fresh(db, [batch[i] for i in fresh], extractor_version,
                                               run_id)):
            out[i] = saved
    chosen = set(fresh)
    for i, (path, size, p) in enumerate(batch):
        if i not in chosen:
            out[i] = save_prepared(session, p, path=path, size=size,
                                   extractor_version=extractor_version, run_id=run_id)
    return out


def _save_fresh(db: Connection, items: list[tuple[str, int | None, Prepared]],
                extractor_version: str, run_id: int | None) -> list[Saved]:
    """The new documents of ``save_new_batch``: each a document, its first version and its
    extraction, with facts, checks, relations and the parsed Document."""
    d, v, x = _table(DocumentRow), _table(VersionRow), _table(ExtractionRow)
    document_ids = _inserted(db, d, [{"path": path} for path, _, _ in items])
    db.execute(insert(_table(ReviewRow)),
               [{"document_id": i, "state": "unreviewed"} for i in document_ids])
    version_ids = _inserted(db, v, [
        {"document_id": document_id, "number": 1, "sha256": p.sha256, "format": p.format,
         "size": size, "pages": p.pages, "is_latest": True}
        for document_id, (_, size, p) in zip(document_ids, items)])
    extraction_ids = _inserted(db, x, [
        {"version_id": version_id, "extractor_version": extractor_version, "is_current": True,
         "run_id": run_id, **p.extraction} for version_id, (_, _, p) in zip(version_ids, items)])
    parsed = [{"version_id": version_id, "schema_version": p.document_schema or "",
               "data": p.document} for version_id, (_, _, p) in zip(version_ids, items)
              if p.document is not None]
    if parsed:
        db.execute(_INSERT_PARSED, parsed)
    facts = [{**f, "extraction_id": extraction_id, "document_id": document_id}
             for extraction_id, document_id, (_, _, p) in zip(extraction_ids, document_ids, items)
             for f in p.facts]
    fact_ids = _bulk_with_ids(db, _table(FactRow), facts, extraction_ids)
    checks = [{**c, "extraction_id": extraction_id}
              for extraction_id, (_, _, p) in zip(extraction_ids, items) for c in p.checks]
    check_ids = _bulk_with_ids(db, _table(CheckRow), checks, extraction_ids)
    relations = [{"check_id": check_ids[(extraction_id, p.checks[ci]["ordinal"])],
                  "position": pos, "fact_id": fact_ids[(extraction_id, p.facts[fi]["ordinal"])]}
                 for extraction_id, (_, _, p) in zip(extraction_ids, items)
                 for ci, pos, fi in p.relations]
    if relations:
        bulk_insert(db, _table(RelationRow), relations)
    e = _table(ErrorRow)
    db.execute(delete(e).where(e.c.sha256.in_([p.sha256 for _, _, p in items])
                               | e.c.path.in_([path for path, _, _ in items])))
    return [Saved("new", document_id, version_id, extraction_id, 1, len(p.facts),
                  p.failed_rules, 0)
            for document_id, version_id, extraction_id, (_, _, p)
            in zip(document_ids, version_ids, extraction_ids, items)]


def _inserted(db: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (one multi-row statement) and return their ids in the rows' order."""
    found = db.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(i) for i in found.scalars()]


def _bulk_with_ids(db: Connection, table: Table, rows: list[dict[str, Any]],
                   extraction_ids: list[int]) -> dict[tuple[int, str], int]:
    """``bulk_insert`` of facts or checks of several extractions; (extraction id, ordinal) → id."""
    if not rows:
        return {}
    bulk_insert(db, table, rows)
    found = db.execute(select(table.c.extraction_id, table.c.ordinal, table.c.id)
                       .where(table.c.extraction_id.in_(extraction_ids))).fetchall()
    return {(extraction_id, ordinal): row_id for extraction_id, ordinal, row_id in found}


class _Statements:
    """The writer's statements, built once: SQLAlchemy then only binds parameters (building
    a statement per call, with its cache key, cost more than running it)."""

    def __init__(self) -> None:
        d, v, x = _table(DocumentRow), _table(VersionRow), _table(ExtractionRow)
        e = _table(ErrorRow)
        self.version_by_sha = select(v.c.id, v.c.document_id, v.c.number).where(
            v.c.sha256 == bindparam("b_sha256"))
        self.extraction_of = select(x.c.id).where(
            x.c.version_id == bindparam("b_version_id"),
            x.c.extractor_version == bindparam("b_extractor_version"))
        self.document_by_path = select(d.c.id).where(d.c.path == bindparam("b_path"))
        self.insert_document = insert(d).returning(d.c.id)
        self.insert_review = insert(_table(ReviewRow))
        self.latest_number = select(func.max(v.c.number)).where(
            v.c.document_id == bindparam("b_document_id"))
        self.not_latest = update(v).where(v.c.document_id == bindparam("b_document_id")).values(
            is_latest=False)
        self.insert_version = insert(v).returning(v.c.id)
        self.not_current = update(x).where(x.c.version_id == bindparam("b_version_id")).values(
            is_current=False)
        self.insert_extraction = insert(x).returning(x.c.id)
        self.delete_errors = delete(e).where((e.c.sha256 == bindparam("b_sha256"))
                                             | (e.c.path == bindparam("b_path")))
        self.ids_by_ordinal = {
            table.name: select(table.c.ordinal, table.c.id).where(
                table.c.extraction_id == bindparam("b_extraction_id"))
            for table in (_table(FactRow), _table(CheckRow))}


_SQL = _Statements()


def _asynchronous_commit(session: Session) -> None:
    """PostgreSQL: do not wait for the WAL flush when committing this transaction.

    Safe for ingest and only for it: everything written here is derived from the files, and
    the worst a *server* crash can do is forget the last few commits (never half of one), which
    the next ingest simply redoes, since work is keyed by what is in the database. It halves
    the cost of a document on a busy disk. Reviewers' writes keep synchronous commits.
    Said once per transaction (a batch of documents is one).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get("asynchronous_commit") is transaction:
        return
    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.info["asynchronous_commit"] = session.get_transaction()


def store_parsed_document(session: Session, version_id: int, data: bytes, schema_version: str,
                          *, new: bool = False) -> None:
    """Keep ``data`` (``store.rows.encode_document``) as the parsed Document of ``version_id``.

    An older one is replaced: a new extraction of the same bytes (a new extractor version,
    ``--reprocess``) was made from this Document, and the review shows it beside that
    extraction. ``new``: the version was created in this transaction (no row to look for).
    The caller commits.
    """
    table = _table(ParsedDocumentRow)
    values = {"schema_version": schema_version, "data": data}
    if not new and session.execute(select(table.c.version_id)
                                   .where(table.c.version_id == version_id)).first():
        session.execute(update(table).where(table.c.version_id == version_id)
                        .values(**values, created_at=utcnow()))
        return
    session.connection().execute(_INSERT_PARSED, {"version_id": version_id, **values})


_INSERT_PARSED = insert(_table(ParsedDocumentRow))


def _document(db: Connection, path: str) -> tuple[int, bool]:
    """The document at ``path``, created (with its review state) if new: (id, created)."""
    found = db.execute(_SQL.document_by_path, {"b_path": path}).scalar()
    if found is not None:
        return int(found), False
    document_id = int(db.execute(_SQL.insert_document, {"path": path}).scalar_one())
    db.execute(_SQL.insert_review, {"document_id": document_id, "state": "unreviewed"})
    return document_id, True


def _new_version(db: Connection, document_id: int, p: Prepared, size: int | None, *,
                 first: bool) -> tuple[int, int]:
    """The next version of a document (the latest from now on): (id, number)."""
    latest = 0
    if not first:
        latest = db.execute(_SQL.latest_number, {"b_document_id": document_id}).scalar() or 0
        db.execute(_SQL.not_latest, {"b_document_id": document_id})
    version_id = db.execute(_SQL.insert_version, {
        "document_id": document_id, "number": latest + 1, "sha256": p.sha256,
        "format": p.format, "size": size, "pages": p.pages, "is_latest": True}).scalar_one()
    return int(version_id), latest + 1


def _new_extraction(db: Connection, version_id: int, p: Prepared, extractor_version: str,
                    run_id: int | None, *, first: bool) -> int:
    if not first:
        db.execute(_SQL.not_current, {"b_version_id": version_id})
    return int(db.execute(_SQL.insert_extraction, {
        "version_id": version_id, "extractor_version": extractor_version, "is_current": True,
        "run_id": run_id, **p.extraction}).scalar_one())


def _insert_facts(db: Connection, p: Prepared, extraction_id: int, document_id: int
                  ) -> dict[str, int]:
    """Insert every fact with one executemany; returns ordinal ('f12') → id."""
    if not p.facts:
        return {}
    table = _table(FactRow)
    bulk_insert(db, table, [{**f, "extraction_id": extraction_id, "document_id": document_id}
                            for f in p.facts])
    return _ids_by_ordinal(db, table, extraction_id)


def _insert_checks(db: Connection, p: Prepared, extraction_id: int,
                   fact_ids: dict[str, int]) -> None:
    if not p.checks:
        return
    table = _table(CheckRow)
    bulk_insert(db, table, [{**c, "extraction_id": extraction_id} for c in p.checks])
    check_ids = _ids_by_ordinal(db, table, extraction_id)
    relations = [{"check_id": check_ids[p.checks[ci]["ordinal"]], "position": pos,
                  "fact_id": fact_ids[p.facts[fi]["ordinal"]]} for ci, pos, fi in p.relations]
    if relations:
        bulk_insert(db, _table(RelationRow), relations)


def bulk_insert(db: Connection | Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` straight to the driver (``COPY`` on PostgreSQL), the JSON columns
    already encoded.

    Why not ``session.execute(insert(table), rows)``: SQLAlchemy processes every parameter of
    every row in Python (and with RETURNING, SQLite gets one INSERT per row); for ~50 facts a
    document that was most of the single writer's time, which caps the speed-up of workers.
    Ids are read back with one SELECT (``_ids_by_ordinal``).
    """
    connection = db.connection() if isinstance(db, Session) else db
    columns = tuple(rows[0])
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, columns, rows)
        return
    sql = _bulk_sql(connection.dialect.name, table.name, columns)
    connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def _copy(connection: Connection, table: str, columns: tuple[str, ...],
          rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows with ``COPY ... FROM STDIN`` in the current transaction, a few
    microseconds a row where ``executemany`` spends about 25 (parameters checked, dumped and
    sent one statement at a time). JSON columns go as their text, which ``jsonb`` parses."""
    import psycopg
    from sqlalchemy import exc

    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table}" ({quoted}) FROM STDIN'
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row([row[c] for c in columns])
    # the driver's own errors, raised past SQLAlchemy, as SQLAlchemy would have raised them:
    # a connection lost mid-COPY (a server restart) is invalidated, so the writer's retry
    # (store.db.retrying) reconnects and replays the batch instead of the run dying
    except psycopg.OperationalError as e:
        lost = driver.closed or isinstance(e, psycopg.errors.AdminShutdown)
        if lost:
            connection.invalidate(e)
        raise exc.OperationalError(statement, None, e, connection_invalidated=lost) from e
    except psycopg.IntegrityError as e:
        raise exc.IntegrityError(statement, None, e) from e
    except psycopg.Error as e:
        raise exc.DBAPIError(statement, None, e) from e


_BULK_SQL: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _bulk_sql(dialect: str, table: str, columns: tuple[str, ...]) -> str:
    key = (dialect, table, columns)
    if key not in _BULK_SQL:
        postgresql = dialect == "postgresql"
        values = [(f"CAST(%({c})s AS JSONB)" if c in JSON_TEXT_COLUMNS else f"%({c})s")
                  if postgresql else f":{c}" for c in columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        _BULK_SQL[key] = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(values)})'
    return _BULK_SQL[key]


def _ids_by_ordinal(db: Connection, table: Table, extraction_id: int) -> dict[str, int]:
    found = db.execute(_SQL.ids_by_ordinal[table.name], {"b_extraction_id": extraction_id})
    return {ordinal: row_id for ordinal, row_id in found}


def record_path(session: Session, path: str, sha256: str) -> bool:
    """Record ``path`` as another path of the stored content ``sha256`` (not read again);
    True when it was new. A path that is already a document's, or already recorded, is left."""
    if session.scalar(select(DocumentRow.id).where(DocumentRow.path == path)) is not None:
        return False
    if session.scalar(select(PathRow.id).where(PathRow.path == path)) is not None:
        return False
    document_id = session.scalar(select(VersionRow.document_id).where(VersionRow.sha256 == sha256))
    if document_id is None:
        return False
    session.add(PathRow(path=path, document_id=document_id, sha256=sha256))
    session.flush()
    return True


def other_paths(session: Session) -> dict[int, list[str]]:
    """document id -> the other paths its stored contents were met at, in the order met."""
    found: dict[int, list[str]] = {}
    for document_id, path in session.execute(select(PathRow.document_id, PathRow.path)
                                             .order_by(PathRow.id)):
        found.setdefault(document_id, []).append(path)
    return found


def record_error(session: Session, record: dict[str, Any], *, path: str,
                 extractor_version: str, sha256: str | None = None, size: int | None = None,
                 run_id: int | None = None) -> ErrorRow:
    """Insert or refresh the error of one file (one row per file and extractor version)."""
    key = error_key(path, sha256)
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


def flag_corrections(session: Session, document_id: int, extraction_id: int,
                     facts: dict[str, dict[str, Any]]) -> int:
    """Compare a new extraction (``facts``: key → Fact JSON) with the document's corrections.

    The corrections themselves are never touched. A flag says: this fact as newly extracted
    differs from what the reviewer decided (``differs``), the corrected fact is no longer
    extracted (``missing``), or a fact the reviewer added is now extracted (``now_extracted``).
    """
    corrections = list(session.scalars(select(CorrectionRow).where(
        CorrectionRow.document_id == document_id)))
    flags = [flag for c in corrections
             if (flag := _flag(c, facts.get(c.fact_key), session)) is not None]
    for kind, correction, detail in flags:
        session.add(FlagRow(document_id=document_id, extraction_id=extraction_id,
                            correction_id=correction.id, fact_key=correction.fact_key,
                            kind=kind, detail=detail))
    if flags:
        _needs_review(session, document_id, len(flags), extraction_id)
    session.flush()
    return len(flags)


def _flag(c: CorrectionRow, fact: dict[str, Any] | None, session: Session
          ) -> tuple[str, CorrectionRow, dict[str, Any]] | None:
    if c.action == "add":
        return ("now_extracted", c, {"extracted": fact}) if fact else None
    if c.action == "reject":
        return None  # the reviewer's rejection keeps applying; nothing new to decide
    if fact is None:
        return "missing", c, {}
    if c.action == "confirm":
        base = session.get(FactRow, c.base_fact_id) if c.base_fact_id else None
        wanted = {name: _compared(name, base.data) for name in COMPARED_FIELDS} if base else {}
    else:
        wanted = {name: correction_value(c, name) for name in c.fields}
    diffs = {name: {"extracted": _compared(name, fact), "corrected": value}
             for name, value in wanted.items() if _compared(name, fact) != value}
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


def add_fact(session: Session, extraction: ExtractionRow, span: tuple[int, int],
             values: dict[str, Any], *, actor: str, user_id: int | None = None,
             reason: str | None = None) -> CorrectionRow:
    """Record a fact the extractor missed, at ``span`` of ``extraction``'s text, and audit it.

    Its key is computed like an extracted fact's, so if a later extractor finds it, the
    comparison flags ``now_extracted`` instead of listing it twice.
    """
    text_ = extraction.text[span[0]:span[1]]
    key = fact_key(text_, span, extraction.text)
    row = CorrectionRow(document_id=extraction.version.document_id, fact_key=key, action="add",
                        fields=sorted(values), text=text_, span_start=span[0], span_end=span[1],
                        base_extraction_id=extraction.id, user_id=user_id, reason=reason)
    for name, value in values.items():
        _set_corrected(row, name, value)
    session.add(row)
    session.flush()
    session.add(AuditRow(user_id=user_id, actor=actor, action="correction.add", entity="fact",
                         entity_id=f"{row.document_id}:{key}", before=None,
                         after={**correction_snapshot(row), "text": text_, "span": list(span)},
                         reason=reason))
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
    rechecked: dict[int, list[Any]] = dict(session.execute(select(RecheckRow.extraction_id, RecheckRow.checks)
                                     .where(RecheckRow.extraction_id.in_(latest))).all())
    counts: Counter[str] = Counter(dict(session.execute(
        select(CheckRow.rule, func.count()).where(CheckRow.status == "fail",
                                                  CheckRow.extraction_id.in_(latest),
                                                  CheckRow.extraction_id.not_in(list(rechecked)))
        .group_by(CheckRow.rule)).all()))
    # documents reviewers corrected count with their checks rerun, as the review app shows
    counts.update(c["rule"] for checks in rechecked.values() for c in checks
                  if c.get("status") == "fail")
    failed = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
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
