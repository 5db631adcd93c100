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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from baocao.store.errors import (
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    UnsupportedDatabaseError,
)

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
    try:
        backend = make_url(raw).get_backend_name()
    except Exception as e:  # sqlalchemy's ArgumentError: not a URL at all
        raise UnsupportedDatabaseError(f"{raw!r} is not a database URL ({e})") from e
    if backend not in ("sqlite", "postgresql"):
        raise UnsupportedDatabaseError(f"{backend}:// databases are not supported: baocao "
                                       "stores into SQLite or PostgreSQL")
    return raw


SQLITE_HEADER = b"SQLite format 3\x00"


def existing(db: str | None) -> str:
    """The resolved URL of a database that must already exist (the read-only commands and the
    Python API): a SQLite path that is not there raises ``DatabaseNotFoundError`` (BC207)
    instead of silently creating an empty database, and a file that is not SQLite (a report
    given as --db) says so. The schema is then brought up to date, as every command does."""
    url = resolve_url(db)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if not path.is_file():
                raise DatabaseNotFoundError(f"no database at {path} (nothing was ingested "
                                            "there yet, or the path is mistyped)")
            with path.open("rb") as f:
                head = f.read(len(SQLITE_HEADER))
            if head and head != SQLITE_HEADER:
                raise DatabaseUnavailableError(f"{path} is not a SQLite database (is it a "
                                               "report? give reports to `baocao ingest`)")
    return upgrade(url)


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
            event.listen(engine, "do_connect", _private_sqlite_file)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return _ENGINES[url]


# ── file permissions (issue 15): a new SQLite database is readable by its owner only ───────
#
# The database holds reviewers' password hashes, sessions and every document's text. SQLite
# creates a missing file with the process umask (often 0644: readable by every local user), and
# gives its -wal and -shm files the mode of the database file. So, just before SQLite opens a
# connection, a missing file is created empty (which SQLite takes as a new database) with mode
# 0600. An existing file keeps the mode its owner gave it.

def _private_sqlite_file(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> None:
    """``do_connect`` hook: the database file, created 0600 when it does not exist yet."""
    database = cargs[0] if cargs else cparams.get("database")
    if not isinstance(database, str) or cparams.get("uri"):
        return
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return  # existing: left as is; no folder: SQLite reports it as before
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # created meanwhile by another process
        pass


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
    """A session that commits when the block ends and rolls back if it raises.

    A connection lost or refused inside the block (outside ``retrying``) comes out as
    ``DatabaseUnavailableError`` (BC205), the error the CLI reports in one line.
    """
    resolved = resolve_url(url)
    session = _sessionmaker(resolved)()
    try:
        yield session
        session.commit()
    except DBAPIError as e:
        _rollback(session)
        if not _lost_connection(e):
            raise
        raise DatabaseUnavailableError(f"lost the connection to {display_url(resolved)} "
                                       f"({_first_line(e)})") from e
    except BaseException:
        _rollback(session)
        raise
    finally:
        session.close()


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except DBAPIError:
        pass  # the connection is gone; closing the session resets it all the same


T = TypeVar("T")

RECONNECT_SECONDS = 120.0
"""How long a writer keeps retrying a transaction while the database is unreachable (a
server restart, a failover): long enough for a restart, short enough for cron to notice."""


def _lost_connection(e: DBAPIError) -> bool:
    """The connection died or could not be made (not a constraint or a bad statement)."""
    return bool(e.connection_invalidated) or isinstance(e, OperationalError)


def retrying(session: Session, work: Callable[[], T], *, url: str,
             seconds: float = RECONNECT_SECONDS) -> T:
    """Run ``work`` (one whole transaction, commit included) and retry it from the start
    while the database is unreachable, waiting 0.5, 1, 2, 4, 5, 5... s; each retry opens a
    new connection (``pool_pre_ping`` drops the dead ones). Safe because ``work`` is one
    transaction: a lost connection rolls all of it back, so nothing is written twice.
    After ``seconds`` it raises ``DatabaseUnavailableError`` (BC205): what was committed
    before stays, and a rerun goes on from there.
    """
    deadline = time.monotonic() + seconds
    delay = 0.5
    while True:
        try:
            return work()
        except DBAPIError as e:
            if not _lost_connection(e):
                raise
            _rollback(session)
            if time.monotonic() + delay > deadline:
                raise DatabaseUnavailableError(
                    f"lost the connection to {display_url(url)} and could not get it back "
                    f"within {seconds:g} s ({_first_line(e)}); everything committed before "
                    "is kept: rerun the same command to go on") from e
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


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
