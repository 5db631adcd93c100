"""Fault run: ingest an archive with broken files while the ingest is killed (kill -9) at
random, optionally with PostgreSQL restarted mid-run, then check nothing was lost.

    .venv/bin/python benchmarks/fault_run.py                      # 2,000 files, SQLite
    .venv/bin/python benchmarks/fault_run.py --db postgresql://postgres@127.0.0.1:5433/fault_run --restart-postgres
    .venv/bin/python benchmarks/fault_run.py --files 200 --kills 2 --seed 7

It builds ``--files`` documents from the corpus (every format; a few bytes varied so each
has its own content hash), of which ``--broken`` (5 %) are broken in different ways (empty,
truncated PDF, HTML saved as .pdf, text saved as .docx, a DOCX whose XML is cut, random
bytes, a zip bomb inside a zip archive). It ingests once until a reviewer correction can be
made, then restarts ingest, kills it ``--kills`` times at random moments (and, with
``--restart-postgres``, restarts the PostgreSQL cluster during one run), and finally runs
ingest to the end. It then checks, from the database:

- every good file is stored exactly once (its sha256 once in ``versions``, its path once);
- every broken file is recorded in ``errors`` with its reason;
- the reviewer's correction is still there, unchanged;
and prints the figures: files tried, errors by code, faults survived, rows lost.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, inspect, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from baocao.store.db import display_url, get_engine, session_scope, upgrade  # noqa: E402
from baocao.store.models import CorrectionRow, DocumentRow, ErrorRow, FactRow, VersionRow  # noqa: E402
from baocao.store.repository import correct_fact  # noqa: E402

BAOCAO = [sys.executable, "-m", "baocao.cli"]


def _vary(data: bytes, i: int, suffix: str) -> bytes:
    """Same document, another content hash: a trailing comment each format ignores."""
    tag = f"fault-run {i}".encode()
    if suffix in (".txt", ".md"):
        return data + b"\n" + tag + b"\n"
    if suffix in (".html", ".htm"):
        return data + b"<!-- " + tag + b" -->"
    return data + b"\n%" + tag + b"\n" if suffix == ".pdf" else data


def _docx_variant(data: bytes, i: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("customXml/fault-run.xml", f"<run n='{i}'/>")
    return out.getvalue()


def _broken(kind: int, corpus: list[Path], rng: random.Random, folder: Path, i: int) -> Path:
    pdf = next(p for p in corpus if p.suffix == ".pdf").read_bytes()
    docx = next(p for p in corpus if p.suffix == ".docx").read_bytes()
    makers = [
        ("empty.pdf", lambda: b""),
        ("truncated.pdf", lambda: pdf[: len(pdf) // 3]),
        ("error-page.pdf", lambda: b"<html><body><h1>404 Not Found</h1></body></html>"),
        ("notes.docx", lambda: "Tổng số 12 hồ sơ.".encode()),
        ("cut.docx", lambda: docx[: len(docx) // 2]),
        ("noise.txt", lambda: rng.randbytes(4096)),
    ]
    if kind % (len(makers) + 1) == len(makers):
        path = folder / f"broken-{i:05d}-bomb.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("inner/report.txt", b"0" * (60 * 1024 * 1024))
        return path
    name, make = makers[kind % len(makers)]
    path = folder / f"broken-{i:05d}-{name}"
    path.write_bytes(make())
    return path


def build(folder: Path, n: int, n_broken: int, rng: random.Random) -> tuple[list[Path], list[Path]]:
    corpus = sorted(p for p in (ROOT / "corpus/docs").iterdir()) + sorted((ROOT / "corpus/seeds").iterdir())
    good, bad = [], []
    broken_at = set(rng.sample(range(n), n_broken))
    for i in range(n):
        if i in broken_at:
            bad.append(_broken(len(bad), corpus, rng, folder, i))
            continue
        src = corpus[i % len(corpus)]
        data = src.read_bytes()
        data = _docx_variant(data, i) if src.suffix == ".docx" else _vary(data, i, src.suffix)
        path = folder / f"doc-{i:05d}{''.join(src.suffixes)}"
        path.write_bytes(data)
        good.append(path)
    return good, bad


def _ingest(folder: Path, db: str, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*BAOCAO, "ingest", str(folder), "--db", db, "--workers", str(workers),
                             "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _stored(db: str) -> int:
    with session_scope(db) as s:
        return int(s.scalar(select(func.count()).select_from(VersionRow)) or 0)


def _kill_when(proc: subprocess.Popen[bytes], db: str, at_least: int, timeout: float) -> bool:
    """kill -9 the whole ingest process group once ``at_least`` versions are stored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored(db) >= at_least:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.2)
    return False


