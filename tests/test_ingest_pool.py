"""The worker pool: a per-file time limit that replaces the stuck worker, dead workers
replaced, and the ingest that records both as typed errors while the run goes on."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from baocao.store import ingest as ingest_module
from baocao.store.errors import WorkerCrashError
from baocao.store.pool import WorkerPool
from baocao.store.worker import Task, process
from tests.conftest import ROOT, SEEDS

pytest_plugins = ["tests.conftest_db"]


def work(task: str) -> str:
    """Picklable by reference, so fork-server workers can run it."""
    if task == "hang":
        time.sleep(120)
    if task == "die":
        os._exit(3)
    return task.upper()


def hang_on_marked_files(task: Task) -> dict[str, Any]:
    """The real worker, except that files named *hang* never finish."""
    if "hang" in Path(task.path).name:
        time.sleep(120)
    return process(task)


def test_pool_times_out_and_replaces_workers() -> None:
    tasks = ["a", "hang", "b", "die", "c", "d"]
    with WorkerPool(2, work, timeout=3.0, on_timeout=lambda t: f"timeout:{t}",
                    on_crash=lambda t, code: f"crash:{t}:{code}") as pool:
        started = time.monotonic()
        results = dict(pool.map_unordered(tasks))
        took = time.monotonic() - started
        assert pool.replaced == 2
    assert results == {"a": "A", "hang": "timeout:hang", "b": "B", "die": "crash:die:3",
                       "c": "C", "d": "D"}
    assert took < 30


def test_tasks_queued_behind_a_stuck_or_dead_file_go_to_the_new_worker() -> None:
    """A worker holds the file it reads and the next one (``QUEUE_DEPTH``): when it is killed
    for a time-out or dies, only the file it was reading is reported; the ones queued behind
    it are read by its replacement, each once."""
    from baocao.store.pool import QUEUE_DEPTH

    assert QUEUE_DEPTH >= 2
    with WorkerPool(1, work, timeout=3.0, on_timeout=lambda t: f"timeout:{t}",
                    on_crash=lambda t, code: f"crash:{t}:{code}") as pool:
        results = list(pool.map_unordered(["a", "hang", "b", "die", "c", "d"]))
        assert pool.replaced == 2
    assert sorted(results) == sorted([("a", "A"), ("hang", "timeout:hang"), ("b", "B"),
                                      ("die", "crash:die:3"), ("c", "C"), ("d", "D")])


def test_pool_gives_up_when_every_worker_dies() -> None:
    with WorkerPool(1, work, timeout=10, on_timeout=str, on_crash=lambda t, c: "crash") as pool:
        with pytest.raises(WorkerCrashError, match="in a row"):
            list(pool.map_unordered(["die"] * 20))


def test_worker_that_cannot_start_is_a_run_error(tmp_path: Path) -> None:
    script = tmp_path / "no_guard.py"  # calls ingest() without `if __name__ == "__main__":`
    script.write_text("from store.ingest import ingest\n"
                      f"ingest([{str(SEEDS[0])!r}], db={str(tmp_path / 'x.db')!r}, workers=1,"
                      " quiet=True)\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0
    assert "WorkerCrashError" in result.stderr and "could not start" in result.stderr


def test_ingest_records_a_timeout_and_goes_on(db_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS[0], folder / "a.txt")
    shutil.copy(SEEDS[1], folder / "hang.txt")
    shutil.copy(SEEDS[2], folder / "c.txt")
    monkeypatch.setattr(ingest_module, "process", hang_on_marked_files)
    report = ingest_module.ingest([folder], db=db_url, workers=2, quiet=True, timeout=3)
    assert report.new == 2
    assert [(Path(e["path"]).name, e["code"]) for e in report.errors] == [("hang.txt", "BC202")]
    monkeypatch.setattr(ingest_module, "process", process)
    retry = ingest_module.ingest([folder], db=db_url, workers=1, quiet=True)
    assert (retry.new, retry.skipped) == (1, 2)  # timeouts are retried, then cleared
    from baocao.store.db import session_scope
    from baocao.store.repository import list_errors
    with session_scope(db_url) as session:
        assert list_errors(session) == []
