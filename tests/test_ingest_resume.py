"""Killed mid-run with ``kill -9``, a rerun finishes the job: every file exactly once, the
same counts as a clean run (SQLite and PostgreSQL). Connections dropped by the server
mid-run are ridden out; a database gone for good is a typed error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from baocao.store.db import dispose, resolve_url, retrying, session_scope
from baocao.store.errors import DatabaseUnavailableError
from baocao.store.ingest import ingest
from baocao.store.models import ExtractionRow, FactRow, RelationRow, Run, VersionRow
from tests.conftest import ROOT, SEEDS

pytest_plugins = ["tests.conftest_db"]

N_FILES = 40


def make_archive(folder: Path) -> None:
    """N_FILES distinct text reports (a seed plus i trailing spaces: new bytes, same facts)."""
    folder.mkdir()
    for i in range(N_FILES):
        seed = SEEDS[i % len(SEEDS)]
        (folder / f"{i:03d}_{seed.name}").write_bytes(seed.read_bytes() + b" " * (i + 1))


def counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        out = {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
               for m in (VersionRow, ExtractionRow, FactRow, RelationRow)}
        out["distinct_sha"] = session.scalar(select(func.count(VersionRow.sha256.distinct()))) or 0
    return out


def stored_extractions(url: str) -> int:
    try:
        with session_scope(url) as session:
            return session.scalar(select(func.count()).select_from(ExtractionRow)) or 0
    except Exception:  # noqa: BLE001 - tables not created yet by the subprocess
        return 0


def test_kill_9_midway_then_rerun_stores_every_file_once(db_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # one version for the killed subprocess and the rerun here, even if the code is being edited
    monkeypatch.setenv("BAOCAO_EXTRACTOR_VERSION", "resume-test")
    folder = tmp_path / "archive"
    make_archive(folder)
    command = [sys.executable, "-m", "baocao.cli", "ingest", str(folder), "--db", db_url,
               "--workers", "1", "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while stored_extractions(db_url) < 5 and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    dispose(db_url)
    killed_at = stored_extractions(db_url)
    assert 5 <= killed_at < N_FILES, "the run was not interrupted midway"

    report = ingest([folder], db=db_url, workers=2, quiet=True)
    assert report.skipped >= killed_at and report.new + report.skipped == N_FILES
    assert report.failed == 0

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    ingest([folder], db=clean, workers=2, quiet=True)
    expected = counts(clean)
    assert expected["versions"] == N_FILES == expected["distinct_sha"]
    assert counts(db_url) == expected


def _outage(url: str, application: str, seconds: float) -> int:
    """A database outage as a client sees a server restart: the database refuses new
    connections (``ALLOW_CONNECTIONS false`` holds for superusers too), the connections
    ``application`` holds are closed by the server, and ``seconds`` later connections are
    allowed again. Run from the admin database; returns how many connections were closed."""
    from tests.conftest_db import PG_SERVER  # after pytest has loaded it as a plugin

    database = make_url(url).database
    engine = create_engine(resolve_url(PG_SERVER), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            try:
                closed = len(connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :app"), {"app": application}).all())
                time.sleep(seconds)
            finally:
                connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        return closed
    finally:
        engine.dispose()


def test_ingest_rides_out_database_outages(pg_url: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The database goes away twice mid-run (connections closed, new ones refused for 2 s):
    the writer reconnects and retries the document's transaction, the run ends normally
    and records its end, every file is stored once."""
    monkeypatch.setenv("BAOCAO_EXTRACTOR_VERSION", "resume-test")
    folder = tmp_path / "archive"
    make_archive(folder)
    application = f"baocao-ingest-{os.getpid()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "baocao.cli", "ingest", str(folder), "--db", pg_url,
         "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PGAPPNAME": application})
    closed, deadline = 0, time.monotonic() + 120
    for target in (3, 12):
        while stored_extractions(pg_url) < target and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        dispose(pg_url)  # this test's own pooled connections would be closed too
        closed += _outage(pg_url, application, 2.0)
        assert process.poll() is None, "the ingest did not survive the outage"
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    assert closed >= 2, "the ingest held no connection when the database went away"
    assert counts(pg_url)["versions"] == N_FILES == counts(pg_url)["distinct_sha"]
    with session_scope(pg_url) as session:
        assert session.scalar(select(func.count()).select_from(Run)
                              .where(Run.finished_at.is_not(None))) == 1


def test_unreachable_database_mid_run_is_a_typed_error_after_retrying(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:9/nowhere"  # nothing listens on port 9
    with pytest.raises(DatabaseUnavailableError) as raised:
        with session_scope(url) as session:
            retrying(session, lambda: session.execute(text("SELECT 1")), url=url, seconds=1.0)
    assert raised.value.code == "BC205"
    assert "rerun the same command" in str(raised.value)
