"""The database layer: URL resolution, migrations vs models, pragmas, append-only audit,
optimistic locking — on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from baocao.cli import main
from baocao.store.db import current_revision, get_engine, resolve_url, session_scope, upgrade
from baocao.store.errors import DatabaseUnavailableError
from baocao.store.models import AuditRow, Base, CorrectionRow, DocumentRow, UserRow

pytest_plugins = ["tests.conftest_db"]

TABLES = {"documents", "versions", "extractions", "facts", "checks", "relations", "errors",
          "runs", "users", "reviews", "corrections", "flags", "audit", "alembic_version",
          "parsed_documents", "rechecks", "sessions", "document_paths", "login_attempts",
          "document_edits", "assignments", "comments", "second_reviews"}
HEAD = "0005"  # the latest migration (0005: accounts, login attempts, metadata, assignments)


def test_url_resolution_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BAOCAO_DB", raising=False)
    assert resolve_url(None) == "sqlite:///baocao.db"
    monkeypatch.setenv("BAOCAO_DB", "postgresql://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url("other.db") == "sqlite:///other.db"
    assert resolve_url("sqlite:////abs/x.db") == "sqlite:////abs/x.db"


def test_upgrade_creates_the_schema_on_an_empty_database(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert TABLES <= set(inspect(get_engine(db_url)).get_table_names())
    assert current_revision(db_url) == HEAD
    upgrade(db_url)  # idempotent
    assert current_revision(db_url) == HEAD


def test_models_match_migrations(db_url: str) -> None:
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_sqlite_pragmas_wal_foreign_keys(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(url)
    with get_engine(url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_foreign_keys_enforced(db_url: str) -> None:
    upgrade(db_url)
    with pytest.raises(DBAPIError), session_scope(db_url) as session:
        session.execute(text("INSERT INTO reviews (document_id, state) VALUES (999, 'unreviewed')"))


def test_audit_is_append_only(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(AuditRow(actor="alice", action="correction.edit", entity="fact",
                             entity_id="1:abc", before=None, after={"value": 1}, reason="typo"))
    for statement in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="append-only"), session_scope(db_url) as session:
            session.execute(text(statement))
    with session_scope(db_url) as session:
        assert session.scalar(select(AuditRow.actor)) == "alice"


def test_role_and_state_constraints(db_url: str) -> None:
    upgrade(db_url)
    with pytest.raises(DBAPIError), session_scope(db_url) as session:
        session.add(UserRow(name="x", role="superuser", password_hash="h"))


def test_optimistic_version_detects_two_reviewers(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(DocumentRow(path="/a.txt"))
        session.flush()
        session.add(CorrectionRow(document_id=1, fact_key="k" * 40, action="edit",
                                  fields=["value"], value=1.0))
    engine = get_engine(db_url)
    with Session(engine) as first, Session(engine) as second:
        mine = first.scalar(select(CorrectionRow))
        theirs = second.scalar(select(CorrectionRow))
        assert mine is not None and theirs is not None and mine.version == 1
        mine.value = 2.0
        first.commit()
        theirs.value = 3.0
        with pytest.raises(StaleDataError):
            second.commit()
    with session_scope(db_url) as session:
        row = session.scalar(select(CorrectionRow))
        assert row is not None and (row.value, row.version) == (2.0, 2)


def test_cli_db_upgrade(db_url: str) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"revision {HEAD}" in result.output


def test_unreachable_database_is_a_typed_error() -> None:
    with pytest.raises(DatabaseUnavailableError) as info:
        upgrade("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.code == "BC205"
    result = CliRunner().invoke(main, ["errors", "--db", "postgresql://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 2 and "[BC205]" in result.output


def test_0003_keys_existing_error_rows_by_path_and_content(db_url: str) -> None:
    upgrade(db_url, "0002")
    with get_engine(db_url).begin() as connection:
        connection.execute(text(
            "INSERT INTO errors (key, path, sha256, code, type, message, extractor_version, "
            "attempts) VALUES ('abc', '/in/a.pdf', 'abc', 'BC104', 'CorruptFileError', 'x', "
            "'1', 1), ('/in/gone.pdf', '/in/gone.pdf', NULL, 'BC101', 'EmptyFileError', 'y', "
            "'1', 1)"))
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        keys = dict(connection.execute(text("SELECT path, key FROM errors")).all())
    assert keys == {"/in/a.pdf": "abc:/in/a.pdf", "/in/gone.pdf": "/in/gone.pdf"}
