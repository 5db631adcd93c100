"""Review app speed: the first open of a scanned document after ingest (issue 15, goal
< 300 ms), the document page of a 100-page report with 2,000+ facts, and the queue over 10,000
documents, on SQLite and PostgreSQL (goals, issue 6: < 300 ms and < 200 ms).

Run from the repository root:

    .venv/bin/python benchmarks/review.py              # both databases, 30 requests each
    .venv/bin/python benchmarks/review.py --db sqlite --requests 50
    .venv/bin/python benchmarks/review.py --only scan  # the scanned document's first open

Other timings of the review app, by their own scripts:

    .venv/bin/python benchmarks/review_document.py     # each action in Chromium, 475 and 2,000
                                                       # facts (a decision + next fact < 150 ms)
    .venv/bin/python benchmarks/review_queue.py        # queue sorts, search, grouping, desk pages
    .venv/bin/python benchmarks/login_flood.py         # a page while 40 clients post passwords

The first open of a scan: a corpus PDF rendered to an image-only PDF (benchmarks/ocr.py
``make_scan``, 200 dpi, no text layer) is stored by the real ``baocao ingest`` (OCR; the parsed
Document is stored with the extraction), then, for each of ``--scan-runs`` fresh app processes
(nothing cached in memory): log in, and time the first GET of the document page and the first
GET of its first page image, then the same two again (warm). Before the parsed Document was
stored at ingest, the first open OCR'd the scan again (3-15 s).

The report is built from the corpus PDFs' densest pages (by facts per page), appended with
pypdfium2 until 100 pages; it is parsed, extracted and stored as ``baocao ingest`` would,
with its parsed Document. 10,000 more documents (five corpus extractions under other names,
with their facts) are bulk-inserted for the queue. The app is served by uvicorn on 127.0.0.1
in a process of its own (as ``baocao review`` runs it: without the extractor's NLP models in
memory), and every figure is the wall time of one HTTP request from an httpx client (render
and transfer included), p50 and p95 of ``--requests`` after two warm-up requests. Also
timed: a correction (POST, checks rerun on the whole report, redirect) and a PDF page image.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import FreshPostgres, fresh_sqlite, wait_serving  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "baocao-bench-review"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
QUEUE_DOCS = 10_000
PASSWORD = "benchmark-pass"


# ── the 100-page report ──────────────────────────────────────────────────────────────────

def dense_report(pages: int = 100) -> Path:
    """A PDF of ``pages`` pages, the corpus PDF pages with the most facts, in rotation."""
    import pypdfium2 as pdfium

    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse

    out = CACHE / f"dense-{pages}.pdf"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    density: list[tuple[int, str, int]] = []
    for source in sorted((ROOT / "corpus" / "docs").glob("*.pdf")):
        facts = collections.Counter(f.location.page for f in extract_document(parse(source)).facts)
        density += [(n, str(source), page) for page, n in facts.items() if page]
    chosen = sorted(density, reverse=True)[:20]
    doc = pdfium.PdfDocument.new()
    while len(doc) < pages:
        _, name, page = chosen[len(doc) % len(chosen)]
        src = pdfium.PdfDocument(name)
        doc.import_pages(src, [page - 1])
        src.close()
    doc.save(str(out))
    doc.close()
    return out


def store_report(url: str, path: Path) -> tuple[int, int, int]:
    """Parse, extract and store the report; (document id, facts, checks)."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    from baocao.review.sources import store_document
    from baocao.store.db import session_scope
    from baocao.store.repository import save_extraction

    doc = parse(path)
    ex = extract_document(doc)
    with session_scope(url) as session:
        saved = save_extraction(session, ex, path=str(path), extractor_version="bench",
                                size=doc.source.size)
        store_document(session, saved.version_id, doc)
    return saved.document_id, len(ex.facts), len(ex.checks)


# ── 10,000 documents for the queue ───────────────────────────────────────────────────────

