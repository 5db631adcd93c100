"""A reviewer's whole day: managed accounts, login attempts, document metadata, assignments,
comments and second reviews.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- ``users.all_places``: "every place" is an explicit grant; a reviewer with no places and
  without it sees nothing (before 0005 an empty list meant every place: such reviewers are
  migrated to ``all_places = true`` so nobody loses access silently, and ``users list`` shows
  it). ``failed_logins``/``locked_until`` lock an account after repeated wrong passwords;
  ``password_changed_at`` dates the last reset.
- ``sessions.client``: the address a session was opened from (the session list, revoke).
- ``login_attempts``: every sign-in attempt, apart from the audit of decisions, with the
  client address (filters and paging in the admin view, throttling by address and by name).
- ``document_edits``: a reviewer's correction of a document's metadata (place, type, number,
  date, title), versioned for optimistic locking like corrections; history in ``audit``.
- ``assignments``: documents given explicitly to a reviewer (seen whatever their places).
- ``comments``: a note on a document or one of its facts.
- ``second_reviews``: another reviewer's verdict (agree / disagree) on a correction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"),
                     nullable=False)


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("all_places", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True),
                                   nullable=True))
    # reviewers created without places saw every place: keep that, now as an explicit grant
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("all_places", sa.Boolean()),
                     sa.column("allowed_places", sa.JSON()), sa.column("role", sa.String()))
    bind = op.get_bind()
    for uid, role, places in bind.execute(sa.select(users.c.id, users.c.role,
                                                    users.c.allowed_places)).all():
        if role == "admin" or not places:
            bind.execute(users.update().where(users.c.id == uid).values(all_places=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("client", sa.String(length=64), nullable=True))

    op.create_table(
        "login_attempts", sa.Column("id", sa.Integer(), nullable=False), _stamp("at"),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        _fk("user_id", "users", "login_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"))
    op.create_index("ix_login_attempts_at", "login_attempts", ["at"])
    op.create_index("ix_login_attempts_name", "login_attempts", ["name"])
    op.create_index("ix_login_attempts_client", "login_attempts", ["client"])

    op.create_table(
        "document_edits", sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("doc_type", sa.Text(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("date_value", sa.String(length=10), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _stamp("created_at"), _stamp("updated_at"),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _fk("document_id", "documents", "document_edits"),
        _fk("user_id", "users", "document_edits"),
        sa.PrimaryKeyConstraint("document_id", name="pk_document_edits"))
    op.create_index("ix_document_edits_place", "document_edits", ["place"])

    op.create_table(
        "assignments", sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True), _stamp("created_at"),
        _fk("document_id", "documents", "assignments"), _fk("user_id", "users", "assignments"),
        _fk("assigned_by", "users", "assignments"),
        sa.PrimaryKeyConstraint("document_id", "user_id", name="pk_assignments"))
    op.create_index("ix_assignments_user_id", "assignments", ["user_id"])

    op.create_table(
        "comments", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("fact_key", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False), _stamp("created_at"),
        _fk("document_id", "documents", "comments"), _fk("user_id", "users", "comments"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"))
    op.create_index("ix_comments_document_id", "comments", ["document_id"])

    op.create_table(
        "second_reviews", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("correction_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True), _stamp("created_at"),
        _fk("correction_id", "corrections", "second_reviews"),
        _fk("user_id", "users", "second_reviews"),
        sa.CheckConstraint("verdict IN ('agree', 'disagree')", name="ck_second_reviews_verdict"),
        sa.PrimaryKeyConstraint("id", name="pk_second_reviews"))
    op.create_index("ix_second_reviews_correction_id", "second_reviews", ["correction_id"])


def downgrade() -> None:
    for table in ("second_reviews", "comments", "assignments", "document_edits", "login_attempts"):
        op.drop_table(table)
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("client")
    with op.batch_alter_table("users") as batch:
        for column in ("password_changed_at", "locked_until", "failed_logins", "all_places"):
            batch.drop_column(column)
