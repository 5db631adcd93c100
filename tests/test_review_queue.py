"""The queue (failed checks first, filters, pagination, places) and the rechecking engine
(the checks rerun by ``review.recheck.run`` are ``extractor.checks.run_checks``)."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from baocao.review.queue import PAGE_SIZE
from baocao.store.db import session_scope
from baocao.store.models import FactRow, ReviewRow
from baocao.store.repository import save_extraction
from tests.review_support import ROOT, ReviewDB, parsed, review_db  # noqa: F401

pytest_plugins = ["tests.conftest_db"]

CORPUS = sorted((ROOT / "corpus" / "seeds").glob("*.txt")) + sorted(
    (ROOT / "corpus" / "docs").glob("*"))


def rows(html: str) -> list[int]:
    return [int(d) for d in re.findall(r'<tr data-doc="(\d+)"', html)]


def failed(html: str) -> list[int]:
    cells = re.findall(r'<td class="num failed">(?:<span class="badge fail">)?(\d+)', html)
    return [int(c) for c in cells]


def test_queue_lists_failed_checks_first(review_db: ReviewDB) -> None:
    html = review_db.client("an").get("/").text
    assert sorted(rows(html)) == sorted(review_db.ids.values())
    counts = failed(html)
    assert counts == sorted(counts, reverse=True) and counts[0] >= 1
    for column in ("Loại", "Địa bàn", "Ngày", "Kỳ", "Số liệu", "Kiểm tra sai", "Trạng thái"):
        assert f"<th>{column}</th>" in html or f'<th class="num">{column}</th>' in html


def test_queue_filters(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    dak_song = {review_db.doc_id("004_1ab22aee8a00dbb0.txt"),
                review_db.doc_id("004_1ab22aee8a00dbb0.pdf")}
    assert set(rows(client.get("/?place=Đắk Song").text)) == dak_song
    assert set(rows(client.get("/?period=2023").text)) >= dak_song
    assert rows(client.get("/?period=1999").text) == []
    with session_scope(review_db.url) as session:
        indicator, doc = session.execute(select(FactRow.indicator, FactRow.document_id).where(
            FactRow.indicator.is_not(None))).first()
        session.execute(update(ReviewRow).where(ReviewRow.document_id == doc)
                        .values(state="reviewed"))
    assert doc in rows(client.get(f"/?indicator={indicator}").text)
    assert rows(client.get("/?indicator=no-such-indicator").text) == []
    assert rows(client.get("/?state=reviewed").text) == [doc]
    assert doc not in rows(client.get("/?state=unreviewed").text)


def test_queue_pagination(review_db: ReviewDB) -> None:
    doc, ex = parsed(CORPUS[0])
    with session_scope(review_db.url) as session:
        for i in range(PAGE_SIZE + 5):
            copy = ex.model_copy(deep=True)
            copy.source.sha256 = f"{i:064x}"
            save_extraction(session, copy, path=f"/archive/copy-{i}.txt",
                            extractor_version="test")
    client = review_db.client("an")
    first, second = client.get("/").text, client.get("/?page=2").text
    total = len(review_db.ids) + PAGE_SIZE + 5
    assert f"{total} văn bản" in first and len(rows(first)) == PAGE_SIZE
    assert len(rows(second)) == total - PAGE_SIZE
    assert not set(rows(first)) & set(rows(second))
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert rows(client.get("/?page=99").text) == rows(second)  # clamped to the last page
    assert client.get("/?page=0").status_code == 422


def test_queue_of_a_reviewer_limited_to_a_place(review_db: ReviewDB) -> None:
    html = review_db.client("chi").get("/").text
    assert set(rows(html)) == {review_db.doc_id("004_1ab22aee8a00dbb0.txt"),
                               review_db.doc_id("004_1ab22aee8a00dbb0.pdf")}
    assert "Bình Phước" not in html  # not even among the filter's places


