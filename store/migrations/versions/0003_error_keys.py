"""Error rows keyed by file (path and content), not by content alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Until 0002 an error row was keyed by the content hash, so the same broken bytes at two paths
(every empty ``.pdf`` of an archive, say) were recorded once, under the first path. From 0003
the key is ``<sha256>:<path>`` (``<path>`` when the file could not even be hashed), so every
bad file has its own row. Existing rows are rewritten in place; nothing is dropped.
Indexes on ``sha256`` and ``path``: storing a document clears the error rows of both.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE errors SET key = sha256 || ':' || path WHERE sha256 IS NOT NULL")
    # A stored document clears the error rows of its path and of its bytes.
    op.create_index("ix_errors_sha256", "errors", ["sha256"])
    op.create_index("ix_errors_path", "errors", ["path"])


def downgrade() -> None:
    op.drop_index("ix_errors_path", "errors")
    op.drop_index("ix_errors_sha256", "errors")
    # Several rows may share one content hash now; keep the oldest per hash, as 0002 did.
    op.execute("DELETE FROM errors WHERE sha256 IS NOT NULL AND id NOT IN "
               "(SELECT MIN(id) FROM errors WHERE sha256 IS NOT NULL "
               "GROUP BY sha256, extractor_version)")
    op.execute("UPDATE errors SET key = sha256 WHERE sha256 IS NOT NULL")
