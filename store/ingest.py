"""``baocao ingest``: list the inputs, skip what is stored, extract the rest in parallel, store.

    inputs ──expand──► items ──hash, skip done──► tasks ──WorkerPool (N processes)──► results
                                                                         │
                   parent: one writer, one transaction per batch of documents ◄┘

Workers parse, extract and prepare the rows (``store.worker.process``, the parsed Document
included); the parent alone writes, so SQLite has a single writer. It commits in batches
(``CommitEvery``: 32 documents or 0.5 s, whichever comes first), each batch one transaction,
so a run killed at any instant (even ``kill -9``) has lost only the files in flight and the
uncommitted batch. Work is keyed by content hash and extractor version
(``repository.done_work``): the rerun skips everything committed and finishes the rest, with
unique constraints as the guarantee against duplicates.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baocao.extractor.meta import NOT_VIETNAMESE
from baocao.parsers.base import Limits
from baocao.parsers.errors import BaocaoError
from baocao.store import version
from baocao.store.db import RECONNECT_SECONDS, display_url, retrying, session_scope, upgrade
from baocao.store.errors import (
    RETRYABLE_CODES,
    DatabaseUnavailableError,
    FileTimeoutError,
    InputNotFoundError,
    StoreError,
    WorkerCrashError,
)
from baocao.store.inputs import Hasher, Item, Selection, list_inputs
from baocao.store.models import Run, utcnow
from baocao.store.pool import WorkerPool, start_fork_server
from baocao.store.repository import (
    Done,
    Saved,
    done_work,
    error_key,
    record_error,
    record_path,
    save_new_batch,
)
from baocao.store.worker import Task, process

DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class CommitEvery:
    """How often the single writer commits: every ``docs`` documents or when the oldest
    uncommitted one has waited ``seconds``, whichever comes first.

    Settings ``BAOCAO_COMMIT_DOCS`` and ``BAOCAO_COMMIT_MS``; ``docs=1`` is a transaction per
    document, as before batching. What a ``kill -9`` can cost is the files in flight and at
    most this batch; the rerun reads exactly those again.
    """

    docs: int = 32
    seconds: float = 0.5

    @classmethod
    def from_env(cls) -> CommitEvery:
        docs = _setting("BAOCAO_COMMIT_DOCS", cls.docs)
        ms = _setting("BAOCAO_COMMIT_MS", int(cls.seconds * 1000))
        return cls(docs=max(1, docs), seconds=max(0, ms) / 1000)


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise StoreError(f"{name}={raw!r} is not a whole number",
                         hint=f"unset {name} or give it a number, e.g. {name}={default}") from None


def default_workers() -> int:
    """The machine's cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass
class IngestReport:
    """What one run did; ``render.ingest_summary`` prints it."""

    db: str
    engine: str = "local"
    workers: int = 1
    run_id: int | None = None
    files: int = 0
    new: int = 0
    skipped: int = 0
    failed: int = 0
    facts: int = 0
    pages: int = 0
    flags: int = 0
    checks_failed: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # inputs naming no file: never recorded
    excluded: int = 0                                   # files --include/--exclude left out
    other_paths: int = 0                                # stored bytes met at a new path
    not_vietnamese: list[str] = field(default_factory=list)   # read, with that warning
    seconds: float = 0.0

    @property
    def processed(self) -> int:
        return self.new + self.failed

    def stats(self) -> dict[str, Any]:
        keys = ("files", "new", "skipped", "failed", "facts", "pages", "flags", "seconds")
        return {**{k: getattr(self, k) for k in keys}, "checks_failed": dict(self.checks_failed),
                "errors": Counter(e["code"] for e in self.errors)}


