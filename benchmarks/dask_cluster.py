"""The Dask engine on a real local cluster, a worker killed mid-run: every document stored once.

Run from the repository root (PostgreSQL: BAOCAO_TEST_PG or postgres@127.0.0.1:5432/test):

    .venv/bin/python benchmarks/dask_cluster.py                   # 10,000 documents, 2 workers
    .venv/bin/python benchmarks/dask_cluster.py --docs 500 --no-replace

What it does, in separate OS processes as on a real cluster:

1. generates ``--docs`` distinct files with ``benchmarks/ingest.py``'s generator (text, HTML,
   DOCX and both kinds of PDF from ``corpus/``, a few bytes changed per copy) and checks
   that their SHA-256 are all different;
2. starts ``dask scheduler`` and ``--workers`` ``dask worker --nthreads 1`` processes (each in
   its own process group: nanny, worker, and the worker's fork server and reading child);
3. runs ``baocao ingest FOLDER --engine dask --scheduler tcp://... --db URL`` into a fresh
   PostgreSQL database, while sampling every process's CPU and memory;
4. once ``--kill-at`` of the documents are stored, kills the first worker's whole process
   group with SIGKILL (a machine lost), then starts a replacement worker (unless
   ``--no-replace``: the others finish alone);
5. checks with SQL that every generated file is stored exactly once: one document per path,
   one version per content hash, one extraction per version, no error rows; then reruns the
   ingest, which must skip everything;
6. prints documents/s and pages/s, CPU seconds per document in the workers, the scheduler,
   the client and PostgreSQL's backends, memory per worker, the database's size per
   document, and (in this process, on a sample per format) the CPU of each stage: parse,
   extract, store.

``--record FILE`` also writes that report to FILE (``benchmarks/dask_cluster.results.txt``
holds the last full run). ``docs/cluster.md`` sizes a real cluster from these figures.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest as ingest_bench  # noqa: E402  - benchmarks/ingest.py: the document generator
from _common import FreshPostgres  # noqa: E402

BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BAOCAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
DEFAULT_RECORD = Path(__file__).with_name("dask_cluster.results.txt")


def generated(n: int) -> list[Path]:
    """``n`` generated files, refused unless their contents are all distinct."""
    files = sorted(ingest_bench.generate(n).iterdir())
    hashes = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    if len(files) != n or len(hashes) != n:
        raise SystemExit(f"the generator gave {len(files)} files, {len(hashes)} distinct")
    return files


# ── the cluster ──────────────────────────────────────────────────────────────────────────

class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, each in its own process group."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.folder, self.log = folder, log
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.killed: list[subprocess.Popen[bytes]] = []
        self.address = ""

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=log,
                                    start_new_session=True, cwd=self.folder)

    def start(self, workers: int) -> None:
        file = self.folder / "scheduler.json"
        file.unlink(missing_ok=True)
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", str(file)])
        deadline = time.monotonic() + 120
        while not file.exists() or not file.read_text().strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise SystemExit(f"dask scheduler did not start; see {self.log}")
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(file.read_text())["address"]
        for _ in range(workers):
            self.add_worker()
        self.wait_for(workers)

    def add_worker(self) -> subprocess.Popen[bytes]:
        name = f"w{len(self.workers) + len(self.killed) + 1}"
        worker = self._spawn(["worker", self.address, "--nthreads", "1", "--nworkers", "1",
                              "--no-dashboard", "--memory-limit", "0", "--name", name,
                              "--local-directory", str(self.folder / name)])
        self.workers.append(worker)
        return worker

    def wait_for(self, n: int, timeout: float = 180) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(n, timeout=timeout)

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker's whole process group: nanny, worker, fork server, child."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        self.workers.remove(worker)
        self.killed.append(worker)

    def close(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def cluster(workers: int, folder: Path) -> Iterator[Cluster]:
    c = Cluster(folder, folder / "cluster.log")
    try:
        c.start(workers)
        yield c
    finally:
        c.close()


# ── sampling CPU and memory ──────────────────────────────────────────────────────────────

class Sampler:
    """Every ``period`` s: CPU seconds (last seen) and RSS/USS of each watched process tree."""

    def __init__(self, roots: dict[str, int], database: str, period: float = 1.0) -> None:
        import psutil

        self.psutil = psutil
        self.roots = dict(roots)  # group name → pid of the process group's leader
        self.database = database
        self.period = period
        self.cpu: dict[tuple[str, int], float] = {}
        self.rss: dict[str, float] = defaultdict(float)   # group → peak RSS of one process
        self.tree_uss: dict[str, float] = defaultdict(float)  # group → peak USS of the tree
        self.role_rss: dict[str, float] = defaultdict(float)  # process role → peak RSS
        self._stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self.lock:
            self.roots[name] = pid

    def _tree(self, pid: int) -> list[Any]:
        try:
            p = self.psutil.Process(pid)
            return [p, *p.children(recursive=True)]
        except self.psutil.Error:
            return []

    def _postgres(self) -> list[Any]:
        found = []
        for p in self.psutil.process_iter(["name", "cmdline"]):
            cmd = " ".join(p.info["cmdline"] or [])
            if cmd.startswith("postgres:") and f" {self.database} " in f"{cmd} ":
                found.append(p)
        return found

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self._sample()
            except Exception as e:  # noqa: BLE001 - a sampler that dies would under-count
                print(f"sampler: {type(e).__name__}: {e}", file=sys.stderr)

    def _sample(self) -> None:
        with self.lock:
            groups = {name: self._tree(pid) for name, pid in self.roots.items()}
        groups["postgresql"] = self._postgres()
        for name, procs in groups.items():
            uss = 0.0
            for p in procs:
                try:
                    times = p.cpu_times()
                    self.cpu[(name, p.pid)] = times.user + times.system
                    if name == "postgresql":
                        continue
                    full = p.memory_full_info()
                    role = _role(p) if name.startswith("worker") else name
                except self.psutil.Error:  # it just exited (or was killed)
                    continue
                rss = full.rss / 2**20
                uss += full.uss / 2**20
                self.rss[name] = max(self.rss[name], rss)
                self.role_rss[role] = max(self.role_rss[role], rss)
            self.tree_uss[name] = max(self.tree_uss[name], uss)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def cpu_of(self, prefix: str) -> float:
        return sum(s for (name, _), s in self.cpu.items() if name.startswith(prefix))


def _role(p: Any) -> str:
    """What a process of a worker's tree is, from its command line (a forked reading child
    has its fork server's)."""
    cmd = " ".join(p.cmdline())
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd:
        parent = p.parent()
        forked = parent is not None and "forkserver" in " ".join(parent.cmdline())
        return "reading child" if forked else "fork server"
    if "spawn_main" in cmd:
        return "dask worker"
    return "nanny"


