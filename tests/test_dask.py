"""``--engine dask``: the same ingest on a local Dask cluster (2 worker processes), results to
a partitioned Parquet dataset and to PostgreSQL (and SQLite, stored by the client)."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from baocao.cli import main
from baocao.store.dask_engine import ingest_dask, read_dataset
from baocao.store.db import session_scope
from baocao.store.models import DocumentRow, ExtractionRow, FactRow, VersionRow
from tests.conftest import CORPUS, ROOT, SEEDS, extraction_of

pytest_plugins = ["tests.conftest_db"]
distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """The five seeds, one portal page and one broken file."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    shutil.copy(CORPUS / "docs" / "001_422e18ebd3f30e83.html", folder / "001.html")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    return sorted(folder.iterdir())


def n_facts(paths: list[Path]) -> int:
    return sum(len(extraction_of(p).facts) for p in paths if p.name != "broken.pdf")


def test_dask_to_partitioned_parquet(scheduler: str, inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    report = ingest_dask(inputs, scheduler=scheduler, output=f"parquet:{out}", quiet=True,
                         batch_size=2)
    assert (report.new, report.failed, report.workers) == (6, 1, 2)
    assert [e["code"] for e in report.errors] == ["BC104"]
    assert {p.name for p in (out / "facts").iterdir()} == {"format=html", "format=text"}
    facts = read_dataset(out, "facts")
    assert len(facts) == n_facts(inputs) == report.facts
    row = facts[(facts["source_text"] == "15.739")].iloc[0]
    assert (row["value"], str(row["format"]), row["place"]) == (15739.0, "text", "Đắk Song")
    assert len(read_dataset(out, "documents")) == 6
    assert len(read_dataset(out, "errors")) == 1
    checks = read_dataset(out, "checks")
    assert len(checks) == sum(len(extraction_of(p).checks) for p in inputs if p.suffix != ".pdf")

    stray = out / "facts" / "format=text" / "deadbeefdeadbeef0000-0.parquet"
    shutil.copy(next((out / "facts" / "format=text").glob("*.parquet")), stray)
    again = ingest_dask(inputs, scheduler=scheduler, output=f"parquet:{out}", quiet=True)
    assert (again.new, again.skipped) == (0, 7)
    assert not stray.exists()  # an uncommitted batch's part file is removed
    assert len(read_dataset(out, "facts")) == n_facts(inputs)


def _stored(url: str) -> tuple[int, int, int]:
    with session_scope(url) as session:
        return (session.scalar(select(func.count()).select_from(DocumentRow)) or 0,
                session.scalar(select(func.count()).select_from(ExtractionRow)) or 0,
                session.scalar(select(func.count()).select_from(FactRow)) or 0)


def test_dask_to_postgresql(scheduler: str, inputs: list[Path], pg_url: str) -> None:
    report = ingest_dask(inputs, scheduler=scheduler, db=pg_url, quiet=True)
    assert (report.new, report.failed) == (6, 1)
    assert _stored(pg_url) == (6, 6, n_facts(inputs))
    with session_scope(pg_url) as session:
        path = str((inputs[0].parent / SEEDS[4].name).resolve())
        values = session.scalars(select(FactRow.value).join(ExtractionRow).join(VersionRow)
                                 .join(DocumentRow).where(DocumentRow.path == path)
                                 .order_by(FactRow.id)).all()
    assert values == [f.value if isinstance(f.value, float) else None
                      for f in extraction_of(SEEDS[4]).facts]
    again = ingest_dask(inputs, scheduler=scheduler, db=pg_url, quiet=True)
    assert (again.new, again.skipped) == (0, 7)
    assert _stored(pg_url) == (6, 6, n_facts(inputs))


def test_dask_to_sqlite_through_the_client(scheduler: str, inputs: list[Path],
                                           tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    report = ingest_dask(inputs[:3], scheduler=scheduler, db=url, quiet=True)
    assert report.new == 3
    assert _stored(url)[2] == n_facts(inputs[:3])


def test_cli_engine_dask(scheduler: str, inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cli-dataset"
    result = CliRunner().invoke(main, ["ingest", *map(str, inputs[:2]), "--engine", "dask",
                                       "--scheduler", scheduler, "--output", f"parquet:{out}"])
    assert result.exit_code == 0, result.output
    assert "2 files: 2 new" in result.output
    frame = pd.read_parquet(out / "facts")
    assert len(frame) == n_facts(inputs[:2])
    bad = CliRunner().invoke(main, ["ingest", str(inputs[0]), "--output", f"parquet:{out}"])
    assert bad.exit_code == 2 and "--engine dask" in bad.output


# ── the per-file time limit ──────────────────────────────────────────────────────────────

@pytest.fixture
def with_slow_file(tmp_path: Path) -> Path:
    """Two seeds and a real report 150 times as long (about 25 s to read here, the seeds
    0.1 s): past a 3 s limit, the slow one only."""
    folder = tmp_path / "slow-in"
    folder.mkdir()
    shutil.copy(SEEDS[0], folder / "a.txt")
    shutil.copy(SEEDS[2], folder / "c.txt")
    (folder / "slow.txt").write_text(SEEDS[3].read_text(encoding="utf-8") * 150,
                                     encoding="utf-8")
    return folder


def test_dask_time_limit_records_a_timeout_and_goes_on(scheduler: str, with_slow_file: Path,
                                                       db_url: str) -> None:
    from baocao.store.repository import list_errors

    started = time.monotonic()
    report = ingest_dask([with_slow_file], scheduler=scheduler, db=db_url, quiet=True,
                         timeout=3)
    assert time.monotonic() - started < 60  # the slow file was stopped, not waited for
    assert report.new == 2
    assert [(Path(e["path"]).name, e["code"]) for e in report.errors] == [("slow.txt", "BC202")]
    assert "not read within 3 s" in report.errors[0]["message"]
    with session_scope(db_url) as session:
        errors = list_errors(session)
        assert [(Path(e["path"]).name, e["code"], e["attempts"]) for e in errors] == [
            ("slow.txt", "BC202", 1)]
    assert _stored(db_url)[0] == 2
    again = ingest_dask([with_slow_file], scheduler=scheduler, db=db_url, quiet=True, timeout=3)
    assert (again.new, again.skipped, again.failed) == (0, 2, 1)  # a timeout is tried again
    with session_scope(db_url) as session:
        assert [e["attempts"] for e in list_errors(session)] == [2]


def test_cli_time_limit_reaches_the_dask_engine(scheduler: str, with_slow_file: Path,
                                               tmp_path: Path) -> None:
    out = tmp_path / "cli-slow"
    result = CliRunner().invoke(main, ["ingest", str(with_slow_file), "--engine", "dask",
                                       "--scheduler", scheduler, "--output", f"parquet:{out}",
                                       "--timeout", "3"])
    assert result.exit_code == 1, result.output           # some files unreadable
    errors = read_dataset(out, "errors")
    assert [(Path(p).name, c) for p, c in zip(errors["path"], errors["code"])] == [
        ("slow.txt", "BC202")]


def test_dask_time_limit_in_parquet_output(scheduler: str, with_slow_file: Path,
                                           tmp_path: Path) -> None:
    out = tmp_path / "slow-dataset"
    report = ingest_dask([with_slow_file], scheduler=scheduler, output=f"parquet:{out}",
                         quiet=True, timeout=3, batch_size=1)
    assert (report.new, report.failed) == (2, 1)
    errors = read_dataset(out, "errors")
    assert [(Path(p).name, c) for p, c in zip(errors["path"], errors["code"])] == [
        ("slow.txt", "BC202")]
    assert len(read_dataset(out, "documents")) == 2


# ── a real cluster: separate scheduler and worker processes, one killed ──────────────────

_spec = importlib.util.spec_from_file_location("bench_dask_cluster",
                                               ROOT / "benchmarks" / "dask_cluster.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.timeout(900)
def test_cluster_with_a_worker_killed_stores_every_document_once(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dask scheduler` and two `dask worker` processes; `baocao ingest --engine dask` of 150
    generated documents into PostgreSQL; worker 1's whole process group killed with SIGKILL
    once a quarter is stored, a replacement started: each file is stored exactly once."""
    monkeypatch.setattr(bench.ingest_bench, "CACHE", tmp_path / "generated")
    files = bench.generated(150)
    result = bench.prove(files, pg_url, workers=2, kill_at=0.25, folder=tmp_path / "cluster",
                         say=lambda s: None)
    assert result["exit_code"] == 0, result["output"]
    assert "stored_at_kill" in result and result["stored_at_kill"] < len(files)
    v = result["verify"]
    assert v["documents"] == v["versions"] == v["extractions"] == v["distinct_hashes"] == 150
    assert (v["missing"], v["unexpected"], v["errors"]) == (0, 0, {})
    assert v["documents_with_several_versions"] == v["versions_with_several_extractions"] == 0
    assert bench.stored_once(v, 150)
    assert result["rerun"]["exit_code"] == 0 and result["rerun"]["documents"] == 150
