"""Killed mid-run with ``kill -9``, a rerun finishes the job: every file exactly once, the
same counts as a clean run (SQLite and PostgreSQL), with the writer's commits batched by
count or by time, and only the files whose batch was not committed read again. Connections dropped by the server
mid-run are ridden out; a database gone for good is a typed error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from baocao.store.db import dispose, resolve_url, retrying, session_scope, upgrade
from baocao.store.errors import DatabaseUnavailableError, StoreError
from baocao.store.ingest import CommitEvery, ingest
from baocao.store.models import (
    ExtractionRow,
    FactRow,
    ParsedDocumentRow,
    RelationRow,
    Run,
    VersionRow,
)
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
               for m in (VersionRow, ExtractionRow, FactRow, RelationRow, ParsedDocumentRow)}
        out["distinct_sha"] = session.scalar(select(func.count(VersionRow.sha256.distinct()))) or 0
    return out


def stored_extractions(url: str) -> int:
    try:
        with session_scope(url) as session:
            return session.scalar(select(func.count()).select_from(ExtractionRow)) or 0
    except Exception:  # noqa: BLE001 - tables not created yet by the subprocess
        return 0


def killed_midway(db_url: str, folder: Path, env: dict[str, str], at_least: int
                  ) -> tuple[int, list[int]]:
    """Run ``baocao ingest --workers 1`` on ``folder`` in a subprocess with ``env``, kill -9 it
    once ``at_least`` extractions are committed; (committed then, every count seen before)."""
    command = [sys.executable, "-m", "baocao.cli", "ingest", str(folder), "--db", db_url,
               "--workers", "1", "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while (not seen or seen[-1] < at_least) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        seen.append(stored_extractions(db_url))
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    dispose(db_url)
    killed_at = stored_extractions(db_url)
    assert at_least <= killed_at < N_FILES, "the run was not interrupted midway"
    return killed_at, seen


def rerun_redoes_only_the_uncommitted(db_url: str, folder: Path, tmp_path: Path,
                                      killed_at: int) -> None:
    """The rerun reads exactly the files not committed when the run was killed, stores each
    once, and the database is the same as after a clean run (Documents included)."""
    report = ingest([folder], db=db_url, workers=2, quiet=True)
    assert (report.skipped, report.new, report.failed) == (killed_at, N_FILES - killed_at, 0)

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    ingest([folder], db=clean, workers=2, quiet=True)
    expected = counts(clean)
    assert expected["versions"] == N_FILES == expected["distinct_sha"]
    assert expected["parsed_documents"] == N_FILES
    assert counts(db_url) == expected


def test_kill_9_midway_then_rerun_stores_every_file_once(db_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits batched by count (every 4 documents, no time limit): every count seen while
    it runs is a whole number of batches, and the rerun redoes only what was not committed."""
    # one version for the killed subprocess and the rerun here, even if the code is being edited
    monkeypatch.setenv("BAOCAO_EXTRACTOR_VERSION", "resume-test")
    folder = tmp_path / "archive"
    make_archive(folder)
    batch = {"BAOCAO_COMMIT_DOCS": "4", "BAOCAO_COMMIT_MS": "3600000"}
    killed_at, seen = killed_midway(db_url, folder, batch, at_least=8)
    assert all(n % 4 == 0 for n in [*seen, killed_at]), seen  # batches, never part of one
    rerun_redoes_only_the_uncommitted(db_url, folder, tmp_path, killed_at)


def test_kill_9_with_commits_batched_by_time(db_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches too large to fill (1,000 documents) are committed by age (50 ms): documents
    reach the database while the run goes on, and a kill loses only what was not committed."""
    monkeypatch.setenv("BAOCAO_EXTRACTOR_VERSION", "resume-test")
    folder = tmp_path / "archive"
    make_archive(folder)
    batch = {"BAOCAO_COMMIT_DOCS": "1000", "BAOCAO_COMMIT_MS": "50"}
    killed_at, _ = killed_midway(db_url, folder, batch, at_least=5)
    rerun_redoes_only_the_uncommitted(db_url, folder, tmp_path, killed_at)


RUN_AND_COUNT = ("import json, sys\n"
                 "from baocao.store.ingest import ingest\n"
                 "r = ingest([sys.argv[1]], db=sys.argv[2], workers=1, quiet=True)\n"
                 "print(json.dumps([r.new, r.skipped, r.failed]))")


def test_two_runs_at_once_store_every_file_once(db_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers batch the same files into one database at once: where one stored a
    document first, the other's batch is replayed a document at a time and counts it as
    skipped; every file is stored once, and counted new by one run only."""
    folder = tmp_path / "archive"
    make_archive(folder)
    upgrade(db_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BAOCAO_COMMIT_DOCS": "8",
           "BAOCAO_EXTRACTOR_VERSION": "two-runs"}
    runs = [subprocess.Popen([sys.executable, "-c", RUN_AND_COUNT, str(folder), db_url], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    new, skipped, failed = (sum(r[i] for r in results) for i in range(3))
    assert (new, skipped, failed) == (N_FILES, N_FILES, 0), results
    stored = counts(db_url)
    assert stored["versions"] == stored["distinct_sha"] == stored["extractions"] == N_FILES
    assert stored["parsed_documents"] == N_FILES


def test_commit_settings_are_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOCAO_COMMIT_DOCS", "7")
    monkeypatch.setenv("BAOCAO_COMMIT_MS", "250")
    assert CommitEvery.from_env() == CommitEvery(docs=7, seconds=0.25)
    monkeypatch.setenv("BAOCAO_COMMIT_DOCS", "0")   # at least one document a transaction
    assert CommitEvery.from_env().docs == 1
    monkeypatch.setenv("BAOCAO_COMMIT_DOCS", "lots")
    with pytest.raises(StoreError, match="BAOCAO_COMMIT_DOCS='lots' is not a whole number"):
        CommitEvery.from_env()


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
            # batched commits: between two batches the writer may be reconnecting; wait
            # (at most 10 s) until it holds a connection, so the outage takes one from it
            held = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"
            deadline = time.monotonic() + 10
            while (not connection.execute(text(held), {"app": application}).scalar()
                   and time.monotonic() < deadline):
                time.sleep(0.01)
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
