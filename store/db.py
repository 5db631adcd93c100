"""Which database, how to connect, and bringing its schema up to date.

URL resolution: ``--db`` > ``BAOCAO_DB`` > ``sqlite:///baocao.db`` (in the current directory).
A bare file path is read as SQLite; ``postgresql://`` URLs get the psycopg 3 driver.

SQLite is opened in WAL mode (readers never block the single writer, and a killed writer
leaves a database that recovers on next open), with foreign keys enforced (off by default
in SQLite) and a busy timeout so a second process waits instead of failing at once.

Migrations are configured from code (no ``alembic.ini``) so an installed package can
``upgrade`` any URL: ``store/migrations`` ships as package data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.errors import DatabaseUnavailableError

DEFAULT_URL = "sqlite:///baocao.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON",
                  "PRAGMA busy_timeout=30000", "PRAGMA synchronous=NORMAL")


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL to use: the argument, else ``BAOCAO_DB``, else ``baocao.db``."""
    raw = db or os.environ.get("BAOCAO_DB") or DEFAULT_URL
    if "://" not in raw:
        raw = f"sqlite:///{raw}"
    for plain in ("postgresql://", "postgres://"):
        if raw.startswith(plain):
            raw = "postgresql+psycopg://" + raw[len(plain):]
    return raw


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def display_url(url: str) -> str:
    """The URL without its password, for messages and the run summary."""
    return make_url(url).render_as_string(hide_password=True)


_ENGINES: dict[str, Engine] = {}
_SESSIONS: dict[str, sessionmaker[Session]] = {}


def get_engine(url: str) -> Engine:
    """One engine per URL per process (engines own connection pools)."""
    url = resolve_url(url)
    if url not in _ENGINES:
        if is_sqlite(url):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return _ENGINES[url]


def dispose(url: str) -> None:
    """Close the pooled connections to ``url`` (before dropping a database, in tests)."""
    url = resolve_url(url)
    _SESSIONS.pop(url, None)
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sessionmaker(url: str) -> sessionmaker[Session]:
    if url not in _SESSIONS:
        _SESSIONS[url] = sessionmaker(get_engine(url), expire_on_commit=False)
    return _SESSIONS[url]


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises."""
    session = _sessionmaker(resolve_url(url))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    """An Alembic Config built in code, pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = resolve_url(url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Run the migrations up to ``revision`` on ``url``; returns the resolved URL.

    Raises DatabaseUnavailableError (BC205) when the database cannot be reached.
    """
    from alembic import command

    resolved = resolve_url(url)
    cfg = alembic_config(resolved)
    try:
        with get_engine(resolved).begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except OperationalError as e:
        raise DatabaseUnavailableError(
            f"cannot open {display_url(resolved)} ({_first_line(e)})") from e
    return resolved


def current_revision(url: str) -> str | None:
    """The Alembic revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with get_engine(resolve_url(url)).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _first_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e)
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__
