"""The same ingest on a Dask distributed cluster: ``--engine dask --scheduler tcp://HOST:8786``.

The client lists and hashes the inputs and skips what is done, exactly as the local engine
(``store.ingest.plan``), and submits the files as it goes, a few per worker in flight
(``submitted``): hashing overlaps the work, and a million files never become a million
futures at once. Dask workers parse and extract. Inputs must be at the same path on
every worker (a shared mount), and so must a Parquet output folder. Results go:

- to **PostgreSQL**: each worker stores its documents itself, one transaction per document
  (the database arbitrates, unique constraints forbid duplicates), so the client is never
  the bottleneck; with SQLite (one writer only) the client stores them instead;
- to a **Parquet dataset** (``--output parquet:DIR``): workers write ``facts/``, ``checks/``
  and ``documents/`` (partitioned by format, Hive style) and ``errors/`` in batches; a batch
  is committed by a marker ``_committed/BATCH.json`` written last, atomically. A rerun skips
  the hashes listed in markers and deletes part files of uncommitted batches (a killed run),
  so no row is ever duplicated or lost.

The per-file time limit (``timeout``, 120 s by default as for the local engine) is the local
engine's: Dask runs tasks in threads that cannot be stopped, so each Dask worker thread reads
its files in a child process of its own (``store.pool.WorkerPool`` of one, forked from a
warmed fork server); a file past the limit has that child killed and is recorded as a
``FileTimeoutError`` (BC202) row, a child that dies on a file (segfault, OOM killer) as a
``WorkerCrashError`` (BC203), and the run goes on with a fresh child. Both are retried by
the next run, as with the local engine. ``timeout=None`` (or 0) reads in the Dask thread
itself, without a limit.

A Dask worker that dies (killed, machine lost) is restarted by its nanny or not; either way
the scheduler gives its tasks to other workers. A task whose worker died after committing
its document runs again, finds the document stored (the unique constraints arbitrate) and
counts it as skipped: every file is stored once (``benchmarks/dask_cluster.py`` proves it on
10,000 documents with a worker killed mid-run).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.exc import IntegrityError

from baocao.parsers.base import Limits
from baocao.store import version
from baocao.store.db import is_sqlite, retrying, session_scope
from baocao.store.errors import MissingExtraError
from baocao.store.export import (
    CHECK_COLUMNS,
    DOCUMENT_COLUMNS,
    FACT_COLUMNS,
    FACT_DTYPES,
    arrow_table,
    check_dtypes,
    checks_from_extraction,
    document_dtypes,
    document_from_extraction,
    facts_from_extraction,
    typed_frame,
)
from baocao.store.ingest import (
    DEFAULT_TIMEOUT,
    IngestReport,
    Progress,
    checked_listing,
    database_run,
    plan,
    same_bytes,
)
from baocao.store.ingest import _crash_result as crash_result
from baocao.store.ingest import _timeout_result as timeout_result
from baocao.store.inputs import Selection
from baocao.store.pool import WorkerPool
from baocao.store.repository import Done, Saved, record_error, save_prepared
from baocao.store.worker import Task, process, process_extraction

PARQUET_PREFIX = "parquet:"
PARTITION = ["format"]
ERROR_COLUMNS = ["path", "sha256", "size", "code", "type", "message", "hint", "extractor_version"]


def ingest_dask(inputs: Iterable[str | Path], *, scheduler: str | None = None,
                output: str = "db", db: str | None = None, workers: int | None = None,
                quiet: bool = False, limits: Limits | None = None,
                batch_size: int = 8, select: Selection | None = None,
                timeout: float | None = DEFAULT_TIMEOUT) -> IngestReport:
    """Ingest on the cluster at ``scheduler`` (a local cluster of ``workers`` when None);
    a file not read within ``timeout`` seconds is recorded as a timeout (BC202)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise MissingExtraError("--engine dask needs the dask extra: "
                                "pip install 'baocao[dask]'") from e

    limits = limits or Limits()
    names = [str(i) for i in inputs]
    checked_listing(names, limits, select)  # a typo fails here, before a cluster starts
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True)
        scheduler = cluster.scheduler_address
    try:
        with Client(scheduler) as client:
            n_workers = len(client.scheduler_info()["workers"])
            if output.startswith(PARQUET_PREFIX):
                root = Path(output[len(PARQUET_PREFIX):])
                return _to_parquet(client, names, root, n_workers, quiet, limits, batch_size,
                                   select, timeout)
            return _to_db(client, names, db, n_workers, quiet, limits, select, timeout)
    finally:
        if cluster is not None:
            cluster.close()