# ── the database ─────────────────────────────────────────────────────────────────────────

def stored_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM documents")).scalar() or 0)
    except Exception:  # noqa: BLE001 - the tables may not exist yet
        return 0
    finally:
        engine.dispose()


def migrated_size_mb(url: str) -> float:
    """The database's size once migrated, before any document (subtracted per document)."""
    from sqlalchemy import create_engine, text

    from baocao.store.db import dispose, upgrade

    upgrade(url)
    dispose(url)
    engine = create_engine(url)
    with engine.connect() as c:
        size = c.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return float(size or 0) / 2**20


def verify(url: str, files: list[Path]) -> dict[str, Any]:
    """What the database holds, against the generated files."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        def one(sql: str) -> Any:
            return c.execute(text(sql)).scalar()

        paths = {r[0] for r in c.execute(text("SELECT path FROM documents"))}
        out = {
            "documents": one("SELECT count(*) FROM documents"),
            "distinct_paths": len(paths),
            "versions": one("SELECT count(*) FROM versions"),
            "distinct_hashes": one("SELECT count(DISTINCT sha256) FROM versions"),
            "documents_with_several_versions": one(
                "SELECT count(*) FROM (SELECT document_id FROM versions GROUP BY document_id "
                "HAVING count(*) > 1) d"),
            "extractions": one("SELECT count(*) FROM extractions"),
            "versions_with_several_extractions": one(
                "SELECT count(*) FROM (SELECT version_id FROM extractions GROUP BY version_id "
                "HAVING count(*) > 1) e"),
            "other_paths": one("SELECT count(*) FROM document_paths"),
            "facts": one("SELECT count(*) FROM facts"),
            "checks": one("SELECT count(*) FROM checks"),
            "pages": one("SELECT coalesce(sum(pages), 0) FROM versions"),
            "errors": dict(c.execute(text("SELECT code, count(*) FROM errors GROUP BY code"))
                           .all()),
            "missing": len({str(f.resolve()) for f in files} - paths),
            "unexpected": len(paths - {str(f.resolve()) for f in files}),
            "database_mb": one("SELECT pg_database_size(current_database())") / 2**20,
            "per_format": {fmt: {"documents": n, "pages": p} for fmt, n, p in c.execute(text(
                "SELECT format, count(*), coalesce(sum(pages), 0) FROM versions "
                "GROUP BY format ORDER BY format"))},
        }
    engine.dispose()
    return out


def stored_once(v: dict[str, Any], n: int) -> bool:
    return (v["documents"] == v["distinct_paths"] == v["versions"] == v["distinct_hashes"]
            == v["extractions"] == n and v["documents_with_several_versions"] == 0
            and v["versions_with_several_extractions"] == 0 and v["missing"] == 0
            and v["unexpected"] == 0 and v["other_paths"] == 0 and not v["errors"])


# ── the run ──────────────────────────────────────────────────────────────────────────────

def ingest_command(folder: Path, address: str, url: str) -> list[str]:
    return [str(BIN / "baocao"), "ingest", str(folder), "--engine", "dask",
            "--scheduler", address, "--db", url, "--quiet"]


def prove(files: list[Path], url: str, *, workers: int = 2, kill_at: float = 0.3,
          replace: bool = True, rerun: bool = True, folder: Path | None = None,
          say: Any = print) -> dict[str, Any]:
    """Ingest ``files`` (all in one folder) on a fresh local cluster into ``url``, killing
    the first worker once ``kill_at`` of them are stored; the figures and the SQL checks."""
    import psutil

    inputs = files[0].parent
    work = Path(folder or tempfile.mkdtemp(prefix="baocao-dask-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    database = url.rsplit("/", 1)[-1].split("?")[0]
    empty_mb = migrated_size_mb(url)
    result: dict[str, Any] = {"files": len(files), "workers": workers, "kill_at": kill_at,
                              "replace": replace}
    with cluster(workers, work) as c:
        say(f"cluster: scheduler {c.address}, {workers} workers (--nthreads 1); log {c.log}")
        sampler = Sampler({"scheduler": c.scheduler.pid if c.scheduler else 0,
                           **{f"worker{i + 1}": w.pid for i, w in enumerate(c.workers)}},
                          database)
        command = ingest_command(inputs, c.address, url)
        say("$ " + " ".join(command).replace(url, "$URL"))
        started = time.perf_counter()
        client = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  cwd=ROOT)
        sampler.watch("client", client.pid)
        sampler.start()
        victim = c.workers[0]
        while client.poll() is None:
            time.sleep(1.0)
            if victim in c.workers and stored_count(url) >= kill_at * len(files):
                result["stored_at_kill"] = stored_count(url)
                result["killed_after_s"] = time.perf_counter() - started
                c.kill(victim)
                say(f"killed worker1's process group (SIGKILL) after "
                    f"{result['killed_after_s']:.0f} s, {result['stored_at_kill']} stored")
                if replace:
                    new = c.add_worker()
                    sampler.watch(f"worker{len(c.workers) + len(c.killed)}", new.pid)
                    say("started a replacement worker")
        output = client.stdout.read().decode() if client.stdout else ""
        result["seconds"] = time.perf_counter() - started
        sampler.stop()
        result["exit_code"] = client.returncode
        result["output"] = output.strip()
        result["load"] = os.getloadavg()[0]
        if "stored_at_kill" not in result:
            say("the run ended before the kill point: nothing was killed")
        result["verify"] = verify(url, files)
        result["verify"]["empty_database_mb"] = empty_mb
        n = max(len(files), 1)
        result["cpu_per_doc"] = {
            "dask workers (read, extract, store)": sampler.cpu_of("worker") / n,
            "scheduler": sampler.cpu_of("scheduler") / n,
            "client (list, hash, submit)": sampler.cpu_of("client") / n,
            "PostgreSQL backends": sampler.cpu_of("postgresql") / n}
        result["memory"] = {"peak RSS by role (MB)": dict(sampler.role_rss),
                            "peak USS of one worker's tree (MB)": max(
                                (v for k, v in sampler.tree_uss.items() if k.startswith("worker")),
                                default=0.0),
                            "scheduler peak RSS (MB)": sampler.rss.get("scheduler", 0.0)}
        if rerun:
            command = ingest_command(inputs, c.address, url)
            again_started = time.perf_counter()
            again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            result["rerun"] = {"exit_code": again.returncode, "output": again.stdout.strip(),
                               "seconds": time.perf_counter() - again_started,
                               "documents": stored_count(url)}
    del psutil
    return result


# ── per-stage CPU, in this process ───────────────────────────────────────────────────────

def stage_costs(files: list[Path], url: str, per_format: int) -> dict[str, dict[str, float]]:
    """CPU milliseconds of parse, extract and store for up to ``per_format`` files of each
    format (a warm process, as a worker is after its first file)."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    from baocao.store.db import session_scope, upgrade
    from baocao.store.repository import save_prepared
    from baocao.store.rows import prepare
    from baocao.store.worker import warm_up

    warm_up()
    url = upgrade(url)
    with_document = "doc" in inspect.signature(prepare).parameters  # the parsed Document too
    chosen: dict[str, list[Path]] = defaultdict(list)
    for f in files:
        fmt = _format(f)
        if len(chosen[fmt]) < per_format:
            chosen[fmt].append(f)
    out: dict[str, dict[str, float]] = {}
    with session_scope(url) as session:
        for fmt, paths in sorted(chosen.items()):
            parse_s = extract_s = store_s = 0.0
            pages = 0
            for path in paths:
                t0 = time.process_time()
                doc = parse(path)
                t1 = time.process_time()
                ex = extract_document(doc)
                t2 = time.process_time()
                rows = prepare(ex, doc) if with_document else prepare(ex)
                save_prepared(session, rows, path=str(path), size=path.stat().st_size,
                              extractor_version="stage-costs", run_id=None)
                session.commit()
                t3 = time.process_time()
                parse_s, extract_s, store_s = parse_s + t1 - t0, extract_s + t2 - t1, store_s + t3 - t2
                pages += ex.source.pages or 0
            k = len(paths)
            out[fmt] = {"files": k, "pages_per_doc": pages / k, "parse_ms": 1000 * parse_s / k,
                        "extract_ms": 1000 * extract_s / k, "store_ms": 1000 * store_s / k}
    return out