def fill_queue(url: str, n: int) -> None:
    """``n`` documents: the five seeds' rows under other paths and hashes, bulk-inserted."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    from baocao.store.db import session_scope
    from baocao.store.rows import prepare

    templates = [prepare(extract_document(parse(p)))
                 for p in sorted((ROOT / "corpus" / "seeds").glob("*.txt"))]
    with session_scope(url) as session:
        connection = session.connection()
        start = _max_id(connection, "documents")
        batch = []
        for i in range(n):
            batch.append((start + i + 1, templates[i % len(templates)]))
            if len(batch) == 2000 or i == n - 1:
                _insert(connection, batch)
                batch = []


def _max_id(connection: Any, table: str) -> int:
    from sqlalchemy import text

    return int(connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar())


def _insert(connection: Any, batch: list[tuple[int, Any]]) -> None:
    """Documents, versions, extractions, reviews and facts of ``batch`` (ids chosen here)."""
    from sqlalchemy import insert

    from baocao.store.models import DocumentRow, ExtractionRow, FactRow, ReviewRow, VersionRow

    places = ["Đắk Song", "Bình Phước", "Bình Thuận", "Đắk Nông", "Hòa Bình", None]
    docs, versions, extractions, reviews, facts = [], [], [], [], []
    for i, p in batch:
        docs.append({"id": i, "path": f"/archive/{i // 1000}/report-{i}.pdf"})
        versions.append({"id": i, "document_id": i, "number": 1, "sha256": f"{i:064x}",
                         "format": p.format, "size": 1000, "pages": p.pages, "is_latest": True})
        extractions.append({**p.extraction, "id": i, "version_id": i, "extractor_version": "b",
                            "is_current": True, "place": places[i % len(places)],
                            "n_checks_failed": (i * 7) % 5})
        reviews.append({"document_id": i, "state": ("unreviewed", "in_review", "reviewed")[i % 3]})
        facts += [{**f, "data": json.loads(f["data"]), "key": f"{i}-{j}", "extraction_id": i,
                   "document_id": i} for j, f in enumerate(p.facts[:10])]
    for model, rows in ((DocumentRow, docs), (VersionRow, versions),
                        (ExtractionRow, extractions), (ReviewRow, reviews), (FactRow, facts)):
        connection.execute(insert(model.__table__), rows)  # type: ignore[arg-type]


# ── timing ───────────────────────────────────────────────────────────────────────────────

def timed(client: Any, path: str, n: int) -> dict[str, float]:
    """p50 and p95 milliseconds of ``n`` GETs of ``path`` (after two warm-up requests)."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200, path
    times.sort()
    return {"p50": statistics.median(times), "p95": times[min(len(times) - 1,
                                                              int(0.95 * len(times)))],
            "bytes": len(response.content)}


def login(client: Any) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    response = client.post("/login", data={"csrf": token, "name": "bench",
                                           "password": PASSWORD})
    assert response.status_code == 200 and "Hàng đợi" in response.text


def correction_ms(client: Any, doc: int, n: int) -> dict[str, float]:
    """A correction end to end: POST (checks rerun on the whole report) and the redirect."""
    page = client.get(f"/doc/{doc}").text
    key = re.search(r'data-key="(\w+)" data-v="0" data-status="extracted" data-text="[\d.]+"'
                    r'[^>]*data-kind="count"', page)[1]  # type: ignore[index]
    token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    times, version = [], 0
    for i in range(n):
        start = time.perf_counter()
        response = client.post(f"/doc/{doc}/fact/{key}", data={
            "csrf": token, "version": str(version), "action": "correct", "value": str(7001 + i)})  # never its value
        times.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200 and "saved=" in str(response.url), response.text[:300]
        version += 1
    return {"p50": statistics.median(times), "p95": max(times)}