# ── the per-file time limit ──────────────────────────────────────────────────────────────

_pools = threading.local()  # one child process per Dask worker thread, kept between tasks


def limited(func: Callable[[Task], dict[str, Any]], task: Task,
            timeout: float | None) -> dict[str, Any]:
    """``func(task)`` in this thread's child process, killed and replaced past ``timeout``
    seconds (the result is then the local engine's timeout record); in this thread itself
    when ``timeout`` is None or 0."""
    if not timeout or timeout <= 0:
        return func(task)
    [(_, result)] = list(_pool(func, timeout).map_unordered([task]))
    return result


def _pool(func: Callable[[Task], dict[str, Any]], timeout: float) -> WorkerPool[Task, Any]:
    pools: dict[tuple[str, float], WorkerPool[Task, Any]] = _pools.__dict__.setdefault("by", {})
    key = (func.__name__, float(timeout))
    if key not in pools:
        _allow_children()
        pools[key] = WorkerPool(1, func, timeout=timeout, on_timeout=timeout_result(timeout),
                                on_crash=crash_result)
    return pools[key]


def _allow_children() -> None:
    """Dask's nanny starts worker processes as daemons, which multiprocessing forbids to
    start children. The flag only guards that; the children are daemons themselves (ended
    with this process) and the pool's fork server exits when this process dies, even by
    SIGKILL. Same as ``distributed.worker.daemon: false`` in the Dask configuration."""
    me = multiprocessing.current_process()
    if me.daemon:
        me._config["daemon"] = False  # type: ignore[attr-defined]