def _correct_one(db: str) -> tuple[int, str, float]:
    """A reviewer's correction on the first stored fact: value + 1."""
    with session_scope(db) as s:
        fact = s.scalars(select(FactRow).where(FactRow.value.is_not(None)).limit(1)).one()
        correct_fact(s, fact, "edit", {"value": float(fact.value) + 1}, actor="fault-run")
        return fact.document_id, fact.key, float(fact.value) + 1


def _cluster_of(db: str) -> tuple[str, str]:
    """The Debian PostgreSQL cluster (version, name) serving ``db``, found by its port, so
    the restart hits the server under test and no other (run it on a cluster of its own:
    ``pg_createcluster 15 fault --port 5433 -- --auth=trust``)."""
    port = make_url(db).port or 5432
    listing = subprocess.run(["pg_lsclusters", "--no-header"], check=True, capture_output=True,
                             text=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if int(cluster_port) == port:
            return version, name
    raise SystemExit(f"no local PostgreSQL cluster listens on port {port} (pg_lsclusters)")


def _restart_postgres(cluster: tuple[str, str]) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],
                   check=True, capture_output=True)


def verify(db: str, good: list[Path], bad: list[Path], correction: tuple[int, str, float]) -> dict[str, object]:
    with session_scope(db) as s:
        shas = Counter(s.scalars(select(VersionRow.sha256)))
        paths = Counter(s.scalars(select(DocumentRow.path)))
        errors = {path: code for path, code in s.execute(select(ErrorRow.path, ErrorRow.code)).all()}
        kept = s.scalars(select(CorrectionRow).where(
            CorrectionRow.document_id == correction[0], CorrectionRow.fact_key == correction[1])).one_or_none()
    import hashlib

    lost = [p.name for p in good if shas.get(hashlib.sha256(p.read_bytes()).hexdigest(), 0) != 1]
    duplicated = [p for p, n in paths.items() if n > 1]
    unrecorded = [p.name for p in bad if not any(p.name in path for path in errors)]
    kept_ok = kept is not None and kept.value == correction[2]
    return {"good files stored exactly once": len(good) - len(lost),
            "good files lost or doubled": len(lost), "duplicate document rows": len(duplicated),
            "broken files recorded": len(bad) - len(unrecorded),
            "broken files not recorded": unrecorded,
            "errors by code": dict(sorted(Counter(errors.values()).items())),
            "correction kept": kept_ok,
            "rows lost": len(lost) + len(unrecorded) + (0 if kept_ok else 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--broken", type=float, default=0.05)
    ap.add_argument("--kills", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", default=None, help="default: a fresh SQLite file in a temp folder")
    ap.add_argument("--restart-postgres", action="store_true")
    ap.add_argument("--seed", type=int, default=20261122)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="baocao-fault-"))
    folder = work / "archive"
    folder.mkdir()
    db = args.db or f"sqlite:///{work / 'fault.db'}"
    if args.db and inspect(get_engine(db)).has_table("documents"):
        raise SystemExit(f"{display_url(db)} already holds baocao tables: give the fault run "
                         "an empty database of its own (its checks count every row)")
    upgrade(db)
    good, bad = build(folder, args.files, int(args.files * args.broken), rng)
    print(f"{len(good) + len(bad)} files ({len(bad)} broken) in {folder}; database {db}")
    first = _ingest(folder, db, args.workers)
    _kill_when(first, db, 20, 600)
    correction = _correct_one(db)
    faults = 1
    cluster = _cluster_of(db) if args.restart_postgres else None
    runs, restarts, cut_by_restart = 1, 0, ""
    for _ in range(args.kills - 1):
        proc = _ingest(folder, db, args.workers)
        runs += 1
        target = _stored(db) + rng.randint(50, max(60, len(good) // (args.kills + 1)))
        faults += _kill_when(proc, db, target, 900)
    if cluster is not None:  # one more run, with the server restarted under it
        proc = _ingest(folder, db, args.workers)
        runs += 1
        time.sleep(rng.uniform(3, 8))
        _restart_postgres(cluster)
        restarts += 1
        _, err = proc.communicate()
        lines = err.decode(errors="replace").strip().splitlines()
        cut_by_restart = f"exit {proc.returncode}" + (f": {lines[-1]}" if lines else "")
    final = _ingest(folder, db, args.workers)
    runs += 1
    final.wait()
    while final.returncode not in (0, 1) and runs < 10:  # a run cut by the restart: rerun
        final = _ingest(folder, db, args.workers)
        runs += 1
        final.wait()
    result = verify(db, good, bad, correction)
    print(f"files tried: {len(good) + len(bad)} ({len(bad)} broken); ingest runs: {runs}")
    print(f"faults survived: {faults + restarts} (kill -9 x{faults}"
          f"{f', PostgreSQL restart x{restarts}' if restarts else ''})")
    if cut_by_restart:
        print(f"the run under the restart ended with {cut_by_restart}")
    for name, value in result.items():
        print(f"{name}: {value}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