def _format(path: Path) -> str:
    name = path.name
    if name.endswith(".lo.pdf"):
        return "pdf (LibreOffice)"
    return path.suffix.lstrip(".") + (" (cp1258)" if ".cp1258." in name else "")


# ── the report ───────────────────────────────────────────────────────────────────────────

def report(r: dict[str, Any], stages: dict[str, dict[str, float]] | None) -> list[str]:
    v = r["verify"]
    n = r["files"]
    lines = [
        f"{n} generated documents, all distinct; {r['workers']} dask workers (--nthreads 1); "
        f"machine: {os.cpu_count()} cores, load average at the end {r['load']:.1f}",
        f"worker1 killed (SIGKILL, whole process group) after {r.get('killed_after_s', 0):.0f} s "
        f"with {r.get('stored_at_kill', 0)} documents stored; "
        + ("a replacement worker started" if r["replace"] else "the others finished alone"),
        f"ingest exit code {r['exit_code']}" + (f": {r['output']}" if r["output"] else ""),
        f"wall {r['seconds']:.0f} s: {n / r['seconds']:.2f} documents/s, "
        f"{v['pages'] / r['seconds']:.1f} pages/s ({v['pages']} pages, {v['facts']} facts, "
        f"{v['checks']} checks)",
        "",
        "stored once (SQL): "
        f"documents {v['documents']}, distinct paths {v['distinct_paths']}, versions "
        f"{v['versions']}, distinct hashes {v['distinct_hashes']}, extractions "
        f"{v['extractions']}; documents with >1 version {v['documents_with_several_versions']}, "
        f"versions with >1 extraction {v['versions_with_several_extractions']}, other paths "
        f"{v['other_paths']}, generated files missing {v['missing']}, unexpected "
        f"{v['unexpected']}, error rows {v['errors'] or 0}",
        f"=> every document stored exactly once: {'YES' if stored_once(v, n) else 'NO'}",
    ]
    if "rerun" in r:
        again = r["rerun"]
        lines.append(f"rerun: exit code {again['exit_code']} in {again['seconds']:.0f} s, "
                     f"documents afterwards: {again['documents']}")
    lines += ["", "CPU seconds per document (whole run, sampled every second):"]
    lines += [f"  {k:<40} {s * 1000:8.1f} ms" for k, s in r["cpu_per_doc"].items()]
    lines += ["", "memory:"]
    mem = r["memory"]
    lines += [f"  peak RSS, {role:<32} {mb:8.0f} MB"
              for role, mb in sorted(mem["peak RSS by role (MB)"].items())]
    tree = mem["peak USS of one worker's tree (MB)"]
    lines.append(f"  peak USS of one worker's process tree  {tree:8.0f} MB")
    lines.append(f"  scheduler peak RSS                     {mem['scheduler peak RSS (MB)']:8.0f} MB")
    grown = v["database_mb"] - v.get("empty_database_mb", 0.0)
    lines += ["", f"PostgreSQL: {v['database_mb']:.0f} MB for {n} documents "
              f"({v.get('empty_database_mb', 0.0):.0f} MB migrated and empty) = "
              f"{1024 * grown / n:.0f} KB per document; "
              f"{v['facts'] / n:.0f} facts and {v['checks'] / n:.1f} checks per document; "
              f"{n / r['seconds']:.2f} document transactions/s",
              "documents by format: " + ", ".join(
                  f"{fmt} {d['documents']} ({d['pages'] / d['documents']:.1f} pages/doc)"
                  for fmt, d in v["per_format"].items())]
    if stages:
        lines += ["", "CPU ms per document by stage (this process, warm; store = PostgreSQL "
                  "client side):",
                  f"  {'format':<20} {'files':>5} {'pages':>6} {'parse':>8} {'extract':>8} "
                  f"{'store':>7} {'total':>8}"]
        for fmt, s in stages.items():
            total = s["parse_ms"] + s["extract_ms"] + s["store_ms"]
            lines.append(f"  {fmt:<20} {s['files']:>5.0f} {s['pages_per_doc']:>6.1f} "
                         f"{s['parse_ms']:>8.1f} {s['extract_ms']:>8.1f} {s['store_ms']:>7.1f} "
                         f"{total:>8.1f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kill-at", type=float, default=0.3,
                    help="kill worker1 once this fraction of the documents is stored")
    ap.add_argument("--no-replace", action="store_true", help="start no replacement worker")
    ap.add_argument("--stage-sample", type=int, default=20,
                    help="files per format for the per-stage CPU costs (0: skip)")
    ap.add_argument("--keep-db", action="store_true",
                    help="keep the database (e.g. for benchmarks/export.py --url)")
    ap.add_argument("--record", type=Path, default=None,
                    help=f"also write the report here (the full run: {DEFAULT_RECORD.name})")
    args = ap.parse_args()
    files = generated(args.docs)
    print(f"{len(files)} distinct documents in {files[0].parent}", flush=True)
    # one extractor version for the run and its rerun, even if the sources change meanwhile
    # (a shared working tree): otherwise the rerun would rightly read every file again
    from baocao.store.version import extractor_version
    os.environ.setdefault("BAOCAO_EXTRACTOR_VERSION", extractor_version())
    fresh = FreshPostgres(PG_SERVER, "baocao_dask")
    url = fresh.__enter__()
    try:
        r = prove(files, url, workers=args.workers, kill_at=args.kill_at,
                  replace=not args.no_replace, say=lambda s: print(s, flush=True))
    finally:
        if args.keep_db:
            fresh.admin.dispose()
            print(f"database kept: {url}", flush=True)
        else:
            fresh.__exit__(None, None, None)
    stages = None
    if args.stage_sample:
        with FreshPostgres(PG_SERVER, "baocao_stages") as url:
            stages = stage_costs(files, url, args.stage_sample)
    command = ("$ .venv/bin/python benchmarks/dask_cluster.py " + " ".join(sys.argv[1:])).strip()
    lines = [command, f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             *report(r, stages)]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.record:
        args.record.write_text(text)
    if not stored_once(r["verify"], len(files)) or r["exit_code"] != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
