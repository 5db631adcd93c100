"""Alembic environment, configured from code by ``store.db.alembic_config``.

``config.attributes`` carries either an open ``connection`` (``store.db.upgrade`` and the
tests) or a ``url``; there is no alembic.ini, so an installed package migrates any URL.
Batch mode is on for SQLite so future migrations that alter columns work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from baocao.store.db import get_engine, is_sqlite
from baocao.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      compare_type=True, render_as_batch=is_sqlite(str(connection.engine.url)))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(config.attributes["url"]).begin() as connection:
        _run(connection)


if context.is_offline_mode():  # pragma: no cover - SQL scripts are not part of the workflow
    context.configure(url=config.attributes["url"], target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
