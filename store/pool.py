"""A process pool with a time limit per task, whose stuck or dead workers are replaced.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot stop one task. A file that
hangs a parser keeps its worker forever, and killing that worker from outside marks the
whole executor broken (``BrokenProcessPool``), failing every other file in flight. Here each
worker has its own pipe, so the parent knows which file each one holds and since when; past
the limit it kills that one process (SIGKILL), reports the file as a timeout and starts a
fresh worker, and a worker that dies (segfault, OOM killer) is reported and replaced the same
way. Workers ignore SIGINT: Ctrl-C reaches the parent, which stops them.

Each worker holds up to ``QUEUE_DEPTH`` tasks: the one it reads and the next, already in its
pipe, so a worker that finishes never waits for the parent to hand it work while the parent
commits a batch of results (``store.ingest.Writer``). A task's time limit starts when the
parent sees the task before it finished (it cannot start earlier); when a worker is killed
or dies, its queued tasks go to the new worker, and only the one it was reading is reported.

Workers are forked from a fork server that has already imported and warmed the extractor
(``store.worker.warm_up``): they start in milliseconds and share its memory copy-on-write.
They are started lazily, so a rerun that skips every file starts none; ``start_fork_server``
lets the caller start the warm-up early, while it does other work.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from baocao.store.errors import WorkerCrashError

T = TypeVar("T")
R = TypeVar("R")
_END = object()
_READY = "ready"
_POLL_SECONDS = 1.0
STARTUP_SECONDS = 120.0  # the first worker waits for the fork server's warm-up (2-5 s)
MAX_CONSECUTIVE_CRASHES = 8
QUEUE_DEPTH = 2   # tasks a worker holds: the one it reads and the next


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["baocao.store._preload"])
    return ctx


def start_fork_server() -> None:
    """Start the fork server now, so that its warm-up (about 1.5 s of imports and models, in
    its own process) overlaps what the caller does before it needs a worker (listing the
    inputs, migrating the database). Idempotent; the server exits with this process."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _worker_main(conn: Connection, func: Callable[[Any], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(_READY)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone (even killed with -9): nothing left to do
        if task is None:
            return
        result = func(task)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker(Generic[T]):
    process: Any
    conn: Connection
    tasks: deque[T] = field(default_factory=deque)  # sent, in order; the first is being read
    deadline: float = 0.0                            # of the first

    @property
    def task(self) -> T | None:
        """The task the worker is reading, if any."""
        return self.tasks[0] if self.tasks else None


class WorkerPool(Generic[T, R]):
    """``map_unordered(tasks)`` yields ``(task, result)`` as workers finish them.

    ``on_timeout(task)`` and ``on_crash(task, exitcode)`` make the result of a task whose
    worker had to be killed or died; the pool goes on with a new worker.
    """

    def __init__(self, workers: int, func: Callable[[T], R], *, timeout: float,
                 on_timeout: Callable[[T], R], on_crash: Callable[[T, int | None], R]) -> None:
        self.size = max(1, workers)
        self.func, self.timeout = func, timeout
        self.on_timeout, self.on_crash = on_timeout, on_crash
        self._ctx = _context()
        self._workers: list[_Worker[T]] = []
        self.replaced = 0
        self._crashes_in_a_row = 0
        self._exhausted = False

    def __enter__(self) -> WorkerPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map_unordered(self, tasks: Iterable[T], idle: Callable[[], object] | None = None
                      ) -> Iterator[tuple[T, R]]:
        """Results as they come. Freed workers get their next task *before* the caller sees
        the results, so they parse while the caller stores (no worker idles during a write).
        ``idle()`` is called when a wait (at most a second) brought no result: the writer
        commits a batch that has waited long enough (``store.ingest.Writer.tick``)."""
        pending = iter(tasks)
        self._exhausted = False
        self._fill(pending)
        while busy := [w for w in self._workers if w.task is not None]:
            finished = list(self._collect(busy))
            self._fill(pending)
            if not finished and idle is not None:
                idle()
            yield from finished

    def _fill(self, pending: Iterator[T]) -> None:
        while not self._exhausted and self._has_capacity():
            task = next(pending, _END)
            if task is _END:
                self._exhausted = True
                return
            self._dispatch(self._least_busy(), task)  # type: ignore[arg-type]

    def _has_capacity(self) -> bool:
        return len(self._workers) < self.size or any(len(w.tasks) < QUEUE_DEPTH
                                                     for w in self._workers)

    def _least_busy(self) -> _Worker[T]:
        """An idle worker, a new one while the pool is not full, else the shortest queue."""
        for w in self._workers:
            if not w.tasks:
                return w
        if len(self._workers) < self.size:
            self._workers.append(self._start())
            return self._workers[-1]
        return min(self._workers, key=lambda w: len(w.tasks))

    def _start(self) -> _Worker[T]:
        """A new worker, once it says it is ready: a file's time limit never includes the
        start-up, and a worker that cannot start at all is an error of the run, not of a file."""
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child, self.func), daemon=True)
        process.start()
        child.close()
        try:
            ready = parent.poll(STARTUP_SECONDS) and parent.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            process.kill()
            process.join(timeout=5)
            raise WorkerCrashError(
                f"a worker process could not start (exit code {process.exitcode})",
                hint="run with --workers 0 to see the error; scripts that call ingest() "
                     "need an `if __name__ == '__main__':` guard")
        return _Worker(process, parent)

    def _dispatch(self, worker: _Worker[T], task: T) -> None:
        if not worker.tasks:
            worker.deadline = time.monotonic() + self.timeout
        worker.tasks.append(task)
        worker.conn.send(task)

    def _collect(self, busy: list[_Worker[T]]) -> Iterator[tuple[T, R]]:
        wait_for = max(0.0, min(min(w.deadline for w in busy) - time.monotonic(), _POLL_SECONDS))
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for))
        now = time.monotonic()
        for w in busy:
            task = w.task
            assert task is not None
            if w.conn in ready or w.process.sentinel in ready:
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    self._crashed(w)
                    yield task, self.on_crash(task, w.process.exitcode)
                    continue
                w.tasks.popleft()
                w.deadline, self._crashes_in_a_row = time.monotonic() + self.timeout, 0
                yield task, result
            elif now > w.deadline:
                self._replace(w)
                yield task, self.on_timeout(task)

    def _crashed(self, worker: _Worker[T]) -> None:
        """Replace a dead worker; many deaths in a row mean workers cannot start at all."""
        self._crashes_in_a_row += 1
        if self._crashes_in_a_row > max(MAX_CONSECUTIVE_CRASHES, 2 * self.size):
            raise WorkerCrashError(
                f"{self._crashes_in_a_row} workers died in a row, each on its first file",
                hint="something kills every worker (memory limit?); run with --workers 0")
        self._replace(worker)

    def _replace(self, worker: _Worker[T]) -> None:
        """Kill ``worker`` (if still alive) and put a fresh process in its place, which gets
        the tasks that were queued behind the one it was reading."""
        self._stop(worker, kill=True)
        fresh = self._start()
        self._workers[self._workers.index(worker)] = fresh
        self.replaced += 1
        for task in list(worker.tasks)[1:]:
            self._dispatch(fresh, task)

    @staticmethod
    def _stop(worker: _Worker[T], *, kill: bool) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def close(self) -> None:
        """Ask idle workers to stop, kill busy ones (their files are simply not stored)."""
        for w in self._workers:
            if w.task is None:
                try:
                    w.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
            self._stop(w, kill=w.task is not None)
        self._workers = []