def read_file(task: Task, timeout: float | None = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """On a Dask worker: ``store.worker.process`` under the time limit."""
    return limited(process, task, timeout)


# ── database output ──────────────────────────────────────────────────────────────────────

def _to_db(client: Any, inputs: Iterable[str | Path], db: str | None, n_workers: int,
           quiet: bool, limits: Limits, select: Selection | None = None,
           timeout: float | None = DEFAULT_TIMEOUT) -> IngestReport:
    with database_run(inputs, db, engine="dask", workers=n_workers, quiet=quiet,
                      limits=limits, select=select) as (writer, items):
        tasks = plan(items, writer.done, writer, limits)
        if is_sqlite(writer.url):  # one writer: workers extract, this process stores
            for task, result in submitted(client, tasks, read_file, timeout=timeout):
                writer.stored(task, result)
        else:
            for task, outcome in submitted(client, tasks, store_on_worker, url=writer.url,
                                           ev=writer.extractor_version,
                                           run_id=writer.report.run_id, timeout=timeout):
                _tally(writer.report, writer.progress, outcome)
                writer.settle(task, outcome.get("error"))
    return writer.report


T = TypeVar("T")
WINDOW_PER_WORKER = 8
"""Tasks in flight per worker: enough to keep every worker busy while results come back,
few enough that a run of a million files holds a few thousand futures, not a million."""


def submitted(client: Any, tasks: Iterable[T], func: Callable[..., Any], **kwargs: Any
              ) -> Iterator[tuple[T, Any]]:
    """``(task, func(task, **kwargs))`` as the cluster finishes them, submitting lazily: at
    most ``WINDOW_PER_WORKER`` tasks per worker are in flight (workers that join later count,
    re-read every 100 submissions), so hashing the inputs (``plan``) overlaps the work and
    the client's and scheduler's memory stay flat however many files there are."""
    from distributed import as_completed

    pending = iter(tasks)
    flight: Any = as_completed()
    task_of: dict[str, T] = {}
    state = {"submitted": 0, "window": _window(client)}

    def submit_one() -> bool:
        task = next(pending, None)
        if task is None:
            return False
        future = client.submit(func, task, pure=False, retries=1, **kwargs)
        task_of[future.key] = task
        flight.add(future)
        state["submitted"] += 1
        if state["submitted"] % 100 == 0:
            state["window"] = _window(client)
        return True

    while len(task_of) < state["window"] and submit_one():
        pass
    for future in flight:
        result = future.result()
        task = task_of.pop(future.key)
        future.release()
        while len(task_of) < state["window"] and submit_one():
            pass
        yield task, result


def _window(client: Any) -> int:
    return max(16, WINDOW_PER_WORKER * len(client.scheduler_info().get("workers", {})))


def store_on_worker(task: Task, url: str, ev: str, run_id: int,
                    timeout: float | None = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """On a Dask worker: extract ``task`` (under the time limit) and store it in its own
    transaction (retried while the database is unreachable, like the local writer's)."""
    result = read_file(task, timeout)
    with session_scope(url) as session:
        if not result["ok"]:
            record = {**result["error"], "path": task.path}

            def write_error() -> None:
                record_error(session, record, path=task.path, sha256=task.sha256,
                             size=task.size, extractor_version=ev, run_id=run_id)
                session.commit()

            retrying(session, write_error, url=url)
            return {"status": "failed", "error": record}

        def write() -> Saved | None:
            try:
                saved = save_prepared(session, result["rows"], path=task.path, size=task.size,
                                      extractor_version=ev, run_id=run_id)
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            return saved

        saved = retrying(session, write, url=url)
    if saved is None:
        return {"status": "skipped"}
    return {"status": saved.status, "facts": saved.n_facts, "pages": result["pages"],
            "failed_rules": saved.failed_rules, "flags": saved.flags}


def _tally(report: IngestReport, progress: Progress, outcome: dict[str, Any]) -> None:
    if outcome["status"] == "failed":
        report.failed += 1
        report.errors.append(outcome["error"])
    elif outcome["status"] == "skipped":
        report.skipped += 1
    else:
        report.new += 1
        report.facts += outcome["facts"]
        report.pages += outcome["pages"]
        report.flags += outcome["flags"]
        report.checks_failed.update(outcome["failed_rules"])
    progress.update(report)


# ── Parquet output ───────────────────────────────────────────────────────────────────────

def committed_keys(root: Path) -> Done:
    """Content hashes listed by committed batch markers (read or recorded as bad)."""
    keys: set[str] = set()
    for marker in (root / "_committed").glob("*.json"):
        keys.update(json.loads(marker.read_text())["keys"])
    return Done(stored=keys)


def remove_uncommitted(root: Path) -> int:
    """Delete part files of batches without a marker (a run killed mid-batch)."""
    committed = {m.stem for m in (root / "_committed").glob("*.json")}
    removed = 0
    for part in root.glob("*/**/*.parquet"):
        if part.name.split("-")[0] not in committed:
            part.unlink()
            removed += 1
    return removed


def _to_parquet(client: Any, inputs: Iterable[str | Path], root: Path, n_workers: int,
                quiet: bool, limits: Limits, batch_size: int,
                select: Selection | None = None,
                timeout: float | None = DEFAULT_TIMEOUT) -> IngestReport:
    root.mkdir(parents=True, exist_ok=True)
    remove_uncommitted(root)
    listing = checked_listing([str(i) for i in inputs], limits, select)
    items = listing.items
    report = IngestReport(db=f"parquet:{root}", engine="dask", workers=n_workers,
                          files=len(items), missing=listing.missing, excluded=listing.excluded)
    started = time.perf_counter()
    ev = version.extractor_version()
    progress = Progress(len(items), quiet)
    done = committed_keys(root)
    sink = _ListingErrors(report, progress, done)
    batches = _batched(plan(items, done, sink, limits), batch_size)
    try:
        for batch, outcomes in submitted(client, batches, write_batch, root=str(root), ev=ev,
                                         timeout=timeout):
            for task, outcome in zip(batch, outcomes):
                _tally(report, progress, outcome)
                sink.settle(task, outcome.get("error"))
        if sink.records:
            _write_errors(sink.records, root, ev, "L" + _batch_key(
                [r["path"] for r in sink.records], ev))
    finally:
        progress.close()
        report.seconds = time.perf_counter() - started
    return report


def _batched(tasks: Iterable[Task], size: int) -> Iterator[list[Task]]:
    batch: list[Task] = []
    for task in tasks:
        batch.append(task)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _ListingErrors:
    """Stands in for ``store.ingest.Writer`` when there is no database: collects refusals."""

    def __init__(self, report: IngestReport, progress: Progress, done: Done) -> None:
        self.report, self.progress, self.done = report, progress, done
        self.records: list[dict[str, Any]] = []

    def settle(self, task: Task, error: dict[str, Any] | None) -> None:
        """Other files with ``task``'s bytes: skipped if it was read, else the same error."""
        for path, size in self.done.pending.pop(task.sha256, []):
            if error is None:
                self.skipped()
            else:
                self.failed(path, same_bytes(error, task.path), sha256=task.sha256, size=size)

    def failed(self, path: str, record: dict[str, Any], *, sha256: str | None = None,
               size: int | None = None) -> None:
        self.records.append({**record, "path": path, "sha256": sha256, "size": size})
        _tally(self.report, self.progress, {"status": "failed", "error": {**record, "path": path}})

    def skipped(self, path: str | None = None, sha256: str | None = None) -> None:
        _tally(self.report, self.progress, {"status": "skipped"})


def _batch_key(keys: list[str], ev: str) -> str:
    return hashlib.sha1("\n".join([ev, *sorted(keys)]).encode()).hexdigest()[:20]


def write_batch(tasks: list[Task], root: str, ev: str,
                timeout: float | None = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
    """On a Dask worker: extract a batch, write its part files, then its commit marker."""
    facts: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    for task in tasks:
        result = limited(process_extraction, task, timeout)
        if not result["ok"]:
            errors.append({**result["error"], "path": task.path, "sha256": task.sha256,
                           "size": task.size})
            outcomes.append({"status": "failed", "error": {**result["error"], "path": task.path}})
            continue
        ex = result["extraction"]
        kwargs: dict[str, Any] = {"path": task.path, "extractor_version": ev}
        facts += facts_from_extraction(ex, **kwargs)
        checks += checks_from_extraction(ex, **kwargs)
        documents.append(document_from_extraction(ex, size=task.size, **kwargs))
        outcomes.append({"status": "new", "facts": len(ex.facts), "pages": result["pages"],
                         "flags": 0, "failed_rules": [c.rule for c in ex.checks
                                                      if c.status.value == "fail"]})
    batch = _batch_key([t.sha256 for t in tasks], ev)
    _write_tables(Path(root), batch, facts, checks, documents)
    if errors:
        _write_errors(errors, Path(root), ev, batch)
    _commit(Path(root), batch, [t.sha256 for t in tasks])
    return outcomes


def _write_tables(root: Path, batch: str, facts: list[dict[str, Any]],
                  checks: list[dict[str, Any]], documents: list[dict[str, Any]]) -> None:
    tables = {"facts": typed_frame(facts, FACT_COLUMNS, FACT_DTYPES),
              "checks": typed_frame(checks, CHECK_COLUMNS, check_dtypes()),
              "documents": typed_frame(documents, DOCUMENT_COLUMNS, document_dtypes())}
    for name, frame in tables.items():
        if not frame.empty:
            _write_dataset(frame, root / name, batch, PARTITION)


def _write_dataset(frame: pd.DataFrame, folder: Path, batch: str,
                   partition: list[str] | None) -> None:
    import pyarrow.parquet as pq

    table = arrow_table(frame)
    pq.write_to_dataset(table, str(folder), partition_cols=partition,
                        basename_template=f"{batch}-{{i}}.parquet",
                        existing_data_behavior="overwrite_or_ignore")


def _write_errors(records: list[dict[str, Any]], root: Path, ev: str, batch: str) -> None:
    rows = [{**{k: r.get(k) for k in ERROR_COLUMNS}, "extractor_version": ev} for r in records]
    frame = typed_frame(rows, ERROR_COLUMNS, {c: "Int64" if c == "size" else "string"
                                              for c in ERROR_COLUMNS})
    _write_dataset(frame, root / "errors", batch, None)
    if batch.startswith("L"):  # refused while listing: no worker batch commits these
        _commit(root, batch, [])


def _commit(root: Path, batch: str, keys: list[str]) -> None:
    """The batch's marker, written to a temporary name then renamed (atomic on POSIX)."""
    folder = root / "_committed"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{batch}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"keys": keys}))
    os.replace(tmp, folder / f"{batch}.json")


def read_dataset(root: str | Path, table: str = "facts") -> pd.DataFrame:
    """A table of a Parquet output folder as one DataFrame (the partition column restored)."""
    return pd.read_parquet(Path(root) / table, engine="pyarrow")

