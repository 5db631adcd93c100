"""The parsed Document is stored by ingest, so the review app never parses a file to show it
(issue 15, item 3); a version stored without it is parsed in a child process, holding no lock
another request needs; a source found missing is looked for again later (item 15).

SQLite and PostgreSQL (``db_url``); a scan (OCR), a ``.doc`` (LibreOffice) and a PDF ingested
with ``baocao ingest``, the app served by uvicorn in a thread for the concurrency test.
"""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text

from baocao.cli import main
from baocao.review.app import create_app
from baocao.review.demo import Server
from baocao.review.sources import ParseJob, parse_job
from baocao.store.db import session_scope
from baocao.store.models import (
    DocumentRow,
    ExtractionRow,
    ParsedDocumentRow,
    VersionRow,
)
from baocao.store.rows import decode_document
from tests.conftest import CORPUS, SEEDS
from tests.review_support import PDF, add_users, fill, login

pytest_plugins = ["tests.conftest_db"]

PDF_WITH_TABLES = CORPUS / "docs" / "001_422e18ebd3f30e83.pdf"
DOCX_WITH_TABLES = CORPUS / "docs" / "001_422e18ebd3f30e83.docx"
TO_SCAN = CORPUS / "docs" / "000_823effeef226c2f0.pdf"


