"""Database fixtures: ``db_url`` runs a test on SQLite and on PostgreSQL.

Loaded with ``pytest_plugins = ["tests.conftest_db"]`` by the store/ingest/export/dask tests.

PostgreSQL: one fresh database per test session (``CREATE DATABASE baocao_test_...``,
dropped at the end), and one fresh schema per test inside it (the URL carries
``options=-csearch_path=...``, so subprocesses and Dask workers land in it too). The server
is ``BAOCAO_TEST_PG`` or ``postgresql://postgres@127.0.0.1:5432/test`` (trust auth; ``.ci/run``
starts it). When it is unreachable, the postgresql variants FAIL under CI (``CI=true``) and
are skipped with the reason locally: never silently passed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from baocao.store.db import dispose, resolve_url

PG_SERVER = os.environ.get("BAOCAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@cache
def pg_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        engine = create_engine(resolve_url(PG_SERVER), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as e:  # noqa: BLE001 - any failure to connect is reported as such
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else e}"
    return None


def require_postgresql() -> None:
    """Fail in CI, skip locally, when PostgreSQL is not reachable."""
    reason = pg_unreachable()
    if reason is None:
        return
    message = (f"PostgreSQL is not reachable at {PG_SERVER} ({reason}); .ci/run starts it, "
               "locally: pg_ctlcluster 15 main start, or set BAOCAO_TEST_PG")
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(message)
    pytest.skip(message)


def _admin() -> object:
    return create_engine(resolve_url(PG_SERVER), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    require_postgresql()
    name = f"baocao_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = _admin()
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(resolve_url(PG_SERVER)).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()  # type: ignore[attr-defined]


def pg_schema_url(database_url: str) -> tuple[str, str]:
    """A new empty schema in ``database_url``; returns (url using it, schema name)."""
    schema = f"t_{secrets.token_hex(5)}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{database_url}?options=-csearch_path%3D{schema}", schema


def drop_schema(database_url: str, schema: str) -> None:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'baocao.db'}"
        yield url
        dispose(url)
        return
    database = request.getfixturevalue("pg_database")
    url, schema = pg_schema_url(database)
    yield url
    dispose(url)
    drop_schema(database, schema)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL schema only (for what needs a server, e.g. Dask workers writing)."""
    database = request.getfixturevalue("pg_database")
    url, schema = pg_schema_url(database)
    yield url
    dispose(url)
    drop_schema(database, schema)
