"""Ingest speed and memory: 1,000 documents generated from the corpus, end to end.

Run from the repository root (PostgreSQL: BAOCAO_TEST_PG or postgres@127.0.0.1:5432/test):

    .venv/bin/python benchmarks/ingest.py                  # 1,000 documents, every config
    .venv/bin/python benchmarks/ingest.py --docs 200 --no-postgresql
    .venv/bin/python benchmarks/ingest.py --pairs 3    # worker scaling only, median of 3

Generates ``--docs`` files into a temporary folder (reused between runs) by cycling through
``corpus/seeds`` and ``corpus/docs`` — text, HTML, DOCX and both kinds of PDF — changing a
few bytes of each copy so every hash differs (trailing spaces, an HTML comment, a PDF comment
after %%EOF, a DOCX zip comment). Then, in the same run:

- the baseline: pdfplumber's bare ``page.extract_text()`` over every generated PDF, one core;
- ``baocao ingest`` of the PDFs alone, 1 worker, SQLite: pages/s beside the baseline
  (goal, issue 14: at least 4x it and 70 pages/s, end to end: hashing, parsing, extraction,
  checks, storage);
- ``baocao ingest`` of the whole mixed archive with 1 and 2 workers, into SQLite and into
  PostgreSQL: documents/s and pages/s (goal: 2 workers at least 1.85x one), each in a fresh
  subprocess and a fresh database, so worker start-up is counted;
- memory per worker: peak RSS and USS (memory unique to the worker, the rest shared
  copy-on-write with the fork server), and the mean RSS while the first 100 files are ingested
  against the last 100 (goal: flat as the archive grows);
- CPU milliseconds per document in the parent (hashing, storing) and in the workers, what the
  rest of the machine spent meanwhile (``/proc/stat``: the database server, the fork server's
  warm-up, the kernel), and the load average at the end: on a shared machine the wall-clock
  speed-up of a second worker is capped by whatever else runs; CPU per document is not;
- with ``--per-document-commits``, the same ingests with the writer committing each document
  on its own (``BAOCAO_COMMIT_DOCS=1``, as before batching) beside the batched default;
- the single writer alone (``Writer.stored`` over results prepared beforehand, pickled as the
  pool's pipe carries them): CPU ms per document committing each document or batches of 32,
  with and without the parsed Document; and what storing the Document costs in a worker
  (encoding: compact JSON + zlib level 1) and in the database (KiB a document).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import FreshPostgres, fresh_sqlite  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "baocao-bench-ingest"
PG_SERVER = os.environ.get("BAOCAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


# ── the archive ──────────────────────────────────────────────────────────────────────────

def sources() -> list[Path]:
    return sorted((ROOT / "corpus/seeds").glob("*.txt")) + sorted((ROOT / "corpus/docs").glob("*"))


def varied(source: Path, i: int) -> bytes:
    """The bytes of ``source`` with a change that keeps it readable as the same report."""
    data = source.read_bytes()
    name = source.name.lower()
    if name.endswith(".pdf"):
        return data + f"\n% copy {i}\n".encode()
    if name.endswith(".html"):
        return data + f"\n<!-- copy {i} -->\n".encode()
    if name.endswith(".txt"):
        return data + b" " * (i + 1)
    return data  # docx: varied by its zip comment in generate()


def generate(n: int) -> Path:
    folder = CACHE / f"docs-{n}"
    if folder.is_dir() and len(list(folder.iterdir())) == n:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    pool = sources()
    for i in range(n):
        source = pool[i % len(pool)]
        target = folder / f"{i:05d}_{source.name}"
        target.write_bytes(varied(source, i))
        if target.suffix == ".docx":
            with zipfile.ZipFile(target, "a") as z:
                z.comment = f"copy {i}".encode()
    return folder


# ── the baseline ─────────────────────────────────────────────────────────────────────────

def pdfplumber_baseline(pdfs: list[Path]) -> dict[str, float]:
    import pdfplumber

    pages = 0
    start = time.perf_counter()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    took = time.perf_counter() - start
    return {"files": len(pdfs), "pages": pages, "seconds": took, "pages_s": pages / took,
            "docs_s": len(pdfs) / took}


# ── one ingest, in its own process ───────────────────────────────────────────────────────

class Sampler:
    """Samples the RSS/USS of the worker processes; tags samples with files done so far."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.done = 0
        self.samples: list[tuple[int, int, float, float]] = []  # done, pid, rss MB, uss MB
        self.cpu: dict[int, float] = {}  # worker pid → CPU seconds (user + system) last seen
        self.own_cpu = 0.0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def workers(self) -> list[Any]:
        """The pool's workers: children of the fork server (which is a child of this process)."""
        servers = [p for p in self.me.children() if "forkserver" in " ".join(p.cmdline())]
        return [w for server in servers for w in server.children()]

    def _run(self) -> None:
        started = time.thread_time()
        try:
            self._sample()
        finally:
            self.own_cpu = time.thread_time() - started  # not the parent's work: subtracted

    def _sample(self) -> None:
        """RSS and CPU every 0.25 s (cheap: /proc/PID/statm and stat); USS every second only:
        ``memory_full_info`` walks the worker's page tables (≈4-7 ms for a 170 MB worker),
        and sampled as often as RSS it took ≈3 % of a 2-core machine from the two workers
        it was measuring (a 1-worker run has a core to spare for it, so it skewed the speed-up)."""
        tick = 0
        while not self._stop.wait(0.25):
            tick += 1
            for p in self.workers():
                try:
                    if tick % 4 == 0:
                        full = p.memory_full_info()
                        rss, uss = full.rss / 2**20, full.uss / 2**20
                    else:
                        rss, uss = p.memory_info().rss / 2**20, float("nan")
                    self.samples.append((self.done, p.pid, rss, uss))
                    times = p.cpu_times()
                    self.cpu[p.pid] = times.user + times.system
                except Exception:  # noqa: BLE001 - a worker that just exited
                    continue

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot, every core and process
    (``/proc/stat``: all but idle and iowait); NaN where there is no ``/proc/stat``."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def run_one(inputs: list[str], db: str, workers: int) -> dict[str, Any]:
    """Ingest ``inputs`` into ``db`` with a sampler watching the workers (child process)."""
    from baocao.store import ingest as ingest_module

    sampler = Sampler()
    original = ingest_module.Progress.update

    def update(self: Any, report: Any) -> None:
        sampler.done = report.new + report.failed + report.skipped
        original(self, report)

    ingest_module.Progress.update = update  # type: ignore[method-assign]
    sampler.thread.start()
    cpu_before = sum(sampler.me.cpu_times()[:2])
    busy_before = machine_busy()
    called = time.perf_counter()
    report = ingest_module.ingest(inputs, db=db, workers=workers, quiet=True)
    call_seconds = time.perf_counter() - called
    busy = machine_busy() - busy_before
    sampler.stop()
    parent_cpu = sum(sampler.me.cpu_times()[:2]) - cpu_before - sampler.own_cpu
    n = report.files
    first = [s for s in sampler.samples if s[0] < min(100, n // 4)]
    last = [s for s in sampler.samples if s[0] >= n - min(100, n // 4)]
    return {"files": n, "new": report.new, "failed": report.failed, "pages": report.pages,
            "seconds": report.seconds, "docs_s": report.processed / report.seconds,
            "call_seconds": call_seconds,
            "pages_s": report.pages / report.seconds,
            "peak_rss": max((s[2] for s in sampler.samples), default=0.0),
            "peak_uss": max((s[3] for s in sampler.samples if s[3] == s[3]), default=0.0),
            "rss_first": _mean([s[2] for s in first]), "rss_last": _mean([s[2] for s in last]),
            "uss_first": _mean([s[3] for s in first]), "uss_last": _mean([s[3] for s in last]),
            "parent_cpu_ms": 1000 * parent_cpu / max(report.processed, 1),
            "worker_cpu_ms": 1000 * sum(sampler.cpu.values()) / max(report.processed, 1),
            "sampler_cpu_ms": 1000 * sampler.own_cpu / max(report.processed, 1),
            # what else the machine ran during the call, a document: the database server, the
            # fork server's warm-up, the kernel, anything else on the machine (NaN: unknown)
            "other_cpu_ms": 1000 * (busy - parent_cpu - sum(sampler.cpu.values())
                                    - sampler.own_cpu) / max(report.processed, 1),
            "load": os.getloadavg()[0]}


def _mean(values: list[float]) -> float:
    values = [v for v in values if v == v]  # USS is sampled on every fourth tick only
    return sum(values) / len(values) if values else float("nan")


def in_subprocess(inputs: list[Path], db: str, workers: int,
                  env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", db, str(workers), *map(str, inputs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, **(env or {})}).stdout
    return json.loads(out.strip().splitlines()[-1])


# ── the writer alone, and the cost of storing the parsed Document ─────────────────────────

def prepared_results() -> list[tuple[Any, dict[str, Any]]]:
    """(task, result) of every distinct source, as a worker returns them."""
    import hashlib

    from baocao.store.worker import Task, process

    out = []
    for source in sources():
        data = source.read_bytes()
        task = Task(str(source), str(source), None, hashlib.sha256(data).hexdigest(), len(data))
        result = process(task)
        if result["ok"]:
            out.append((task, result))
    return out


def document_cost(results: list[tuple[Any, dict[str, Any]]]) -> dict[str, float]:
    """Worker CPU ms to encode a Document (compact JSON + zlib 1; zlib 6 for comparison),
    KiB stored, against the CPU ms of the whole process() of the same files."""
    import zlib

    from baocao.parsers import parse
    from baocao.store.worker import process

    encode = level6 = whole = 0.0
    stored = 0
    for task, result in results:
        doc = parse(task.file)
        start = time.process_time()
        for _ in range(5):
            raw = doc.model_dump_json().encode()
            data = zlib.compress(raw, 1)
        encode += (time.process_time() - start) / 5
        start = time.process_time()
        zlib.compress(raw, 6)
        level6 += time.process_time() - start
        stored += len(data)
        start = time.process_time()
        process(task)
        whole += time.process_time() - start
    n = len(results)
    return {"encode_ms": 1000 * encode / n, "zlib6_ms": 1000 * level6 / n,
            "kib": stored / n / 1024, "process_ms": 1000 * whole / n}


def writer_alone(url: str, results: list[tuple[Any, dict[str, Any]]], n: int, docs: int,
                 with_document: bool) -> float:
    """CPU ms per document of the Writer storing ``n`` copies of ``results`` (new hashes)."""
    import dataclasses
    import hashlib
    import pickle

    from baocao.store.db import dispose, session_scope, upgrade
    from baocao.store.ingest import IngestReport, Progress, Writer
    from baocao.store.worker import Task

    url = upgrade(url)
    blobs = []
    for i in range(n):
        task, result = results[i % len(results)]
        sha = hashlib.sha256(f"{task.sha256}:{i}".encode()).hexdigest()
        rows = dataclasses.replace(result["rows"], sha256=sha,
                                   document=result["rows"].document if with_document else None)
        copy = Task(f"/bench/{i:05d}{Path(task.path).suffix}", task.file, None, sha, task.size)
        blobs.append((copy, pickle.dumps({**result, "rows": rows})))
    with session_scope(url) as session:
        writer = Writer(session, IngestReport(db=url), "bench", Progress(n, True), url=url,
                        commit_docs=docs, commit_seconds=3600)
        start = time.process_time()
        for copy, blob in blobs:
            writer.stored(copy, pickle.loads(blob))
        writer.flush()
        took = time.process_time() - start
    dispose(url)
    assert writer.report.new == n, writer.report
    return 1000 * took / n


def writer_report(backends: list[str], n: int) -> None:
    results = prepared_results()
    cost = document_cost(results)
    print(f"\nstoring the parsed Document, {len(results)} distinct files: encoding "
          f"{cost['encode_ms']:.2f} ms/doc in the worker (JSON + zlib level 1; zlib level 6 "
          f"alone takes {cost['zlib6_ms']:.2f}) = "
          f"{100 * cost['encode_ms'] / cost['process_ms']:.1f} % of the worker's "
          f"{cost['process_ms']:.0f} ms a file; {cost['kib']:.1f} KiB/doc stored")
    print(f"{'writer alone, CPU ms/doc (' + str(n) + ' docs)':<44} {'commit each':>12} "
          f"{'batches of 32':>14}")
    for backend in backends:
        for with_document in (False, True):
            figures = []
            for docs in (1, 32):
                if backend == "sqlite":
                    url = fresh_sqlite(CACHE, f"writer-{docs}.db")
                    figures.append(writer_alone(url, results, n, docs, with_document))
                else:
                    with FreshPostgres(PG_SERVER, "baocao_bench") as url:
                        figures.append(writer_alone(url, results, n, docs, with_document))
            name = f"{backend}, Document {'stored' if with_document else 'not stored'}"
            print(f"{name:<44} {figures[0]:>12.2f} {figures[1]:>14.2f}", flush=True)


# ── databases ────────────────────────────────────────────────────────────────────────────



# ── the report ───────────────────────────────────────────────────────────────────────────

def row(name: str, r: dict[str, Any]) -> str:
    mem = (f"{r['peak_rss']:7.0f} {r['peak_uss']:7.0f}  {r['rss_first']:6.0f} → {r['rss_last']:4.0f}"
           f"  {r['uss_first']:5.0f} → {r['uss_last']:4.0f}" if "peak_rss" in r else "")
    cpu = (f"  {r['parent_cpu_ms']:5.1f} {r['worker_cpu_ms']:6.1f}  {r['load']:4.1f}"
           if "load" in r else "")
    return (f"{name:<40} {r['files']:>6} {r['pages']:>6} {r['seconds']:>8.1f} {r['docs_s']:>7.1f}"
            f" {r['pages_s']:>8.1f}  {mem:<38}{cpu}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--no-postgresql", action="store_true")
    ap.add_argument("--per-document-commits", action="store_true",
                    help="also ingest with a commit per document (BAOCAO_COMMIT_DOCS=1)")
    ap.add_argument("--writer-only", action="store_true",
                    help="only the writer-alone and Document-cost figures")
    ap.add_argument("--pairs", type=int, default=0,
                    help="only the worker scaling: N runs of 1 then 2 workers on the mixed "
                         "archive per database, the median speed-up reported")
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        db, workers, *inputs = args.one
        print(json.dumps(run_one(inputs, db, int(workers))))
        return
    backends = ["sqlite"] + ([] if args.no_postgresql else ["postgresql"])
    if args.writer_only:
        print(f"load average {os.getloadavg()[0]:.1f}")
        writer_report(backends, args.docs)
        return
    folder = generate(args.docs)
    if args.pairs:
        scaling(folder, backends, args.pairs)
        return
    files = sorted(folder.iterdir())
    pdfs = [f for f in files if f.suffix == ".pdf"]
    print(f"{len(files)} documents in {folder} ({len(pdfs)} PDF); machine: {os.cpu_count()} cores")
    print(f"{'what':<40} {'files':>6} {'pages':>6} {'seconds':>8} {'docs/s':>7} {'pages/s':>8}"
          f"  {'peak RSS, USS MB/worker; RSS, USS first → last 100':<38}"
          f"  CPU ms/doc: parent, workers; load avg")
    results = {"pdfplumber extract_text (PDFs, 1 core)": pdfplumber_baseline(pdfs)}
    print(row("pdfplumber extract_text (PDFs, 1 core)", results[next(iter(results))]), flush=True)
    plan: list[tuple[str, list[Path], str, int, dict[str, str]]] = [
        ("ingest PDFs only, 1 worker, SQLite", pdfs, "sqlite", 1, {})]
    commits = [("", {})] + ([(", commit each", {"BAOCAO_COMMIT_DOCS": "1"})]
                            if args.per_document_commits else [])
    for backend in backends:
        for suffix, env in commits:
            for workers in (1, 2):
                plan.append((f"ingest mixed, {workers} worker{'s' * (workers > 1)}, "
                             f"{backend}{suffix}", [folder], backend, workers, env))
    for name, inputs, backend, workers, env in plan:
        results[name] = ingest_into(backend, inputs, workers, env)
        print(row(name, results[name]), flush=True)
    summarize(results, [suffix for suffix, _ in commits])
    writer_report(backends, args.docs)


def ingest_into(backend: str, inputs: list[Path], workers: int,
                env: dict[str, str] | None = None) -> dict[str, Any]:
    """One ingest in a fresh subprocess and a fresh database of ``backend``."""
    if backend == "sqlite":
        return in_subprocess(inputs, fresh_sqlite(CACHE, f"bench-{workers}.db"), workers, env)
    with FreshPostgres(PG_SERVER, "baocao_bench") as url:
        return in_subprocess(inputs, url, workers, env)


def scaling(folder: Path, backends: list[str], pairs: int) -> None:
    """``pairs`` runs of 1 then 2 workers per database, one right after the other, so that a
    shared machine's slow minutes fall on both sides of a ratio; the median ratio is the
    figure. Beside it, the ratio corrected for how fast the cores ran in each run (worker CPU
    ms a document, 1 worker over 2): what the pool makes of the CPU it gets."""
    import statistics

    print(f"{len(list(folder.iterdir()))} documents in {folder}; {pairs} pairs of runs; "
          f"machine: {os.cpu_count()} cores")
    for backend in backends:
        ratios, corrected = [], []
        for _ in range(pairs):
            one = ingest_into(backend, [folder], 1)
            two = ingest_into(backend, [folder], 2)
            ratios.append(two["docs_s"] / one["docs_s"])
            corrected.append(ratios[-1] * two["worker_cpu_ms"] / one["worker_cpu_ms"])
            print(f"{backend}: 1 worker {one['docs_s']:.1f} docs/s ({one['worker_cpu_ms']:.0f} "
                  f"ms CPU a document), 2 workers {two['docs_s']:.1f} docs/s "
                  f"({two['worker_cpu_ms']:.0f} ms; parent {two['parent_cpu_ms']:.1f} ms, "
                  f"the rest of the machine {two['other_cpu_ms']:.1f} ms): {ratios[-1]:.2f}x; "
                  f"load average {two['load']:.1f}", flush=True)
        print(f"{backend}: 2 workers = {statistics.median(ratios):.2f}x 1 worker, median of "
              f"{pairs} (range {min(ratios):.2f}-{max(ratios):.2f}; corrected for core speed "
              f"{statistics.median(corrected):.2f}x); goal >= 1.85x", flush=True)


def summarize(results: dict[str, dict[str, Any]], suffixes: list[str]) -> None:
    base = results["pdfplumber extract_text (PDFs, 1 core)"]["pages_s"]
    pdf = results["ingest PDFs only, 1 worker, SQLite"]["pages_s"]
    print(f"\nPDF ingest end to end: {pdf:.1f} pages/s = {pdf / base:.2f}x pdfplumber's bare "
          f"extract_text ({base:.1f} pages/s); goal (issue 14) >= 4x and >= 70 pages/s")
    for backend in ("sqlite", "postgresql"):
        for suffix in suffixes:
            one = results.get(f"ingest mixed, 1 worker, {backend}{suffix}")
            two = results.get(f"ingest mixed, 2 workers, {backend}{suffix}")
            if not (one and two):
                continue
            worker, parent = two["worker_cpu_ms"], two["parent_cpu_ms"]
            bound = min(2 * worker / (worker + parent), worker / parent)
            other = two["other_cpu_ms"]
            everything = 2 * worker / (worker + parent + other)
            print(f"{backend}{suffix or ', batched commits'}: 2 workers = "
                  f"{two['docs_s'] / one['docs_s']:.2f}x 1 worker "
                  f"({two['docs_s']:.1f} vs {one['docs_s']:.1f} docs/s; the whole ingest() "
                  f"call, listing and migrating included: "
                  f"{one['call_seconds'] / two['call_seconds']:.2f}x; load average "
                  f"{two['load']:.1f}); goal >= 1.85x. On 2 idle cores, CPU per document "
                  f"({worker:.0f} ms in a worker, {parent:.1f} ms in the parent, start-up "
                  f"included; not counting the database server's, nor this benchmark's memory "
                  f"sampler, {two['sampler_cpu_ms']:.1f} ms) allows {bound:.2f}x; with what "
                  f"else the machine ran during the 2-worker run ({other:.1f} ms a document: "
                  f"the database server, the fork server's warm-up, the kernel) "
                  f"{everything:.2f}x")


if __name__ == "__main__":
    main()
