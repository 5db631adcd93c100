"""The queue: reports grouped with their renderings, sorts (state first by default, failed
checks, date, place, last change), search, filters, pagination, places, progress, and counts
that follow a re-ingest at once; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from baocao.review.queue import PAGE_SIZE
from baocao.store.db import session_scope
from baocao.store.models import CorrectionRow, FactRow, ReviewRow
from baocao.store.repository import correct_fact, save_extraction
from tests.review_support import ROOT, ReviewDB, parsed, review_db  # noqa: F401

pytest_plugins = ["tests.conftest_db"]

CORPUS = sorted((ROOT / "corpus" / "seeds").glob("*.txt")) + sorted(
    (ROOT / "corpus" / "docs").glob("*"))
TXT, PDF = "004_1ab22aee8a00dbb0.txt", "004_1ab22aee8a00dbb0.pdf"


def rows(html: str) -> list[int]:
    """The lead document of each row, in order."""
    return [int(d) for d in re.findall(r'<tr data-doc="(\d+)"', html)]


def documents(html: str) -> set[int]:
    """Every document listed: rows and the renderings grouped under them."""
    return set(rows(html)) | {int(d) for d in re.findall(r'data-rendering="(\d+)"', html)}


def failed(html: str) -> list[int]:
    cells = re.findall(r'<td class="num failed">(?:<span class="badge fail">)?(\d+)', html)
    return [int(c) for c in cells]


def states(html: str) -> list[str]:
    return re.findall(r'<td><span class="state st-\w+" data-state="(\w+)"', html)


def set_state(db: ReviewDB, doc: int, state: str) -> None:
    with session_scope(db.url) as session:
        if session.get(ReviewRow, doc) is None:
            session.add(ReviewRow(document_id=doc, state=state))
        else:
            session.execute(update(ReviewRow).where(ReviewRow.document_id == doc)
                            .values(state=state))


def test_queue_groups_the_renderings_of_one_report(review_db: ReviewDB) -> None:
    html = review_db.client("an").get("/").text
    assert documents(html) == set(review_db.ids.values())
    txt, pdf = review_db.doc_id(TXT), review_db.doc_id(PDF)
    assert len(rows(html)) == len(review_db.ids) - 1        # .txt and .pdf: one row
    lead = min(txt, pdf)
    row = re.search(rf'<tr data-doc="{lead}".*?</tr>', html, re.S)[0]
    assert f'data-rendering="{txt}"' in row and f'data-rendering="{pdf}"' in row
    assert ">PDF</a>" in row and ">văn bản thô</a>" in row
    assert f"{len(review_db.ids) - 1} báo cáo ({len(review_db.ids)} tệp)" in html
    for column in ("Loại", "Địa bàn", "Ngày", "Kỳ", "Số liệu", "Đã quyết định", "Kiểm tra sai",
                   "Trạng thái", "Thay đổi gần nhất"):
        assert f"<th>{column}</th>" in html or f'<th class="num">{column}</th>' in html
    # Vietnamese states, never the codes, in the cells and the state filter
    assert "chưa rà soát" in html and ">unreviewed<" not in html
    # a report whose number differs is not grouped: same title, another date
    doc, ex = parsed(ROOT / "corpus" / "seeds" / TXT)
    copy = ex.model_copy(deep=True)
    copy.source.sha256 = "e" * 64
    copy.meta.date.value = "2022"  # type: ignore[union-attr]
    with session_scope(review_db.url) as session:
        other = save_extraction(session, copy, path="/archive/2022.txt",
                                extractor_version="test").document_id
    html = review_db.client("an").get("/").text
    assert other in rows(html) and len(rows(html)) == len(review_db.ids)


def test_queue_sorts_needs_review_first_and_reviewed_last(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    first = rows(client.get("/").text)
    # default: by state, then failed checks
    needs, done = first[-1], first[0]
    set_state(review_db, needs, "needs_review")
    set_state(review_db, done, "reviewed")
    html = client.get("/").text
    assert rows(html)[0] == needs and rows(html)[-1] == done
    assert states(html)[0] == "needs_review" and states(html)[-1] == "reviewed"
    assert "cần rà soát lại" in html and "đã rà soát" in html
    # failed checks: descending whatever the state
    counts = failed(client.get("/?sort=failed").text)
    assert counts == sorted(counts, reverse=True) and counts[0] >= 1
    # place: A→Z, documents without one, or with an implausible one, last
    doc, ex = parsed(ROOT / "corpus" / "seeds" / "000_823effeef226c2f0.txt")
    copy = ex.model_copy(deep=True)
    copy.source.sha256, copy.meta.place = "a" * 64, "Số: 191/CĐ-TTg Hà Nội"
    copy.meta.title = "Công điện"
    with session_scope(review_db.url) as session:
        ocr = save_extraction(session, copy, path="/archive/ocr.pdf",
                              extractor_version="test").document_id
    html = client.get("/?sort=place").text
    order = rows(html)
    dak_song = next(i for i, d in enumerate(order) if d in {review_db.doc_id(TXT),
                                                           review_db.doc_id(PDF)})
    assert order.index(ocr) > dak_song
    places = re.findall(r'<tr data-doc.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>', html, re.S)
    named = [p for p in places if "chưa rõ" not in p]
    assert named == sorted(named) and places[:len(named)] == named
    assert places.index("Bình Phước") < places.index("Đắk Song")
    # date: newest first
    dates = re.findall(r'<tr data-doc.*?(?:</td>\s*<td[^>]*>.*?){2}</td>\s*<td>([\d-]*)</td>',
                       client.get("/?sort=date").text, re.S)
    known = [d for d in dates if d]
    assert known == sorted(known, reverse=True) and dates[:len(known)] == known
    # last change: the document changed last is first
    with session_scope(review_db.url) as session:
        session.execute(update(ReviewRow).where(ReviewRow.document_id == needs).values(
            updated_at=datetime.now(UTC) + timedelta(minutes=5)))
    assert rows(client.get("/?sort=changed").text)[0] == needs
    assert client.get("/?sort=nonsense").status_code == 200   # unknown sort: the default


def test_queue_search(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    txt, pdf = review_db.doc_id(TXT), review_db.doc_id(PDF)
    assert documents(client.get("/?q=BC-NV").text) == {txt, pdf}           # symbol
    assert documents(client.get("/?q=script.html").text) == {review_db.doc_id("script")}
    assert documents(client.get("/?q=sơ kết 9 tháng").text) == {txt, pdf}  # title words
    assert documents(client.get("/?q=bc-nv").text) == {txt, pdf}            # any case
    assert rows(client.get("/?q=không-có-văn-bản-nào").text) == []
    assert rows(client.get("/?q=%25").text) == []                          # % is a character
    page = client.get("/?q=BC-NV&sort=place")
    assert page.status_code == 200 and 'value="BC-NV"' in page.text


def test_queue_filters(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    dak_song = {review_db.doc_id(TXT), review_db.doc_id(PDF)}
    assert documents(client.get("/?place=Đắk Song").text) == dak_song
    assert documents(client.get("/?period=2023").text) >= dak_song
    assert rows(client.get("/?period=1999").text) == []
    with session_scope(review_db.url) as session:
        indicator, doc = session.execute(select(FactRow.indicator, FactRow.document_id).where(
            FactRow.indicator.is_not(None))).first()
    set_state(review_db, doc, "reviewed")
    assert doc in documents(client.get(f"/?indicator={indicator}").text)
    assert rows(client.get("/?indicator=no-such-indicator").text) == []
    assert documents(client.get("/?state=reviewed").text) == {doc}
    assert doc not in documents(client.get("/?state=unreviewed").text)


def test_queue_pagination(review_db: ReviewDB) -> None:
    doc, ex = parsed(CORPUS[0])
    with session_scope(review_db.url) as session:
        for i in range(PAGE_SIZE + 5):
            copy = ex.model_copy(deep=True)
            copy.source.sha256 = f"{i:064x}"
            copy.meta.title = f"Bản sao {i}"   # another report each: not grouped
            save_extraction(session, copy, path=f"/archive/copy-{i}.txt",
                            extractor_version="test")
    client = review_db.client("an")
    first, second = client.get("/").text, client.get("/?page=2").text
    total = len(review_db.ids) - 1 + PAGE_SIZE + 5
    assert f"{total} báo cáo" in first and len(rows(first)) == PAGE_SIZE
    assert len(rows(second)) == total - PAGE_SIZE
    assert not set(rows(first)) & set(rows(second))
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert rows(client.get("/?page=99").text) == rows(second)  # clamped to the last page
    assert client.get("/?page=0").status_code == 422


def test_queue_of_a_reviewer_limited_to_a_place(review_db: ReviewDB) -> None:
    html = review_db.client("chi").get("/").text
    assert documents(html) == {review_db.doc_id(TXT), review_db.doc_id(PDF)}
    assert "Bình Phước" not in html  # not even among the filter's places


def test_queue_counts_follow_a_reingest_at_once(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    before = client.get("/").text
    assert "Gia Lai" not in before
    doc, ex = parsed(CORPUS[0])
    copy = ex.model_copy(deep=True)
    copy.source.sha256 = "d" * 64
    copy.meta.place, copy.meta.title = "Gia Lai", "Báo cáo mới nhập"
    with session_scope(review_db.url) as session:
        new = save_extraction(session, copy, path="/archive/new.txt",
                              extractor_version="test").document_id
    after = client.get("/").text            # no wait for a cache to expire
    assert new in rows(after) and '<option value="Gia Lai">' in after
    assert f"{len(review_db.ids)} báo cáo ({len(review_db.ids) + 1} tệp)" in after


def test_queue_shows_progress_of_decided_facts(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("001")
    client = review_db.client("an")
    cell = rf'<tr data-doc="{doc}".*?<td class="num progress" data-decided="(\d+)" ' \
           r'data-facts="(\d+)">'
    decided, facts = re.search(cell, client.get("/").text, re.S).groups()
    assert decided == "0" and int(facts) >= 3
    with session_scope(review_db.url) as session:
        x_facts = list(session.scalars(select(FactRow).where(FactRow.document_id == doc)
                                       .order_by(FactRow.id).limit(3)))
        correct_fact(session, x_facts[0], "confirm", actor="an")
        correct_fact(session, x_facts[1], "reject", actor="an")
        correct_fact(session, x_facts[2], "edit", {"label": "nhãn sửa"}, actor="an")
        # a correction of a fact no longer extracted is not counted
        session.add(CorrectionRow(document_id=doc, fact_key="0" * 40, action="confirm"))
    decided, facts = re.search(cell, client.get("/").text, re.S).groups()
    assert decided == "3"
