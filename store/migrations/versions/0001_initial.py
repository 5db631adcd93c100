"""Initial schema: ingest tables and the tables the review web app needs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written from ``store.models`` (autogenerate, then tidied); the suite asserts with
``alembic.autogenerate.compare_metadata`` that models and migrations never drift apart.
The ``audit`` table is append-only: triggers refuse UPDATE and DELETE on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                     nullable=nullable)


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"),
                     nullable=False)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), server_default="1", nullable=False)


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _int(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _num(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Double(), nullable=nullable)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=False)


def upgrade() -> None:
    _ingest_tables()
    _fact_tables()
    _review_tables()
    _audit_append_only()


def _ingest_tables() -> None:
    op.create_table(
        "documents", _id(), _text("path", False), _stamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("path", name="uq_documents_path"))
    op.create_table(
        "runs", _id(), _stamp("started_at"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _str("engine", 16), _int("workers", False), _str("extractor_version", 64),
        _json("inputs"), _json("stats"),
        sa.PrimaryKeyConstraint("id", name="pk_runs"))
    op.create_table(
        "users", _id(), _str("name", 128), _str("role", 16), _text("password_hash", False),
        _json("allowed_places"), sa.Column("active", sa.Boolean(), nullable=False),
        _stamp("created_at"),
        sa.CheckConstraint("role IN ('reviewer', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"))
    op.create_table(
        "errors", _id(), _text("key", False), _text("path", False), _str("sha256", 64, True),
        _int("size"), _str("code", 8), _str("type", 64), _text("message", False), _text("hint"),
        _str("extractor_version", 64), _int("attempts", False), _int("run_id"),
        _stamp("created_at"), _stamp("updated_at"),
        _fk("run_id", "runs", "errors"),
        sa.PrimaryKeyConstraint("id", name="pk_errors"),
        sa.UniqueConstraint("key", "extractor_version", name="uq_errors_key_extractor_version"))
    _index("errors", "code")
    op.create_table(
        "versions", _id(), _int("document_id", False), _int("number", False),
        _str("sha256", 64), _str("format", 16), _int("size"), _int("pages"),
        sa.Column("is_latest", sa.Boolean(), nullable=False), _stamp("created_at"),
        _fk("document_id", "documents", "versions"),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.UniqueConstraint("document_id", "number", name="uq_versions_document_id_number"),
        sa.UniqueConstraint("sha256", name="uq_versions_sha256"))
    _index("versions", "document_id")
    op.create_table(
        "extractions", _id(), _int("version_id", False), _str("extractor_version", 64),
        _str("schema_version", 16), sa.Column("is_current", sa.Boolean(), nullable=False),
        _int("run_id"), _text("doc_type"), _text("number"), _text("symbol"), _text("issuer"),
        _text("place"), _str("date_value", 10, True), _text("title"), _text("period_text"),
        _int("period_year"), _json("meta"), _json("warnings"), _text("text", False),
        _int("n_facts", False), _int("n_checks_failed", False), _stamp("created_at"),
        _fk("run_id", "runs", "extractions"), _fk("version_id", "versions", "extractions"),
        sa.PrimaryKeyConstraint("id", name="pk_extractions"),
        sa.UniqueConstraint("version_id", "extractor_version",
                            name="uq_extractions_version_id_extractor_version"))
    _index("extractions", "place")
    _index("extractions", "version_id")


def _fact_tables() -> None:
    op.create_table(
        "checks", _id(), _int("extraction_id", False), _str("ordinal", 16), _str("rule", 64),
        _str("status", 16), _num("expected"), _num("actual"), _num("tolerance"),
        _text("explanation", False), _json("data"),
        _fk("extraction_id", "extractions", "checks"),
        sa.PrimaryKeyConstraint("id", name="pk_checks"),
        sa.UniqueConstraint("extraction_id", "ordinal", name="uq_checks_extraction_id_ordinal"))
    _index("checks", "rule")
    _index("checks", "status")
    op.create_table(
        "facts", _id(), _int("extraction_id", False), _int("document_id", False),
        _str("key", 40), _str("ordinal", 16), _str("kind", 16), _num("value"),
        _text("value_text"), _num("denominator"), _text("unit"), _str("qualifier", 16),
        _text("label"), _str("indicator", 64, True), _text("period_text"),
        _str("period_start", 10, True), _str("period_end", 10, True), _int("period_year"),
        _text("subject"), _text("text", False), _int("span_start", False),
        _int("span_end", False), _int("page"), _text("section"), _num("confidence", False),
        _str("strategy", 32), _json("data"), _version(),
        _fk("document_id", "documents", "facts"), _fk("extraction_id", "extractions", "facts"),
        sa.PrimaryKeyConstraint("id", name="pk_facts"),
        sa.UniqueConstraint("extraction_id", "key", name="uq_facts_extraction_id_key"))
    _index("facts", "document_id", "key")
    _index("facts", "indicator")
    op.create_table(
        "relations", _int("check_id", False), _int("position", False), _int("fact_id", False),
        _fk("check_id", "checks", "relations"), _fk("fact_id", "facts", "relations"),
        sa.PrimaryKeyConstraint("check_id", "position", name="pk_relations"))
    _index("relations", "fact_id")


def _review_tables() -> None:
    op.create_table(
        "reviews", _int("document_id", False), _str("state", 16), _int("reviewer_id"),
        _stamp("updated_at"), _version(),
        sa.CheckConstraint("state IN ('unreviewed', 'in_review', 'reviewed', 'needs_review')",
                           name="ck_reviews_state"),
        _fk("document_id", "documents", "reviews"), _fk("reviewer_id", "users", "reviews"),
        sa.PrimaryKeyConstraint("document_id", name="pk_reviews"))
    op.create_table(
        "corrections", _id(), _int("document_id", False), _str("fact_key", 40),
        _str("action", 16), _json("fields"), _str("kind", 16, True), _num("value"),
        _text("value_text"), _num("denominator"), _text("unit"), _text("label"),
        _str("indicator", 64, True), _json("period", True), _text("subject"), _text("text"),
        _int("span_start"), _int("span_end"), _int("base_extraction_id"), _int("base_fact_id"),
        _int("user_id"), _text("reason"), _stamp("created_at"), _stamp("updated_at"), _version(),
        sa.CheckConstraint("action IN ('edit', 'reject', 'add', 'confirm')",
                           name="ck_corrections_action"),
        _fk("base_extraction_id", "extractions", "corrections"),
        _fk("base_fact_id", "facts", "corrections"),
        _fk("document_id", "documents", "corrections"), _fk("user_id", "users", "corrections"),
        sa.PrimaryKeyConstraint("id", name="pk_corrections"),
        sa.UniqueConstraint("document_id", "fact_key", name="uq_corrections_document_id_fact_key"))
    op.create_table(
        "flags", _id(), _int("document_id", False), _int("extraction_id", False),
        _int("correction_id", False), _str("fact_key", 40), _str("kind", 32), _json("detail"),
        _stamp("created_at"), _int("resolved_by"),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _fk("correction_id", "corrections", "flags"), _fk("document_id", "documents", "flags"),
        _fk("extraction_id", "extractions", "flags"), _fk("resolved_by", "users", "flags"),
        sa.PrimaryKeyConstraint("id", name="pk_flags"))
    _index("flags", "document_id")
    op.create_table(
        "audit", _id(), _stamp("at"), _int("user_id"), _str("actor", 128), _str("action", 32),
        _str("entity", 32), _str("entity_id", 64), _json("before", True), _json("after", True),
        _text("reason"),
        _fk("user_id", "users", "audit"),
        sa.PrimaryKeyConstraint("id", name="pk_audit"))
    _index("audit", "entity", "entity_id")


_PG_FUNCTION = """
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only: % refused', TG_OP;
END $$"""


def _audit_append_only() -> None:
    """Nothing is ever deleted from or overwritten in the audit log, whatever the client."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
                   "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit "
                   f"BEGIN SELECT RAISE(ABORT, 'audit is append-only: {event} refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    for table in ("audit", "flags", "corrections", "reviews", "relations", "facts", "checks",
                  "extractions", "versions", "errors", "users", "runs", "documents"):
        op.drop_table(table)
