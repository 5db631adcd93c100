"""Export speed and memory: one document, one place, everything; filters in SQL against the
previous export (every fact of the database loaded, then filtered in pandas).

Run from the repository root:

    .venv/bin/python benchmarks/export.py                       # 2,000 documents, SQLite
    .venv/bin/python benchmarks/export.py --docs 500 --postgresql
    .venv/bin/python benchmarks/export.py --url postgresql://…/baocao_dask_…   # kept by
                                               # benchmarks/dask_cluster.py --keep-db

Builds (once, then reused) a database of ``--docs`` documents generated from the corpus by
``benchmarks/ingest.py``'s generator and ingested by ``baocao.store.ingest`` (2 workers),
with a reviewer's correction in every tenth document. Then each case runs in a fresh
process, with the current ``store/export.py`` ("SQL") and with the version before filters
went into SQL (``--before REV``, the code as committed there, "pandas"), and reports the
seconds of the call and the process's peak RSS beyond what it held before the call:

- everything: ``facts_frame(url)``;
- one document by path: ``Filters(document=[name])`` (``baocao export --document``);
- the review app's /export.csv of one document, restricted to the reviewer's places;
- one place: ``Filters(place=[...])`` (``baocao export --place``), about a fifth of the
  documents here (the corpus has five places).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest as ingest_bench  # noqa: E402  - benchmarks/ingest.py: the document generator
from _common import own_peak_rss_mb  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "baocao-bench-export"
PG_SERVER = os.environ.get("BAOCAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BEFORE = "9a92ac2^"  # the last commit whose exports filtered in pandas
CASES = ["everything", "one document (path)", "one document (review app)", "one place"]


# ── the database ─────────────────────────────────────────────────────────────────────────

def database(n: int, postgresql: bool) -> str:
    """The URL of a database of ``n`` generated documents, built on first use."""
    from sqlalchemy import create_engine, text

    from baocao.store.db import resolve_url

    if postgresql:
        name = f"baocao_export_bench_{n}"
        admin = create_engine(resolve_url(PG_SERVER), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": name}).scalar():
                c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{CACHE / f'export-{n}.db'}"
    if _documents(url) != n:
        build(url, n)
    return url


def _documents(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM documents")).scalar() or 0)
    except Exception:  # noqa: BLE001 - not built yet
        return -1
    finally:
        engine.dispose()


def build(url: str, n: int) -> None:
    from sqlalchemy import func, select

    from baocao.store.db import session_scope
    from baocao.store.ingest import ingest
    from baocao.store.models import FactRow
    from baocao.store.repository import correct_fact

    folder = ingest_bench.generate(n)
    print(f"building the database: ingest of {n} documents from {folder} …", flush=True)
    started = time.perf_counter()
    report = ingest([folder], db=url, workers=2, quiet=True)
    with session_scope(url) as session:  # a reviewer's correction in every tenth document
        firsts = select(func.min(FactRow.id)).where(FactRow.document_id % 10 == 0).group_by(
            FactRow.document_id)
        for fact in session.scalars(select(FactRow).where(FactRow.id.in_(firsts))):
            correct_fact(session, fact, "edit", {"value": (fact.value or 0) + 1},
                         actor="bench", reason="=SUM(A1)")
        session.commit()
    print(f"  {report.new} new, {report.failed} failed in {time.perf_counter() - started:.0f} s",
          flush=True)


# ── one case, in its own process ─────────────────────────────────────────────────────────

def old_module(rev: str) -> Any:
    """``store/export.py`` as committed at ``rev`` (the exports that filtered in pandas)."""
    source = subprocess.run(["git", "show", f"{rev}:store/export.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    name = "baocao_export_before"
    path = Path(tempfile.gettempdir()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pick(url: str) -> dict[str, Any]:
    """A document in the middle, and its place."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        placed = c.execute(text(
            "SELECT d.id, d.path, x.place FROM documents d JOIN versions v ON v.document_id = d.id "
            "JOIN extractions x ON x.version_id = v.id WHERE x.place IS NOT NULL "
            "AND x.is_current AND v.is_latest ORDER BY d.id")).all()
        doc_id, path, place = placed[len(placed) // 2]
    engine.dispose()
    return {"id": doc_id, "name": Path(path).name, "place": place}


def run_case(url: str, case: str, which: str, rev: str) -> dict[str, Any]:
    from sqlalchemy import text

    from baocao.store.db import session_scope

    export = old_module(rev) if which == "pandas" else importlib.import_module(
        "baocao.store.export")
    doc = pick(url)
    with session_scope(url) as session:
        session.execute(text("SELECT count(*) FROM facts"))  # warm: connected, modules loaded,
        export.typed_frame([], export.FACT_COLUMNS, export.FACT_DTYPES)  # nothing read yet
        before = own_peak_rss_mb()
        started = time.perf_counter()
        if case == "everything":
            frame = export.facts_frame(session)
        elif case == "one document (path)":
            frame = export.facts_frame(session, export.Filters(document=[doc["name"]]))
        elif case == "one place":
            frame = export.facts_frame(session, export.Filters(place=[doc["place"]]))
        elif which == "pandas":  # the review app's route as it was: everything, then pandas
            frame = export.facts_frame(session)
            frame = frame[frame["document_id"] == doc["id"]]
            frame = frame[frame["place"].isin([doc["place"]]).fillna(False).astype(bool)]
        else:
            frame = export.facts_frame(session, document_id=doc["id"], places=[doc["place"]])
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(frame), "peak_mb": own_peak_rss_mb() - before,
            "rss_mb": own_peak_rss_mb()}


def in_subprocess(url: str, case: str, which: str, rev: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", url, case, which, rev]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--postgresql", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--runs", type=int, default=3, help="runs per case (median)")
    ap.add_argument("--before", default=BEFORE, help="the commit to compare with")
    ap.add_argument("--url", help="an existing database, as it is (e.g. the 10,000 documents "
                                   "of benchmarks/dask_cluster.py --keep-db)")
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        url, case, which, rev = args.one
        print(json.dumps(run_case(url, case, which, rev)))
        return
    url = args.url or database(args.docs, args.postgresql)
    facts, docs = _count(url, "facts"), _count(url, "documents")
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"{docs} documents, {facts} facts, {_count(url, 'corrections')} corrections ({backend})"
          f"; machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':<28} {'rows':>7}  {'pandas s':>9} {'SQL s':>8} {'speed-up':>8}  "
          f"{'pandas MB':>9} {'SQL MB':>7}   (MB: peak RSS added by the call)")
    for case in CASES:
        got = {}
        for which in ("pandas", "sql"):
            runs = [in_subprocess(url, case, which, args.before) for _ in range(args.runs)]
            got[which] = {"seconds": statistics.median(r["seconds"] for r in runs),
                          "peak_mb": statistics.median(r["peak_mb"] for r in runs),
                          "rows": runs[0]["rows"]}
        assert got["pandas"]["rows"] == got["sql"]["rows"], got
        old, new = got["pandas"], got["sql"]
        print(f"{case:<28} {new['rows']:>7}  {old['seconds']:>9.2f} {new['seconds']:>8.3f} "
              f"{old['seconds'] / max(new['seconds'], 1e-6):>7.0f}x  {old['peak_mb']:>9.0f} "
              f"{new['peak_mb']:>7.0f}", flush=True)


def _count(url: str, table: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        n = int(c.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    engine.dispose()
    return n


if __name__ == "__main__":
    main()
