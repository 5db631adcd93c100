"""The queue's speed over 10,000 documents (issue 15, item 14): sorts, search, grouping of
renderings, a reviewer's visibility rule (places, assignments, corrected places), and the
admins' unplaced view, second review and statistics pages, on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/review_queue.py                 # both databases
    .venv/bin/python benchmarks/review_queue.py --db sqlite --requests 20

10,000 documents are bulk-inserted as in ``benchmarks/review.py`` (five seed extractions
under other names, six places one of them none, ten facts each); every title is made unique
but one in 50 documents, which gets a twin (another path, same number, date and title:
one report, two renderings). 200 metadata corrections move unplaced documents to a place,
100 documents are assigned to the reviewer, 500 facts are corrected. Each figure is the
wall time of one request through the app in process (Starlette's TestClient: routing,
queries, rendering; no network), p50 and p95 of ``--requests`` after two warm-up requests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import FreshPostgres, fresh_sqlite  # noqa: E402

from review import fill_queue, timed  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
DOCS = 10_000
PASSWORD = "benchmark-pass"
PATHS = {"queue": "/", "queue, page 100": "/?page=100",
         "sort by failed checks": "/?sort=failed", "sort by date": "/?sort=date",
         "sort by place": "/?sort=place", "sort by last change": "/?sort=changed",
         "search 'report-77'": "/?q=report-77", "filtered (place, state)":
         "/?place=B%C3%ACnh%20Ph%C6%B0%E1%BB%9Bc&state=unreviewed",
         "unplaced (admin)": "/admin/unplaced", "second review": "/review/second",
         "stats (admin)": "/admin/stats"}


def prepare(url: str) -> None:
    from sqlalchemy import select, text

    from baocao.review.auth import hash_password
    from baocao.store.db import session_scope, upgrade
    from baocao.store.models import (
        AssignmentRow,
        DocumentEditRow,
        ExtractionRow,
        FactRow,
        UserRow,
    )
    from baocao.store.repository import correct_fact

    upgrade(url)
    fill_queue(url, DOCS)
    with session_scope(url) as session:
        session.execute(text("UPDATE extractions SET title = "
                             "COALESCE(title, 'Văn bản') || ' ' || CAST(id / 2 AS VARCHAR) "
                             "WHERE id % 50 = 0 OR id % 50 = 1"))
        session.execute(text("UPDATE extractions SET title = "
                             "COALESCE(title, 'Văn bản') || ' #' || CAST(id AS VARCHAR) "
                             "WHERE id % 50 > 1"))
        hashed = hash_password(PASSWORD)
        admin = UserRow(name="admin", role="admin", password_hash=hashed, all_places=True)
        reviewer = UserRow(name="reviewer", role="reviewer", password_hash=hashed,
                           allowed_places=["Đắk Song"])
        session.add_all([admin, reviewer])
        session.flush()
        unplaced = list(session.scalars(select(ExtractionRow.id).where(
            ExtractionRow.place.is_(None)).limit(300)))
        for i in unplaced[:200]:
            session.add(DocumentEditRow(document_id=i, fields=["place"], place="Đắk Song"))
        for i in unplaced[200:]:
            session.add(AssignmentRow(document_id=i, user_id=reviewer.id))
        for fact in session.scalars(select(FactRow).where(FactRow.document_id <= 100)
                                    .order_by(FactRow.id).limit(500)):
            correct_fact(session, fact, "edit", {"label": "sửa"}, actor="admin",
                         user_id=admin.id)


def measure(url: str, requests: int) -> dict[str, dict[str, float]]:
    import re

    from fastapi.testclient import TestClient

    from baocao.review.app import create_app

    start = time.perf_counter()
    prepare(url)
    print(f"  filled in {time.perf_counter() - start:.1f} s")
    app = create_app(url)
    out = {}
    for name in ("admin", "reviewer"):
        with TestClient(app) as client:
            page = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
            client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD,
                                        "next": "/"})
            for label, path in PATHS.items():
                if name == "reviewer" and path.startswith("/admin"):
                    continue
                out[f"{name}: {label}"] = timed(client, path, requests)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    runs = []
    if args.db in ("sqlite", "both"):
        runs.append(("SQLite", lambda: _sqlite(args.requests)))
    if args.db in ("postgresql", "both"):
        runs.append(("PostgreSQL", lambda: _postgres(args.requests)))
    for name, run in runs:
        print(f"{name}: queue of {DOCS:,} documents")
        for label, t in run().items():
            print(f"  {label:<40} p50 {t['p50']:7.1f} ms   p95 {t['p95']:7.1f} ms")


def _sqlite(requests: int) -> dict[str, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix="baocao-bench-queue-"))
    return measure(fresh_sqlite(folder, "queue.db"), requests)


def _postgres(requests: int) -> dict[str, dict[str, float]]:
    with FreshPostgres(PG_SERVER, "baocao_bench_queue") as url:
        return measure(url, requests)


if __name__ == "__main__":
    main()