@pytest.fixture(scope="module")
def slow_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A PDF with tables, an image-only scan of another, a Word 97 ``.doc`` with tables."""
    from tests.test_doc import to_doc
    from tests.test_ocr import make_scan, need_tesseract

    need_tesseract()
    folder = tmp_path_factory.mktemp("formats")
    scan = make_scan(TO_SCAN, folder / "scan.pdf")
    doc = to_doc(DOCX_WITH_TABLES, folder)
    return {"pdf": PDF_WITH_TABLES, "scan": scan, "doc": doc}


def stored_documents(url: str) -> dict[str, tuple[int, Any, str]]:
    """path → (document id, its decoded parsed Document, its current extraction's text)."""
    out = {}
    with session_scope(url) as session:
        rows = session.execute(
            select(DocumentRow.path, DocumentRow.id, ParsedDocumentRow.data, ExtractionRow.text,
                   VersionRow.sha256)
            .join(VersionRow, VersionRow.document_id == DocumentRow.id)
            .join(ParsedDocumentRow, ParsedDocumentRow.version_id == VersionRow.id)
            .join(ExtractionRow, ExtractionRow.version_id == VersionRow.id))
        for path, document_id, data, extraction_text, sha256 in rows:
            doc = decode_document(data)
            assert doc.source.sha256 == sha256 and doc.source.path == path
            out[path] = (document_id, doc, extraction_text)
    return out


def test_ingest_stores_the_document_and_the_first_open_needs_no_source(
        db_url: str, slow_formats: dict[str, Path], tmp_path: Path) -> None:
    """After ``baocao ingest`` (pool workers) every version has its parsed Document; with the
    sources deleted, each document page still draws its tables and page boxes from it."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, path in slow_formats.items():
        shutil.copy(path, inputs / f"{name}{path.suffix}")
    with zipfile.ZipFile(inputs / "archive.zip", "w") as archive:
        archive.write(SEEDS[1], "nested/report.txt")  # a seed with a table
    result = CliRunner().invoke(main, ["ingest", str(inputs), "--db", db_url, "--workers", "1",
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    stored = stored_documents(db_url)
    names = {Path(p.split("!")[0]).name for p in stored}
    assert names == {"pdf.pdf", "scan.pdf", "doc.doc", "archive.zip"}, stored.keys()
    for stored_path, (_, doc, extraction_text) in stored.items():
        assert doc.text == extraction_text, stored_path
    by_name = {Path(p.split("!")[0]).name: v for p, v in stored.items()}
    assert by_name["scan.pdf"][1].source.format.value == "pdf"
    assert by_name["scan.pdf"][1].blocks and all(
        b.origin == "ocr" for b in by_name["scan.pdf"][1].blocks if b.span[1] > b.span[0])
    assert by_name["doc.doc"][1].source.format.value == "doc"

    shutil.rmtree(inputs)  # nothing left to parse: what the pages show comes from the database
    add_users(db_url)
    with TestClient(create_app(db_url)) as client:
        login(client, "an")
        for name, (document_id, doc, _) in by_name.items():
            page = client.get(f"/doc/{document_id}")
            assert page.status_code == 200, name
            assert 'id="missing"' not in page.text, name
            if any(b.table is not None for b in doc.blocks):
                assert '<table class="doc-table">' in page.text, name
            if name.endswith(".pdf"):
                assert 'data-bbox="' in page.text, name
        assert {n for n, (_, d, _) in by_name.items()
                if any(b.table is not None for b in d.blocks)} >= {"pdf.pdf", "doc.doc",
                                                                   "archive.zip"}


def test_a_reingest_with_a_new_extractor_replaces_the_stored_document(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.store.ingest import ingest

    seed = tmp_path / "seed.txt"
    shutil.copy(SEEDS[1], seed)
    ingest([seed], db=db_url, workers=0, quiet=True)
    with session_scope(db_url) as session:
        session.execute(text("UPDATE parsed_documents SET schema_version = 'old'"))
    report = ingest([seed], db=db_url, workers=0, quiet=True, reprocess=True)
    assert report.new == 1
    with session_scope(db_url) as session:
        rows = session.execute(select(ParsedDocumentRow.schema_version)).scalars().all()
        extractions = session.scalar(select(func.count()).select_from(ExtractionRow))
    assert extractions == 2 and len(rows) == 1 and rows[0] != "old"


# ── a version without its Document: parsed in a child process, no lock held ─────────────

def slow_parse_job(job: ParseJob) -> dict[str, Any]:
    """In the child process: say it started, count the parse, wait for ``PATH.go``, parse."""
    path = Path(job.path)
    with open(f"{path}.count", "a") as count:
        count.write("parse\n")
    Path(f"{path}.started").touch()
    deadline = time.monotonic() + 120
    while not Path(f"{path}.go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return parse_job(job)


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, int], str]]:
    """The app in uvicorn over a PDF (Document stored) and a seed copied to ``tmp_path`` whose
    stored Document is deleted, as if ingested before ingest stored them."""
    seed = tmp_path / "seed.txt"
    shutil.copy(SEEDS[1], seed)
    ids = fill(db_url, [PDF, seed])
    add_users(db_url)
    with session_scope(db_url) as session:
        version = session.scalar(select(VersionRow.id).where(
            VersionRow.document_id == ids["seed.txt"]))
        session.execute(delete(ParsedDocumentRow).where(ParsedDocumentRow.version_id == version))
    app = create_app(db_url)
    app.state.sources.parse_function = slow_parse_job
    with Server(app) as base:
        yield base, ids, db_url


@contextmanager
def logged_in(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=120) as client:
        login(client, "an")  # type: ignore[arg-type]
        yield client


def test_page_images_are_served_while_another_document_is_parsed(
        served: tuple[str, dict[str, int], str], tmp_path: Path) -> None:
    base, ids, url = served
    seed, pdf = ids["seed.txt"], ids[PDF.name]
    outcomes: dict[str, httpx.Response] = {}

    def open_seed(name: str) -> None:
        with logged_in(base) as client:
            outcomes[name] = client.get(f"/doc/{seed}")

    first = threading.Thread(target=open_seed, args=("first",))
    first.start()
    started = tmp_path / "seed.txt.started"
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline:
        assert first.is_alive(), outcomes
        time.sleep(0.02)
    assert started.exists(), "the parse never started"
    second = threading.Thread(target=open_seed, args=("second",))  # waits for the same parse
    second.start()

    with logged_in(base) as client:  # meanwhile, other documents are served in full
        image = client.get(f"/doc/{pdf}/page/2")
        other = client.get(f"/doc/{pdf}")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert other.status_code == 200 and 'data-bbox="' in other.text
    assert first.is_alive() and "first" not in outcomes, "the parse was not in progress"

    (tmp_path / "seed.txt.go").touch()
    first.join(timeout=120)
    second.join(timeout=120)
    for name in ("first", "second"):
        page = outcomes[name]
        assert page.status_code == 200 and 'id="missing"' not in page.text, name
        assert '<table class="doc-table">' in page.text, name
    assert (tmp_path / "seed.txt.count").read_text() == "parse\n"  # one parse for both
    assert str((tmp_path / "seed.txt").resolve()) in stored_documents(url)  # kept for the next open


def test_a_missing_source_is_found_again_without_a_restart(db_url: str, tmp_path: Path) -> None:
    seed, pdf = tmp_path / "seed.txt", tmp_path / "report.pdf"
    shutil.copy(SEEDS[1], seed)
    shutil.copy(PDF, pdf)
    ids = fill(db_url, [seed, pdf])
    add_users(db_url)
    with session_scope(db_url) as session:
        session.execute(delete(ParsedDocumentRow))
    now = [1000.0]
    app = create_app(db_url)
    app.state.sources.clock = lambda: now[0]
    away = tmp_path / "away"
    away.mkdir()
    with TestClient(app) as client:
        login(client, "an")
        shutil.move(seed, away / seed.name)
        shutil.move(pdf, away / pdf.name)
        page = client.get(f"/doc/{ids['seed.txt']}").text
        assert 'id="missing"' in page and "not on this machine" in page
        assert client.get(f"/doc/{ids['report.pdf']}/page/1").status_code == 404

        shutil.move(away / seed.name, seed)  # the share is back
        shutil.move(away / pdf.name, pdf)
        assert client.get(f"/doc/{ids['report.pdf']}/page/1").status_code == 200
        now[0] += app.state.sources.retry_seconds - 1  # still remembered as missing
        assert 'id="missing"' in client.get(f"/doc/{ids['seed.txt']}").text
        now[0] += 1
        page = client.get(f"/doc/{ids['seed.txt']}").text
        assert 'id="missing"' not in page and '<table class="doc-table">' in page
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(ParsedDocumentRow)) == 1
