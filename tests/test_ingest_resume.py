"""Killed mid-run with ``kill -9``, a rerun finishes the job: every file exactly once, the
same counts as a clean run (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import dispose, session_scope
from store.ingest import ingest
from store.models import ExtractionRow, FactRow, RelationRow, VersionRow
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
