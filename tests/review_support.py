"""Fixtures of the review app tests: a database filled from the corpus, users, logged-in clients.

A test module imports ``review_db`` from here (with ``pytest_plugins = ["tests.conftest_db"]``
for ``db_url``). Documents are
parsed and extracted once per test session (cached); each test gets its own database (SQLite
file or PostgreSQL schema, from ``db_url``) filled from those in a few hundred milliseconds.
Password hashes are computed once too: argon2 is slow on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baocao.review.app import create_app
from baocao.review.auth import hash_password
from baocao.review.sources import store_document
from baocao.schemas.document import Document
from baocao.schemas.extraction import Extraction
from baocao.store.db import session_scope, upgrade
from baocao.store.models import UserRow
from baocao.store.repository import save_extraction

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus" / "seeds").glob("*.txt"))
PDF = ROOT / "corpus" / "docs" / "004_1ab22aee8a00dbb0.pdf"
PASSWORD = "mat-khau-dai-1"
SCRIPT_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Báo cáo thử</title>
<script>alert(1)</script></head><body>
<p>ỦY BAN NHÂN DÂN HUYỆN THỬ</p>
<p>BÁO CÁO Kết quả cải cách hành chính năm 2023 &lt;script&gt;alert(1)&lt;/script&gt;</p>
<p>Tổng số hồ sơ tiếp nhận 1.200 hồ sơ, trong đó đúng hạn 1.100 hồ sơ, quá hạn 100 hồ sơ.</p>
<p onclick="alert(2)">Ghi chú &lt;img src=x onerror=alert(3)&gt; 45 hồ sơ</p>
</body></html>
"""


@cache
def parsed(path: Path) -> tuple[Document, Extraction]:
    """The Document and Extraction of ``path``, once per test session."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse

    doc = parse(path)
    return doc, extract_document(doc)


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def script_file(folder: Path) -> Path:
    path = folder / "script.html"
    path.write_text(SCRIPT_HTML, encoding="utf-8")
    return path


def fill(url: str, paths: list[Path]) -> dict[str, int]:
    """Store ``paths`` (cached parses) in ``url``; file name → document id."""
    upgrade(url)
    ids = {}
    for path in paths:
        doc, ex = parsed(path)
        with session_scope(url) as session:
            saved = save_extraction(session, ex, path=str(path.resolve()),
                                    extractor_version="test", size=doc.source.size)
            store_document(session, saved.version_id, doc)
            ids[path.name] = saved.document_id
    return ids


def add_users(url: str) -> None:
    """an: admin; binh: reviewer of every place; chi: reviewer of Đắk Song only."""
    with session_scope(url) as session:
        for name, role, places in (("an", "admin", []), ("binh", "reviewer", []),
                                   ("chi", "reviewer", ["Đắk Song"])):
            session.add(UserRow(name=name, role=role, password_hash=password_hash(),
                                allowed_places=places, active=True,
                                all_places=name == "binh"))


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no csrf field on the page"
    return found[1]


def login(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post("/login", data={"csrf": csrf_of(page.text), "name": name,
                                           "password": password, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return client


@dataclass
class ReviewDB:
    """A filled database, its app and a way to get logged-in clients."""

    url: str
    ids: dict[str, int]
    app: Any
    clients: list[TestClient] = field(default_factory=list)

    def client(self, name: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="http://testserver")
        self.clients.append(client)
        return login(client, name) if name else client

    def csrf(self, client: TestClient, path: str = "/") -> str:
        return csrf_of(client.get(path).text)

    def doc_id(self, name_start: str) -> int:
        return next(v for k, v in self.ids.items() if k.startswith(name_start))


@pytest.fixture
def review_db(db_url: str, tmp_path: Path) -> Iterator[ReviewDB]:
    """Five seeds, one PDF and a hostile HTML page in a fresh database, three users."""
    ids = fill(db_url, [*SEEDS, PDF, script_file(tmp_path)])
    add_users(db_url)
    db = ReviewDB(db_url, ids, create_app(db_url))
    yield db
    for client in db.clients:
        client.close()