@contextmanager
def served(url: str) -> Iterator[str]:
    """The review app over ``url`` in a uvicorn process of its own, stopped afterwards."""

    from baocao.review.demo import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "baocao.review.app:create_app", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env={**os.environ, "BAOCAO_DB": url})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, 200)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(url: str, report: Path, requests: int) -> dict[str, Any]:
    import httpx

    from baocao.review.auth import add_user
    from baocao.store.db import session_scope, upgrade

    upgrade(url)
    doc, n_facts, n_checks = store_report(url, report)
    started = time.perf_counter()
    fill_queue(url, QUEUE_DOCS)
    fill_seconds = time.perf_counter() - started
    with session_scope(url) as session:
        add_user(session, "bench", "admin", PASSWORD)
    out: dict[str, Any] = {"facts": n_facts, "checks": n_checks, "fill_s": fill_seconds}
    with served(url) as base, httpx.Client(base_url=base, timeout=60,
                                           follow_redirects=True) as client:
        login(client)
        assert client.get("/").status_code == 200 and client.get(f"/doc/{doc + 1}").status_code
        start = time.perf_counter()
        assert client.get(f"/doc/{doc}").status_code == 200
        first = 1000 * (time.perf_counter() - start)
        out["document_first"] = {"p50": first, "p95": first}
        out["document"] = timed(client, f"/doc/{doc}", requests)
        out["queue"] = timed(client, "/", requests)
        out["queue_page_150"] = timed(client, "/?page=150", requests)
        out["queue_filtered"] = timed(client, "/?place=Đắk Song&state=unreviewed&period=2023",
                                      requests)
        out["page_image"] = timed(client, f"/doc/{doc}/page/37", requests)
        out["correction"] = correction_ms(client, doc, max(3, requests // 6))
    return out




# ── the first open of a scanned document after ingest ────────────────────────────────────

SCAN_SOURCE = ROOT / "corpus" / "docs" / "004_1ab22aee8a00dbb0.pdf"


def scan_pdf() -> Path:
    """An image-only PDF of a corpus PDF (no text layer: every page needs OCR), made once."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ocr import make_scan

    out = CACHE / f"scan-{SCAN_SOURCE.name}"
    if not out.exists():
        make_scan(SCAN_SOURCE, out)
    return out


def ingest_scan(url: str, scan: Path) -> tuple[int, float, int]:
    """``baocao ingest`` of the scan into ``url``; (document id, seconds, facts)."""
    from sqlalchemy import func, select

    from baocao.store.db import session_scope
    from baocao.store.models import DocumentRow, FactRow, ParsedDocumentRow

    exe = Path(sys.executable).with_name("baocao")
    command = [str(exe)] if exe.is_file() else [sys.executable, "-m", "baocao.cli"]
    start = time.perf_counter()
    subprocess.run([*command, "ingest", str(scan), "--db", url, "--workers", "0", "--quiet"],
                   check=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    with session_scope(url) as session:
        doc = session.scalar(select(DocumentRow.id).where(DocumentRow.path == str(scan)))
        facts = session.scalar(select(func.count()).select_from(FactRow).where(
            FactRow.document_id == doc)) or 0
        stored = session.scalar(select(func.count()).select_from(ParsedDocumentRow)) or 0
    assert doc is not None and stored, "the scan was not stored with its parsed Document"
    return int(doc), seconds, int(facts)


def once_ms(client: Any, path: str, kind: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    ms = 1000 * (time.perf_counter() - start)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["content-type"].startswith(kind), response.headers["content-type"]
    return ms


def measure_scan(url: str, runs: int) -> dict[str, Any]:
    """The scan ingested, then ``runs`` fresh app processes: first and warm opens."""
    import httpx

    from baocao.review.auth import add_user
    from baocao.store.db import session_scope, upgrade

    upgrade(url)
    doc, ingest_s, facts = ingest_scan(url, scan_pdf())
    with session_scope(url) as session:
        add_user(session, "bench", "admin", PASSWORD)
    out: dict[str, Any] = {"ingest_s": ingest_s, "facts": facts,
                           "first": [], "image_first": [], "warm": [], "image_warm": []}
    for _ in range(runs):
        with served(url) as base, httpx.Client(base_url=base, timeout=120,
                                               follow_redirects=True) as client:
            login(client)
            out["first"].append(once_ms(client, f"/doc/{doc}", "text/html"))
            out["image_first"].append(once_ms(client, f"/doc/{doc}/page/1", "image/"))
            out["warm"].append(once_ms(client, f"/doc/{doc}", "text/html"))
            out["image_warm"].append(once_ms(client, f"/doc/{doc}/page/1", "image/"))
    return out


def report_scan(name: str, r: dict[str, Any]) -> None:
    print(f"\n{name}: scan of {SCAN_SOURCE.name} (image-only PDF, 200 dpi), {r['facts']} facts; "
          f"baocao ingest (OCR) {r['ingest_s']:.1f} s; {len(r['first'])} fresh app processes")
    print(f"  {'request':<52} {'median ms':>9} {'max ms':>8}  goal")
    for key, label, goal in (
            ("first", "document page, first open after ingest", "< 300 ms"),
            ("image_first", "its page 1 image, first request", "< 300 ms"),
            ("warm", "document page again", ""),
            ("image_warm", "page 1 image again", "")):
        times = r[key]
        print(f"  {label:<52} {statistics.median(times):9.1f} {max(times):8.1f}  {goal}")


def report(name: str, r: dict[str, Any]) -> None:
    print(f"\n{name}: report of 100 pages, {r['facts']:,} facts, {r['checks']} checks; "
          f"queue of {QUEUE_DOCS + 1:,} documents (filled in {r['fill_s']:.1f} s)")
    print(f"  {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7}  goal")
    goals = {"document_first": "< 300 ms", "document": "< 300 ms", "queue": "< 200 ms"}
    labels = {"document_first": "document page, its first view (nothing cached)",
              "document": "document page (100 pages, all facts)",
              "queue": "queue, first page (default sort)",
              "queue_page_150": "queue, page 150",
              "queue_filtered": "queue, filtered (place, state, period)",
              "page_image": "PDF page image (cached after the first)",
              "correction": "correction: POST + rerun checks + redirect"}
    for key, label in labels.items():
        t = r[key]
        size = f"{t['bytes'] / 1024:7.0f}" if "bytes" in t else " " * 7
        print(f"  {label:<44} {t['p50']:8.1f} {t['p95']:8.1f} {size}  {goals.get(key, '')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", choices=("all", "scan", "pages"), default="all",
                        help="scan: the scanned document's first open; pages: the 100-page "
                             "report and the queue")
    parser.add_argument("--scan-runs", type=int, default=5,
                        help="fresh app processes for the scan's first open")
    args = parser.parse_args()
    print(f"load average before: {load()} ({os.cpu_count()} cores); other work on the "
          "machine shows in the p95")
    print("per-action times in the browser: benchmarks/review_document.py; queue and desk "
          "pages: benchmarks/review_queue.py")
    sqlite, postgres = args.db in ("sqlite", "both"), args.db in ("postgresql", "both")
    if args.only in ("all", "scan"):
        if sqlite:
            report_scan("SQLite", measure_scan(fresh_sqlite(CACHE, "scan.db"), args.scan_runs))
        if postgres:
            with FreshPostgres(PG_SERVER, "baocao_bench_scan") as url:
                report_scan("PostgreSQL", measure_scan(url, args.scan_runs))
    if args.only in ("all", "pages"):
        path = dense_report()
        if sqlite:
            report("SQLite", measure(fresh_sqlite(CACHE, "review.db"), path, args.requests))
        if postgres:
            with FreshPostgres(PG_SERVER, "baocao_bench_review") as url:
                report("PostgreSQL", measure(url, path, args.requests))
    print(f"\nload average after: {load()}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
