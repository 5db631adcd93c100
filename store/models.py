"""The database: SQLAlchemy 2 typed declarative models; ``store/migrations`` creates them.

Three levels keep history without ever overwriting it::

    documents (one per logical path)  ─┬─ versions (one per content, keyed by sha256)
                                       │      └─ extractions (one per extractor version)
                                       │             ├─ facts ── relations ── checks
                                       │             └─ flags (a new extraction vs a correction)
                                       ├─ reviews (review state, one per document)
                                       └─ corrections (keyed by document + fact key)
    errors (unreadable files)   runs (one per ingest)   users   audit (append-only)
    parsed_documents (per version)   rechecks (per extraction)   sessions (review app)
    login_attempts   document_edits   assignments   comments   second_reviews (0005)

A fact's ``key`` is stable across versions of its document and across extractor versions
(see ``store.repository.fact_keys``), so a reviewer's correction, which is attached to
``(document_id, fact_key)`` and not to a fact row, stays attached when a file is re-ingested.

The review web app (``review/``) uses ``users``, ``reviews``, ``corrections``, ``flags`` and
``audit``, and adds ``parsed_documents``, ``rechecks`` and ``sessions`` (migration 0002);
0003 keys error rows by path and content.
``facts``, ``corrections`` and ``reviews`` carry a
``version`` column used by SQLAlchemy's optimistic locking (``version_id_col``): an UPDATE
whose version no longer matches raises ``StaleDataError``, so two reviewers saving the same
fact are detected instead of one silently winning. ``audit`` is protected by database
triggers (created by the migration) that refuse UPDATE and DELETE.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
JSONType = JSON().with_variant(JSONB(), "postgresql")
ROLES = ("reviewer", "admin")
REVIEW_STATES = ("unreviewed", "in_review", "reviewed", "needs_review")
CORRECTION_ACTIONS = ("edit", "reject", "add", "confirm")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType, float: Double()}


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class Run(Base):
    """One ``baocao ingest``: what it was asked, and its counts when it ended."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    engine: Mapped[str] = mapped_column(String(16))
    workers: Mapped[int] = mapped_column(Integer)
    extractor_version: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[list[Any]] = mapped_column(default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DocumentRow(Base):
    """A logical document: a file path (``archive.zip!member`` inside archives)."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = _created()
    versions: Mapped[list[VersionRow]] = relationship(back_populates="document")


class PathRow(Base):
    """Another path of stored content: a file whose bytes were first read at another path.

    Not read again (its version belongs to the first path's document); recorded so that the
    path is found by ``export --document`` and listed in the documents table.
    """

    __tablename__ = "document_paths"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()


class VersionRow(Base):
    """One content of a document. ``sha256`` is unique: the same bytes are stored once."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()
    document: Mapped[DocumentRow] = relationship(back_populates="versions")


class ExtractionRow(Base):
    """What one extractor version read in one content version: metadata, text, warnings."""

    __tablename__ = "extractions"
    __table_args__ = (UniqueConstraint("version_id", "extractor_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    extractor_version: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[str] = mapped_column(String(16))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    doc_type: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(Text)
    symbol: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text, index=True)
    date_value: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    period_text: Mapped[str | None] = mapped_column(Text)
    period_year: Mapped[int | None] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    n_facts: Mapped[int] = mapped_column(Integer, default=0)
    n_checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = _created()
    version: Mapped[VersionRow] = relationship()


class FactRow(Base):
    """One extracted fact; ``data`` keeps the full schemas.extraction.Fact record."""

    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("extraction_id", "key"),
                      Index(None, "document_id", "key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    key: Mapped[str] = mapped_column(String(40))
    ordinal: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column()
    value_text: Mapped[str | None] = mapped_column(Text)
    denominator: Mapped[float | None] = mapped_column()
    unit: Mapped[str | None] = mapped_column(Text)
    qualifier: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(String(64), index=True)
    period_text: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[str | None] = mapped_column(String(10))
    period_end: Mapped[str | None] = mapped_column(String(10))
    period_year: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column()
    strategy: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class CheckRow(Base):
    """One arithmetic check; ``data`` keeps the full schemas.extraction.Check record."""

    __tablename__ = "checks"
    __table_args__ = (UniqueConstraint("extraction_id", "ordinal"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"))
    ordinal: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    expected: Mapped[float | None] = mapped_column()
    actual: Mapped[float | None] = mapped_column()
    tolerance: Mapped[float | None] = mapped_column()
    explanation: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RelationRow(Base):
    """A fact taking part in a check, in the check's order (a + b = c: positions 0, 1, 2)."""

    __tablename__ = "relations"
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id"), index=True)


class ErrorRow(Base):
    """A file that could not be read, with its typed error; one row per file and extractor.

    ``key`` is ``<sha256>:<path>`` (``<path>`` when the file could not be hashed): identical
    broken bytes at two paths are two rows (migration 0003)."""

    __tablename__ = "errors"
    __table_args__ = (UniqueConstraint("key", "extractor_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text, index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(8), index=True)
    type: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    hint: Mapped[str | None] = mapped_column(Text)
    extractor_version: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class UserRow(Base):
    """A reviewer or admin. ``allowed_places``: places whose documents they may review
    (matched against extractions.place); an admin may review every place."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    allowed_places: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()
    # 0005: "every place" is an explicit grant; no places and no grant sees nothing
    all_places: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewRow(Base):
    """The review state of a document; ingest sets ``needs_review`` when it flags a difference."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_in("state", REVIEW_STATES), name="state"),)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="unreviewed")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = _created()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class CorrectionRow(Base):
    """A reviewer's decision on one fact of a document, whatever version or extractor.

    ``action``: edit (the fields named in ``fields`` take the values here, null included),
    reject (not a fact), add (a fact the extractor missed: ``text`` and span into the text of
    ``base_extraction``), confirm (checked, right as extracted). History is in ``audit``.
    """

    __tablename__ = "corrections"
    __table_args__ = (UniqueConstraint("document_id", "fact_key"),
                      CheckConstraint(_in("action", CORRECTION_ACTIONS), name="action"))
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    fact_key: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(16))
    fields: Mapped[list[Any]] = mapped_column(default=list)
    kind: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column()
    value_text: Mapped[str | None] = mapped_column(Text)
    denominator: Mapped[float | None] = mapped_column()
    unit: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    base_extraction_id: Mapped[int | None] = mapped_column(ForeignKey("extractions.id"))
    base_fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class FlagRow(Base):
    """A difference between a new extraction and a reviewer's correction, for a human to see."""

    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"))
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id"))
    fact_key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = _created()
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Append-only log: who did what to which entity, the state before and after, and why."""

    __tablename__ = "audit"
    __table_args__ = (Index(None, "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = _created()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    reason: Mapped[str | None] = mapped_column(Text)


class ParsedDocumentRow(Base):
    """The parsed Document of one content version, as zlib-compressed JSON.

    Why it is stored: the checks need the Document (blocks, footnotes, outline) to rerun when a
    reviewer corrects a fact, and the review app draws tables from it. Parsing is a function of
    the bytes, so one row per version; ingest writes it with the extraction (the worker encodes
    it, compact JSON and zlib level 1, about 7 KiB a document), so opening a scan never runs OCR
    again. For versions ingested before that, the review app fills it the first time a version
    is opened (parsing the source file in a child process, after checking its sha256).
    """

    __tablename__ = "parsed_documents"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    schema_version: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _created()


class RecheckRow(Base):
    """The checks of one extraction rerun with the reviewers' corrections applied.

    A derived value, rewritten after each correction (the history of every status is in
    ``audit``); the queue sorts on ``n_failed`` instead of the extraction's own count once a
    document has been corrected.
    """

    __tablename__ = "rechecks"
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id"), primary_key=True)
    checks: Mapped[list[Any]] = mapped_column(default=list)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = _created()


class SessionRow(Base):
    """A signed-in browser of the review app.

    ``id`` is the SHA-256 of the cookie's random token, so a copy of the database hands out no
    live session. Server-side rows (rather than signed cookies) make logout and expiry real:
    a session ends when ``ended_at`` is set, ``expires_at`` passes, or it sits idle too long.
    ``csrf`` is the token every form of the session must carry.
    """

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    last_seen_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client: Mapped[str | None] = mapped_column(String(64))  # 0005: address it was opened from


class LoginAttemptRow(Base):
    """One sign-in attempt, kept apart from the audit of decisions (0005).

    ``client`` is the peer address; throttling and lockout count recent failures by client
    and by name; the admin view pages and filters them.
    """

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                         server_default=func.now(), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client: Mapped[str | None] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(32))


class DocumentEditRow(Base):
    """A reviewer's correction of a document's metadata (0005): the fields named in ``fields``
    take the values here over the extraction's. Optimistic lock on ``version``; history in
    ``audit``. The effective place (this one, else the extraction's) decides who may see it."""

    __tablename__ = "document_edits"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    place: Mapped[str | None] = mapped_column(Text, index=True)
    doc_type: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(Text)
    date_value: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class AssignmentRow(Base):
    """A document given explicitly to a reviewer, who sees it whatever their places (0005)."""

    __tablename__ = "assignments"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()


class CommentRow(Base):
    """A reviewer's note on a document, or on one of its facts when ``fact_key`` is set (0005)."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    fact_key: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class SecondReviewRow(Base):
    """Another reviewer's verdict on a correction as it stood (``correction_version``) (0005)."""

    __tablename__ = "second_reviews"
    __table_args__ = (CheckConstraint("verdict IN ('agree', 'disagree')", name="verdict"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id"), index=True)
    correction_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
