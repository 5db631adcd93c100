"""Review app tables: parsed Documents, rechecked checks, browser sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``parsed_documents`` keeps the Document of a version so checks can rerun after a correction;
``rechecks`` the checks rerun with corrections applied (the queue sorts on them);
``sessions`` the review app's server-side sessions (token hashes, CSRF tokens, expiry).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"),
                     nullable=False)


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "parsed_documents", sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False), _stamp("created_at"),
        _fk("version_id", "versions", "parsed_documents"),
        sa.PrimaryKeyConstraint("version_id", name="pk_parsed_documents"))
    op.create_table(
        "rechecks", sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("n_failed", sa.Integer(), nullable=False), _stamp("updated_at"),
        _fk("extraction_id", "extractions", "rechecks"),
        sa.PrimaryKeyConstraint("extraction_id", name="pk_rechecks"))
    op.create_table(
        "sessions", sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        _stamp("created_at"), _stamp("last_seen_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _fk("user_id", "users", "sessions"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"))
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    for table in ("sessions", "rechecks", "parsed_documents"):
        op.drop_table(table)