class Progress:
    """Progress on stderr: files done, failed, checks failed, rate and time left.

    On a terminal, a tqdm bar laid out so the counts that matter (failed files, failed checks,
    time left) come first and stay visible at 80 columns. Off a terminal (a log, cron, CI),
    plain lines: one every 10 % of the files or 30 s, whichever comes first, and one at the
    end; never a line of carriage returns. Nothing with ``--quiet``.
    """

    LOG_SECONDS = 30.0

    def __init__(self, total: int, quiet: bool, *, terminal: bool | None = None) -> None:
        self.total, self.done, self.quiet = total, 0, quiet
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.started = self.logged_at = time.monotonic()
        self.logged_done = 0
        self.bar: Any = None
        self.report: IngestReport | None = None
        if not quiet and self.terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True,
                            mininterval=0.5, smoothing=0.1,
                            bar_format="{n_fmt}/{total_fmt} {percentage:3.0f}% {bar:10} "
                                       "{remaining} left, {rate_fmt} | {postfix}")

    @staticmethod
    def counts(report: IngestReport) -> str:
        return (f"failed {report.failed}, checks failed {sum(report.checks_failed.values())}, "
                f"new {report.new}, skipped {report.skipped}, facts {report.facts}")

    def update(self, report: IngestReport) -> None:
        self.done += 1
        self.report = report
        if self.bar is not None:
            self.bar.set_postfix_str(self.counts(report), refresh=False)
            self.bar.update(1)
        elif not self.quiet:
            now = time.monotonic()
            step = max(1, self.total // 10)
            if self.done - self.logged_done >= step or now - self.logged_at >= self.LOG_SECONDS:
                self._log(now)

    def _log(self, now: float) -> None:
        assert self.report is not None
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        print(f"ingest: {self.done}/{self.total} files, {self.counts(self.report)}, "
              f"{rate:.1f} files/s, {left:.0f} s left", file=sys.stderr, flush=True)
        self.logged_at, self.logged_done = now, self.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif not self.quiet and self.report is not None and self.logged_done < self.done:
            self._log(time.monotonic())


class Writer:
    """The parent's single writer: stores the results in batched transactions.

    Results are kept in memory and committed together, every ``commit_docs`` documents or
    when the oldest has waited ``commit_seconds``, whichever comes first (``tick`` is called
    while the workers are busy, so a slow file does not hold a batch back), and at the end.
    A killed run loses the files in flight and the uncommitted batch, never part of one:
    the rerun reads exactly those again. The batch is one transaction, retried whole while
    the database is unreachable (``retrying``), written with a few statements for all its new
    documents (``repository.save_new_batch``); when another writer stored one of its
    documents first (a unique constraint), it is replayed one document per transaction.

    ``done`` is shared with :func:`plan`: other files with the bytes of a task (``pending``)
    are settled here when the task's result arrives: skipped when it was stored, recorded
    with the same error when it could not be read.
    """

    def __init__(self, session: Session, report: IngestReport, extractor_version: str,
                 progress: Progress, done: Done | None = None, *, url: str,
                 commit_docs: int = 1, commit_seconds: float = 0.0) -> None:
        self.session, self.report, self.progress = session, report, progress
        self.extractor_version, self.url = extractor_version, url
        self.done = done if done is not None else Done()
        self.commit_docs, self.commit_seconds = max(1, commit_docs), max(0.0, commit_seconds)
        self.batch: list[tuple[Task, dict[str, Any]]] = []
        self.batch_hashes: set[str] = set()
        self.batch_since = 0.0
        self.commits = 0

    def stored(self, task: Task, result: dict[str, Any]) -> None:
        if not result["ok"]:
            self.failed(task.path, result["error"], sha256=task.sha256, size=task.size)
            self.settle(task, result["error"])
            return
        if not self.batch:
            self.batch_since = time.monotonic()
        self.batch.append((task, result))
        self.batch_hashes.add(task.sha256)
        self.settle(task, None)
        if len(self.batch) >= self.commit_docs:
            self.flush()
        else:
            self.tick()

    def tick(self) -> None:
        """Commit the batch if its oldest result has waited ``commit_seconds``."""
        if self.batch and time.monotonic() - self.batch_since >= self.commit_seconds:
            self.flush()

    def flush(self) -> None:
        """Commit the batch (one transaction) and count what it stored."""
        if not self.batch:
            return
        batch = self.batch
        saved = retrying(self.session, lambda: self._save(batch), url=self.url)
        self.batch, self.batch_hashes = [], set()
        self.commits += 1
        for (task, result), one in zip(batch, saved):
            self._count(task, result, one)

    def _count(self, task: Task, result: dict[str, Any], saved: Saved | None) -> None:
        if saved is None or saved.status == "skipped":   # stored meanwhile, maybe at another path
            self.skipped(task.path, task.sha256)
            return
        self.report.new += 1
        self.report.facts += saved.n_facts
        self.report.pages += int(result.get("pages") or 0)
        self.report.flags += saved.flags
        self.report.checks_failed.update(saved.failed_rules)
        if any(str(w).startswith(NOT_VIETNAMESE) for w in result["rows"].extraction["warnings"]):
            self.report.not_vietnamese.append(task.path)
        self.progress.update(self.report)

    def _save(self, batch: list[tuple[Task, dict[str, Any]]]) -> list[Saved | None]:
        """The batch's transaction; None for a document another writer stored first."""
        try:
            saved = save_new_batch(
                self.session, [(task.path, task.size, result["rows"]) for task, result in batch],
                extractor_version=self.extractor_version, run_id=self.report.run_id)
            self.session.commit()
            return saved
        except IntegrityError:  # another writer stored one between our check and our insert
            self.session.rollback()
        if len(batch) == 1:
            return [None]
        return [self._save([one])[0] for one in batch]

    def settle(self, task: Task, error: dict[str, Any] | None) -> None:
        """The other files with ``task``'s bytes: duplicates if stored, else bad the same way."""
        copies = self.done.pending.pop(task.sha256, [])
        if error is None:
            self.done.stored.add(task.sha256)
            for path, _ in copies:
                self.skipped(path, task.sha256)
            return
        if error.get("code") not in RETRYABLE_CODES:
            self.done.failed[task.sha256] = {**error, "path": task.path}
        for path, size in copies:
            self.failed(path, same_bytes(error, task.path), sha256=task.sha256, size=size)

    def failed(self, path: str, record: dict[str, Any], *, sha256: str | None = None,
               size: int | None = None) -> None:
        record = {**record, "path": path}

        def write() -> None:
            record_error(self.session, record, path=path, sha256=sha256, size=size,
                         extractor_version=self.extractor_version, run_id=self.report.run_id)
            self.session.commit()

        retrying(self.session, write, url=self.url)
        self.done.recorded.add(error_key(path, sha256))
        self.report.failed += 1
        self.report.errors.append(record)
        self.progress.update(self.report)

    def skipped(self, path: str | None = None, sha256: str | None = None) -> None:
        """A file not read: its bytes are stored (then a new path of them is recorded,
        ``record_path``), or it is already recorded as bad."""
        if path is not None and sha256 is not None:
            if sha256 in self.batch_hashes:
                self.flush()  # its version must be in the database to record this path

            def write() -> bool:
                new = record_path(self.session, path, sha256)
                self.session.commit()
                return new
            if retrying(self.session, write, url=self.url):
                self.report.other_paths += 1
        self.report.skipped += 1
        self.progress.update(self.report)


class Recorder(Protocol):
    """Where ``plan`` reports what it skips or refuses (the Writer, or a Parquet collector)."""

    def failed(self, path: str, record: dict[str, Any], *, sha256: str | None = None,
               size: int | None = None) -> None: ...

    def skipped(self, path: str | None = None, sha256: str | None = None) -> None: ...


def same_bytes(error: dict[str, Any], first: str) -> dict[str, Any]:
    """``error`` of the file ``first``, for another file with the same bytes."""
    message = error["message"]
    if "same bytes as" not in message:
        message = f"{message} (same bytes as {first})"
    return {**error, "message": message}


def plan(items: Iterable[Item], done: Done, writer: Recorder, limits: Limits
         ) -> Iterator[Task]:
    """Tasks for the items not yet done; refusals and unreadable items are recorded here.

    Every file is accounted for once: bytes already stored are skipped; a file already
    recorded as bad is skipped; bytes known to be bad are recorded for this path without
    being read again; a second file with the bytes of a task in flight waits for that
    task's result (``done.pending``, settled by the Writer).
    Lazy: each item is hashed only when a worker is free for it, so workers start at once.
    """
    hasher = Hasher(limits)
    try:
        for item in items:
            if item.error is not None:
                if error_key(item.path, None) not in done.recorded:
                    writer.failed(item.path, item.error, size=item.size)
                else:
                    writer.skipped()
                continue
            try:
                sha256, size = hasher(item)
            except BaocaoError as e:
                writer.failed(item.path, e.record(), size=item.size)
                continue
            if sha256 in done.stored:
                writer.skipped(item.path, sha256)
            elif error_key(item.path, sha256) in done.recorded:
                writer.skipped()
            elif sha256 in done.failed:
                known = done.failed[sha256]
                writer.failed(item.path, same_bytes(known, known["path"]), sha256=sha256,
                              size=size)
            elif sha256 in done.pending:
                done.pending[sha256].append((item.path, size))
            else:
                done.pending[sha256] = []
                yield Task(item.path, item.file, item.member, sha256, size, limits)
    finally:
        hasher.close()


def ingest(inputs: Iterable[str | Path], *, db: str | None = None, workers: int | None = None,
           quiet: bool = False, timeout: float = DEFAULT_TIMEOUT,
           limits: Limits | None = None, select: Selection | None = None,
           reprocess: bool = False, commit: CommitEvery | None = None) -> IngestReport:
    """Ingest ``inputs`` into the database at ``db`` (see ``store.db.resolve_url``).

    ``reprocess``: read every file again although its content was extracted by this extractor
    version; the new extraction is stored beside the old one and becomes current, and
    reviewers' corrections are compared with it, exactly as after an upgrade.

    Raises ``InputNotFoundError`` (BC204) when no input names an existing file, folder or
    matching glob, before the database is touched; inputs that name nothing beside others
    that do are listed in ``report.missing`` and not recorded as document errors.

    ``commit``: how often the writer commits (``CommitEvery.from_env()`` by default)."""
    limits = limits or Limits()
    workers = default_workers() if workers is None else workers
    if workers > 0:
        start_fork_server()  # warms up while the inputs are listed and the database migrated
    with database_run(inputs, db, engine="local", workers=workers, quiet=quiet,
                      limits=limits, select=select, reprocess=reprocess,
                      commit=commit) as (writer, items):
        tasks = plan(items, writer.done, writer, limits)
        for task, result in _results(tasks, workers, timeout, idle=writer.tick):
            writer.stored(task, result)
    return writer.report


@contextmanager
def database_run(inputs: Iterable[str | Path], db: str | None, *, engine: str, workers: int,
                 quiet: bool, limits: Limits, select: Selection | None = None,
                 reprocess: bool = False, commit: CommitEvery | None = None
                 ) -> Iterator[tuple[Writer, list[Item]]]:
    """What every run into a database sets up and closes, whichever engine reads the files:
    the listed inputs, the migrated database, a ``runs`` row, the progress bar and the
    Writer (with what is already done); the run's end is recorded however the block ends.
    The Writer's last batch is committed when the block ends normally; when it raises, that
    batch is not stored (the next run reads those files again)."""
    commit = commit or CommitEvery.from_env()
    names = [str(i) for i in inputs]
    listing = checked_listing(names, limits, select)
    url = upgrade(db)
    items = listing.items
    report = IngestReport(db=display_url(url), engine=engine, workers=workers,
                          files=len(items), missing=listing.missing, excluded=listing.excluded)
    started = time.perf_counter()
    with session_scope(url) as session:
        ev = version.extractor_version()
        if reprocess:  # a version of its own: every file is read again, stored beside
            ev = f"{ev}.reprocess-{utcnow():%Y%m%dT%H%M%S}"
        run = start_run(session, engine, workers, ev, names)
        report.run_id = run.id
        report.seconds = time.perf_counter() - started
        progress = Progress(len(items), quiet)
        with recording_run(session, run, report, progress, url):
            writer = Writer(session, report, ev, progress, done_work(session, ev), url=url,
                            commit_docs=commit.docs, commit_seconds=commit.seconds)
            yield writer, items
            writer.flush()


def checked_listing(inputs: list[str], limits: Limits, select: Selection | None) -> Any:
    """``list_inputs``, refusing a command line none of whose inputs exists (BC204)."""
    listing = list_inputs(inputs, limits, select)
    if inputs and len(listing.missing) == len(inputs):
        raise InputNotFoundError("no such file, folder or matching glob",
                                 path=", ".join(listing.missing))
    return listing


def _results(tasks: Iterator[Task], workers: int, timeout: float,
             idle: Callable[[], object] | None = None) -> Iterator[tuple[Task, dict[str, Any]]]:
    """(task, result) pairs: in this process when ``workers`` is 0, else from the pool
    (which calls ``idle`` while it waits)."""
    if workers <= 0:
        for task in tasks:
            yield task, process(task)
        return
    with WorkerPool(workers, process, timeout=timeout, on_timeout=_timeout_result(timeout),
                    on_crash=_crash_result) as pool:
        yield from pool.map_unordered(tasks, idle=idle)


def _timeout_result(timeout: float) -> Callable[[Task], dict[str, Any]]:
    def result(task: Task) -> dict[str, Any]:
        error = FileTimeoutError(f"not read within {timeout:g} s; the worker was replaced",
                                 path=task.path)
        return {"ok": False, "error": error.record()}
    return result


def _crash_result(task: Task, exitcode: int | None) -> dict[str, Any]:
    error = WorkerCrashError(f"the worker died (exit code {exitcode}) reading this file",
                             path=task.path)
    return {"ok": False, "error": error.record()}


def start_run(session: Session, engine: str, workers: int, ev: str,
              inputs: Iterable[str | Path]) -> Run:
    run = Run(engine=engine, workers=workers, extractor_version=ev,
              inputs=[str(i) for i in inputs], stats={})
    session.add(run)
    session.commit()
    return run


@contextmanager
def recording_run(session: Session, run: Run, report: IngestReport, progress: Progress,
                  url: str) -> Iterator[None]:
    """Close the progress bar and write the run's end and figures, however the run ends.

    When the run ends on an exception, a database that is still unreachable gets a short
    retry and must not hide that exception (it says what went wrong, the run row does not).
    """
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        _finish(session, run, report, progress, url, started, failing=True)
        raise
    _finish(session, run, report, progress, url, started, failing=False)


def _finish(session: Session, run: Run, report: IngestReport, progress: Progress, url: str,
            started: float, *, failing: bool) -> None:
    progress.close()
    report.seconds += time.perf_counter() - started

    def write() -> None:
        session.rollback()  # whatever an interruption left half-done is not part of the run
        run.finished_at, run.stats = utcnow(), report.stats()
        session.add(run)
        session.commit()

    try:
        retrying(session, write, url=url, seconds=10.0 if failing else RECONNECT_SECONDS)
    except DatabaseUnavailableError:
        if not failing:
            raise
