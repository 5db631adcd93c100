"""Other paths of stored content: a file whose bytes are already stored under another path.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A version (one content, keyed by its sha256) belongs to one document, the path it was first
read from. A later file with the same bytes at another path (a copy, a moved archive) is not
read again; from 0004 its path is recorded here, pointing at the document of those bytes, so
``export --document other-name.docx`` and the documents table find it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_paths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name="fk_document_paths_document_id_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_document_paths"),
        sa.UniqueConstraint("path", name="uq_document_paths_path"))
    op.create_index("ix_document_paths_document_id", "document_paths", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_document_paths_document_id", table_name="document_paths")
    op.drop_table("document_paths")
