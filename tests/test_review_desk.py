"""The reviewer's desk beyond one document's facts, through the app on SQLite and PostgreSQL:
documents without a plausible place (admins), metadata corrections (audited, optimistic lock,
checked), assignments, one visibility rule for lists and pages, flags of a re-ingest (apply
again, drop), per-reviewer statistics and the second review with its agreement rate."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from baocao.review.access import (
    canonical_place,
    effective_meta,
    may_see_document,
    plausible_place,
)
from baocao.review.auth import Principal
from baocao.review.sources import current
from baocao.review.words import label, words
from baocao.store.db import session_scope
from baocao.store.models import (
    REVIEW_STATES,
    AuditRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    ReviewRow,
    SecondReviewRow,
    UserRow,
)
from baocao.store.repository import correct_fact, save_extraction
from tests.review_support import (  # noqa: F401
    ROOT,
    ReviewDB,
    csrf_of,
    parsed,
    password_hash,
    review_db,
)

pytest_plugins = ["tests.conftest_db"]

SEED = ROOT / "corpus" / "seeds"


def rows(html: str) -> set[int]:
    return {int(d) for d in re.findall(r'data-(?:doc|rendering)="(\d+)"', html)}


def principal(db: ReviewDB, name: str) -> Principal:
    with session_scope(db.url) as session:
        u = session.scalar(select(UserRow).where(UserRow.name == name))
        return Principal(u.id, u.name, u.role, tuple(u.allowed_places or ()),
                         all_places=bool(u.all_places))


def ocr_placed(db: ReviewDB) -> int:
    """A document whose place OCR read as the number line ("Số: 191/CĐ-TTg Hà Nội")."""
    doc, ex = parsed(SEED / "001_422e18ebd3f30e83.txt")
    copy = ex.model_copy(deep=True)
    copy.source.sha256 = "c" * 64
    copy.meta.place, copy.meta.title = "Số: 191/CĐ-TTg Hà Nội", "Công điện về phòng chống bão"
    with session_scope(db.url) as session:
        return save_extraction(session, copy, path="/archive/cong-dien.pdf",
                               extractor_version="test").document_id


def meta_form(client: Any, doc: int) -> dict[str, str]:
    html = client.get(f"/doc/{doc}/meta").text
    form = {"csrf": csrf_of(html), "version": re.search(r'name="version" value="(\d+)"', html)[1]}
    for name in ("place", "doc_type", "number", "date_value"):
        form[name] = re.search(rf'id="m-{name}" value="([^"]*)"', html)[1]
    form["title"] = re.search(r'id="m-title"[^>]*>([^<]*)</textarea>', html)[1]
    return form


# ── places, vocabulary ─────────────────────────────────────────────────────────────────

def test_known_places_and_words() -> None:
    assert canonical_place("dak song") == "Đắk Song" and canonical_place("  Gia   lai ") == "Gia Lai"
    assert canonical_place("Dak Songg") is None and canonical_place("") is None
    assert plausible_place("Hà Nội") and not plausible_place("Số: 191/CĐ-TTg Hà Nội")
    assert not plausible_place(None)
    for state in REVIEW_STATES:
        assert label("state", state) != state
    for code in ("edit", "reject", "add", "confirm"):
        assert label("correction", code) != code
    for code in ("pass", "fail", "unverifiable"):
        assert label("check", code) != code
    for code in ("correction.edit", "correction.reject", "correction.confirm", "correction.add",
                 "correction.accept", "correction.correct", "checks.rerun", "review.state",
                 "review.reviewed", "flag", "flag.apply", "flag.drop", "document.edit",
                 "assignment.add", "assignment.remove", "review.second", "user.add"):
        assert label("audit", code) != code, code
    assert words()["version"] == 1


# ── unplaced documents, metadata, assignment, visibility ───────────────────────────────

def test_unplaced_view_lists_documents_without_a_plausible_place(review_db: ReviewDB) -> None:
    ocr = ocr_placed(review_db)
    html = review_db.client("an").get("/admin/unplaced").text
    unplaced = {review_db.doc_id(n) for n in ("000", "002", "003", "script")} | {ocr}
    assert rows(html) == unplaced
    assert "Số: 191/CĐ-TTg Hà Nội" in html and "chưa rõ địa bàn" in html
    for name in ("binh", "chi"):
        page = review_db.client(name).get("/admin/unplaced")
        assert page.status_code == 403 and "Số: 191" not in page.text
    # the queue says "chưa rõ địa bàn" for it too, not the OCR'd text as a place
    queue = review_db.client("an").get("/?q=cong-dien").text
    assert rows(queue) == {ocr} and "chưa rõ địa bàn" in queue


def test_metadata_correction_moves_the_document_to_a_place(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("000")
    an, chi = review_db.client("an"), review_db.client("chi")
    assert doc not in rows(chi.get("/").text)
    assert chi.get(f"/doc/{doc}/meta").status_code == 404      # as if it did not exist
    form = meta_form(an, doc)
    assert form["version"] == "0"
    saved = an.post(f"/doc/{doc}/meta", data={**form, "place": "dak song",
                                              "date_value": "30/6/2024",
                                              "reason": "địa bàn ghi ở cuối văn bản"},
                    follow_redirects=False)
    assert saved.status_code == 303
    page = an.get(saved.headers["location"]).text
    assert "Đã lưu thông tin văn bản" in page and 'value="Đắk Song"' in page
    with session_scope(review_db.url) as session:
        meta = effective_meta(session, doc)
        audit = session.scalar(select(AuditRow).where(AuditRow.action == "document.edit"))
        assert meta["place"] == "Đắk Song" and meta["date_value"] == "2024-06-30"
        assert sorted(meta["corrected"]) == ["date_value", "place"] and meta["version"] == 1
        assert audit.entity_id == str(doc) and audit.actor == "an"
        assert audit.before is None and audit.after["place"] == "Đắk Song"
        assert audit.after["extracted"] == {"place": None, "date_value": "2024-05-06"}
        assert audit.reason == "địa bàn ghi ở cuối văn bản"
    # the queue: its place, its filter, and the reviewer of that place now sees it
    assert doc in rows(an.get("/?place=Đắk Song").text)
    assert doc in rows(chi.get("/").text)
    assert chi.get(f"/doc/{doc}/meta").status_code == 200
    assert doc not in rows(an.get("/admin/unplaced").text)
    header = re.search(r'<p class="meta" id="doc-meta-line">(.*?)</p>', chi.get(f"/doc/{doc}").text,
                       re.S)[1]                     # the document page shows the corrected place
    assert '<span id="doc-place">Đắk Song</span>' in header and "2024-06-30" in header
    assert "đã sửa:" in header and "ngày văn bản" in header
    history = an.get(f"/doc/{doc}/history").text
    assert 'data-action="document.edit"' in history
    assert "Đắk Song" in history and "2024-05-06" in history
    everything = an.get("/history").text          # the admins' whole history, in Vietnamese
    assert "sửa thông tin văn bản" in everything and f'href="/doc/{doc}/meta"' in everything
    # a reviewer who may see it corrects it too; one who may not, cannot
    form = meta_form(chi, doc)
    assert chi.post(f"/doc/{doc}/meta", data={**form, "doc_type": "Báo cáo"},
                    follow_redirects=False).status_code == 303
    other = review_db.doc_id("002")
    assert chi.post(f"/doc/{other}/meta", data={**form, "version": "0"},
                    follow_redirects=False).status_code == 404
    # a reviewer who moves a document to a place not hers is sent back to her queue
    form = meta_form(chi, doc)
    moved = chi.post(f"/doc/{doc}/meta", data={**form, "place": "Gia Lai"},
                     follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/"
    assert doc not in rows(chi.get("/").text) and doc in rows(an.get("/?place=Gia Lai").text)


def test_metadata_is_checked(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("002")
    an = review_db.client("an")
    form = meta_form(an, doc)
    for field, value, message in (("place", "Dak Songg", "không phải là địa bàn đã biết"),
                                  ("date_value", "31/2/2024", "không có thật"),
                                  ("date_value", "9999-99", "ngoài 1900-2100"),
                                  ("date_value", "2024-13", "không có thật"),
                                  ("title", "x\x00y", "ký tự điều khiển")):
        page = an.post(f"/doc/{doc}/meta", data={**form, field: value, "reason": "thử"})
        assert page.status_code == 422 and message in page.text, (field, value)
        assert 'value="thử"' in page.text                       # the reason is kept
    with session_scope(review_db.url) as session:
        assert session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "document.edit")) == 0


def test_concurrent_metadata_edit_gets_409_with_the_typed_values(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("003")
    an, binh = review_db.client("an"), review_db.client("binh")
    form_a, form_b = meta_form(an, doc), meta_form(binh, doc)
    assert binh.post(f"/doc/{doc}/meta", data={**form_b, "title": "Tiêu đề của Bình"},
                     follow_redirects=False).status_code == 303
    refused = an.post(f"/doc/{doc}/meta", data={**form_a, "title": "Tiêu đề của An",
                                                "number": "12/BC-UBND", "reason": "lý do An"})
    assert refused.status_code == 409
    assert "Tiêu đề của An" in refused.text and 'value="12/BC-UBND"' in refused.text
    assert 'value="lý do An"' in refused.text and "Tiêu đề của Bình" in refused.text
    assert 'name="version" value="1"' in refused.text           # saving again is deliberate
    with session_scope(review_db.url) as session:
        assert effective_meta(session, doc)["title"] == "Tiêu đề của Bình"


def test_assignment_makes_a_document_visible_to_a_reviewer(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("002")
    an, chi = review_db.client("an"), review_db.client("chi")
    chi_id = principal(review_db, "chi").id
    assert doc not in rows(chi.get("/").text)
    csrf = review_db.csrf(an, "/admin/unplaced")
    assigned = an.post("/admin/assign", data={"csrf": csrf, "document_id": str(doc),
                                              "user_id": str(chi_id), "back": "unplaced"},
                       follow_redirects=False)
    assert assigned.status_code == 303
    assert re.search(rf'<tr data-doc="{doc}".*?class="assignee">chi<', an.get(
        "/admin/unplaced").text, re.S)
    assert doc in rows(chi.get("/").text) and chi.get(f"/doc/{doc}/meta").status_code == 200
    # a reviewer cannot assign
    assert chi.post("/admin/assign", data={"csrf": review_db.csrf(chi), "document_id": str(doc),
                                           "user_id": str(chi_id)}).status_code == 403
    an.post("/admin/assign", data={"csrf": csrf, "document_id": str(doc),
                                   "user_id": str(chi_id), "action": "unassign"})
    assert doc not in rows(chi.get("/").text)
    with session_scope(review_db.url) as session:
        actions = list(session.scalars(select(AuditRow.action).where(
            AuditRow.entity == "document").order_by(AuditRow.id)))
    assert actions == ["assignment.add", "assignment.remove"]


def test_list_and_page_apply_the_same_rule(review_db: ReviewDB) -> None:
    """For every user and document: listed in the queue ⇔ may_see_document."""
    doc = review_db.doc_id("000")
    with session_scope(review_db.url) as session:     # an assignment and a corrected place
        from baocao.store.models import AssignmentRow, DocumentEditRow

        chi = principal(review_db, "chi")
        session.add(AssignmentRow(document_id=review_db.doc_id("002"), user_id=chi.id))
        session.add(DocumentEditRow(document_id=doc, fields=["place"], place="Đắk Song"))
        session.add(DocumentEditRow(document_id=review_db.doc_id("004_1ab22aee8a00dbb0.pdf"),
                                    fields=["place"], place="Gia Lai"))
    for name in ("an", "binh", "chi"):
        listed = rows(review_db.client(name).get("/").text)
        user = principal(review_db, name)
        with session_scope(review_db.url) as session:
            allowed = {d for d in review_db.ids.values()
                       if may_see_document(session, user, d, current(session, d).place)}
        assert listed == allowed, name
        exported = {int(r["document_id"]) for r in csv.DictReader(io.StringIO(
            review_db.client(name).get("/export.csv").text))}
        assert exported == {d for d in allowed if has_facts(review_db, d)}, name
        for d in review_db.ids.values():    # one document: 404 exactly when it is not visible
            answer = review_db.client(name).get(f"/export.csv?document={d}").status_code
            assert answer == (200 if d in allowed else 404), (name, d)
    assert rows(review_db.client("chi").get("/").text) == {
        doc, review_db.doc_id("002"), review_db.doc_id("004_1ab22aee8a00dbb0.txt")}


def has_facts(db: ReviewDB, document_id: int) -> bool:
    with session_scope(db.url) as session:
        return bool(session.scalar(select(func.count()).select_from(FactRow).where(
            FactRow.document_id == document_id)))


def test_a_reviewer_with_nothing_granted_exports_nothing(review_db: ReviewDB) -> None:
    with session_scope(review_db.url) as session:
        session.add(UserRow(name="dung", role="reviewer", password_hash=password_hash(),
                            allowed_places=[], all_places=False, active=True))
    dung = review_db.client("dung")
    assert rows(dung.get("/").text) == set()
    lines = dung.get("/export.csv").text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("document_id")    # the header only


# ── flags of a re-ingest ───────────────────────────────────────────────────────────────

def reingest_with_flags(db: ReviewDB) -> tuple[int, str, str]:
    """Seed 001 with a label edit and a confirmed fact, re-ingested with that fact gone:
    (document, key of the edited fact, key of the fact no longer extracted)."""
    path = SEED / "001_422e18ebd3f30e83.txt"
    doc = db.doc_id("001")
    doc_, ex = parsed(path)
    checked = {f for c in ex.checks for f in c.facts}
    free = [f for f in ex.facts if f.id not in checked]
    edited, gone = free[0], free[1]
    with session_scope(db.url) as session:
        binh = session.scalar(select(UserRow.id).where(UserRow.name == "binh"))
        facts = {f.data["id"]: f for f in session.scalars(select(FactRow).where(
            FactRow.document_id == doc))}
        correct_fact(session, facts[edited.id], "edit", {"label": "nhãn của Bình"},
                     actor="binh", user_id=binh, reason="nhãn sai")
        correct_fact(session, facts[gone.id], "confirm", actor="binh", user_id=binh)
        keys = (facts[edited.id].key, facts[gone.id].key)
    copy = ex.model_copy(deep=True)
    copy.source.sha256 = "b" * 64
    copy.facts = [f for f in copy.facts if f.id != gone.id]
    with session_scope(db.url) as session:
        saved = save_extraction(session, copy, path=str(path.resolve()), extractor_version="test")
        assert saved.document_id == doc
    return doc, *keys


def test_flags_list_the_old_correction_and_the_new_value(review_db: ReviewDB) -> None:
    doc, edited, gone = reingest_with_flags(review_db)
    an = review_db.client("an")
    html = an.get(f"/doc/{doc}/flags").text
    assert "2 chưa xử lý" in html
    queue = an.get("/").text      # the queue says so, and its checks were not rerun yet
    assert f'<a class="flags-link" href="/doc/{doc}/flags">2 khác biệt' in queue
    row = re.search(rf'<tr data-doc="{doc}".*?</tr>', queue, re.S)[0]
    assert 'class="stale"' in row and "cần rà soát lại" in row
    section = re.search(rf'id="k-{edited}".*?</section>', html, re.S)[0]
    assert "nhãn của Bình" in section and "giá trị trích xuất mới khác bản đã sửa" in section
    assert "đã sửa" in section and "binh" in section and "nhãn sai" in section
    missing = re.search(rf'id="k-{gone}".*?</section>', html, re.S)[0]
    assert "không còn được trích xuất" in missing and "đã chấp nhận" in missing
    # history links go to pages that exist: the fact page, or the flags for a fact gone
    history = an.get(f"/doc/{doc}/history").text
    links = set(re.findall(r'<a href="(/doc/[^"]+)">', history))
    assert f"/doc/{doc}/flags#k-{gone}" in links and f"/doc/{doc}/fact/{edited}" in links
    for link in links:
        assert an.get(link.split("#")[0]).status_code == 200, link
    # a reviewer who may not see the document gets nothing
    assert review_db.client("chi").get(f"/doc/{doc}/flags").status_code == 404


def test_a_changed_figure_shows_the_fact_that_took_its_place(review_db: ReviewDB,
                                                            tmp_path: Path) -> None:
    """A reviewer corrected a figure; the re-ingested file has another figure there (a new
    fact key): the flag shows the new value and links the fact standing in its place."""
    path = SEED / "001_422e18ebd3f30e83.txt"
    doc = review_db.doc_id("001")
    raw = path.read_text(encoding="utf-8")
    _, ex = parsed(path)
    target = next(f for f in ex.facts if f.kind.value == "count" and raw.count(f.text) == 1
                  and f.text[-1].isdigit())
    changed = target.text[:-1] + str((int(target.text[-1]) + 3) % 10)
    with session_scope(review_db.url) as session:
        fact = session.scalar(select(FactRow).where(FactRow.document_id == doc,
                                                    FactRow.text == target.text))
        correct_fact(session, fact, "edit", {"value": 4242.0}, actor="binh", reason="sổ gốc")
        old_key = fact.key
    new_file = tmp_path / path.name
    new_file.write_text(raw.replace(target.text, changed, 1), encoding="utf-8")
    _, again = parsed(new_file)
    again.source.sha256 = "c" * 64
    with session_scope(review_db.url) as session:
        save_extraction(session, again, path=str(path.resolve()), extractor_version="test")
        new_fact = session.scalar(select(FactRow).join(ExtractionRow).where(
            ExtractionRow.is_current.is_(True), FactRow.document_id == doc,
            FactRow.text == changed))
    html = review_db.client("an").get(f"/doc/{doc}/flags").text
    section = re.search(rf'id="k-{old_key}".*?</section>', html, re.S)[0]
    assert f'href="/doc/{doc}/fact/{new_fact.key}" class="successor">số liệu {new_fact.ordinal}<' \
        in section
    new_cell = re.search(r'<tr data-field="value">.*?<td class="new">([^<]*)<', section, re.S)[1]
    assert new_cell.replace(".", "") == changed.replace(".", "")      # 170, not empty


def test_flags_apply_again_and_drop(review_db: ReviewDB) -> None:
    doc, edited, gone = reingest_with_flags(review_db)
    an = review_db.client("an")
    html = an.get(f"/doc/{doc}/flags").text
    with session_scope(review_db.url) as session:
        flags = {f.fact_key: f.id for f in session.scalars(select(FlagRow))}
        versions = {c.fact_key: c.version for c in session.scalars(select(CorrectionRow))}
    csrf = csrf_of(html)
    stale = an.post(f"/doc/{doc}/flags/{flags[edited]}",
                    data={"csrf": csrf, "version": str(versions[edited] + 1), "decision": "apply"})
    assert stale.status_code == 409 and "vừa được người khác thay đổi" in stale.text
    applied = an.post(f"/doc/{doc}/flags/{flags[edited]}",
                      data={"csrf": csrf, "version": str(versions[edited]), "decision": "apply",
                            "reason": "vẫn đúng"}, follow_redirects=False)
    assert applied.status_code == 303
    dropped = an.post(f"/doc/{doc}/flags/{flags[gone]}",
                      data={"csrf": csrf, "version": str(versions[gone]), "decision": "drop"},
                      follow_redirects=False)
    assert dropped.status_code == 303
    again = an.post(f"/doc/{doc}/flags/{flags[gone]}",
                    data={"csrf": csrf, "version": str(versions[gone] + 1), "decision": "drop"})
    assert again.status_code == 409                              # already settled
    with session_scope(review_db.url) as session:
        assert all(f.resolved_at is not None and f.resolved_by is not None
                   for f in session.scalars(select(FlagRow)))
        kept = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == edited))
        assert kept.action == "edit" and kept.label == "nhãn của Bình"
        gone_row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == gone))
        assert gone_row.action == "confirm" and gone_row.version == versions[gone] + 1
        actions = [a for a, in session.execute(select(AuditRow.action).where(
            AuditRow.action.in_(("flag.apply", "flag.drop", "correction.confirm")))
            .order_by(AuditRow.id))]
    assert actions[-3:] == ["flag.apply", "correction.confirm", "flag.drop"]
    html = an.get(f"/doc/{doc}/flags").text
    assert "0 chưa xử lý" in html and html.count("Đã xử lý bởi an") == 2
    history = an.get("/history").text
    assert "áp dụng lại bản sửa" in history and "bỏ bản sửa" in history
    assert 'data-action="flag.drop"' in an.get(f"/doc/{doc}/history").text


def test_mark_reviewed_never_resolves_flags_unseen(review_db: ReviewDB) -> None:
    doc, edited, gone = reingest_with_flags(review_db)
    an = review_db.client("an")
    page = an.get(f"/doc/{doc}").text
    version = re.search(r'name="version" value="(\d+)" id="review-version"', page)[1]
    refused = an.post(f"/doc/{doc}/reviewed", data={"csrf": csrf_of(page), "version": version})
    assert refused.status_code == 422
    assert "2 khác biệt" in refused.text and f"/doc/{doc}/flags" in refused.text
    with session_scope(review_db.url) as session:
        assert all(f.resolved_at is None for f in session.scalars(select(FlagRow)))
        assert session.scalar(select(ReviewRow.state).where(ReviewRow.document_id == doc)) \
            != "reviewed"
        flags = {f.fact_key: f.id for f in session.scalars(select(FlagRow))}
        versions = {c.fact_key: c.version for c in session.scalars(select(CorrectionRow))}
    csrf = csrf_of(an.get(f"/doc/{doc}/flags").text)
    for key in (edited, gone):
        settled = an.post(f"/doc/{doc}/flags/{flags[key]}", follow_redirects=False,
                          data={"csrf": csrf, "version": str(versions[key]), "decision": "apply"})
        assert settled.status_code == 303
    page = an.get(f"/doc/{doc}").text
    version = re.search(r'name="version" value="(\d+)" id="review-version"', page)[1]
    done = an.post(f"/doc/{doc}/reviewed", data={"csrf": csrf_of(page), "version": version},
                   follow_redirects=False)
    assert done.status_code == 303


# ── statistics and second review ───────────────────────────────────────────────────────

def two_corrections_by_binh(db: ReviewDB) -> tuple[int, list[int]]:
    doc = db.doc_id("001")
    with session_scope(db.url) as session:
        binh = session.scalar(select(UserRow.id).where(UserRow.name == "binh"))
        an = session.scalar(select(UserRow.id).where(UserRow.name == "an"))
        facts = list(session.scalars(select(FactRow).where(FactRow.document_id == doc)
                                     .order_by(FactRow.id).limit(4)))
        ids = [correct_fact(session, facts[0], "edit", {"label": "nhãn mới"}, actor="binh",
                            user_id=binh).id,
               correct_fact(session, facts[1], "reject", actor="binh", user_id=binh).id]
        correct_fact(session, facts[2], "confirm", actor="binh", user_id=binh)
        correct_fact(session, facts[3], "edit", {"unit": "hồ sơ"}, actor="an", user_id=an)
    return doc, ids


def test_second_review_and_agreement_in_the_stats(review_db: ReviewDB) -> None:
    doc, (edit_id, reject_id) = two_corrections_by_binh(review_db)
    an, binh, chi = (review_db.client(n) for n in ("an", "binh", "chi"))
    page = an.get("/review/second").text
    listed = {int(c) for c in re.findall(r'data-correction="(\d+)"', page)}
    assert listed == {edit_id, reject_id}                 # binh's edit and rejection only
    assert "nhãn mới" in page and "đã loại" in page and "binh" in page
    theirs = {int(c) for c in re.findall(r'data-correction="(\d+)"',
                                         binh.get("/review/second").text)}
    assert edit_id not in theirs and len(theirs) == 1      # an's correction, not binh's own
    assert re.findall(r'data-correction="(\d+)"', chi.get("/review/second").text) == []
    csrf = csrf_of(page)
    assert an.post(f"/review/second/{edit_id}", data={"csrf": csrf, "version": "1",
                                                      "verdict": "agree"},
                   follow_redirects=False).status_code == 303
    refused = an.post(f"/review/second/{reject_id}", data={"csrf": csrf, "version": "1",
                                                           "verdict": "disagree"})
    assert refused.status_code == 422 and "hãy ghi lý do" in refused.text
    assert an.post(f"/review/second/{reject_id}", data={
        "csrf": csrf, "version": "1", "verdict": "disagree",
        "reason": "đây là số liệu thật"}, follow_redirects=False).status_code == 303
    assert re.findall(r'data-correction="(\d+)"', an.get("/review/second").text) == []
    # chi may not judge a correction of a document she may not see
    assert chi.post(f"/review/second/{edit_id}", data={"csrf": review_db.csrf(chi),
                                                       "version": "1", "verdict": "agree"}
                    ).status_code == 422
    with session_scope(review_db.url) as session:
        verdicts = {(r.correction_id, r.verdict, r.reason) for r in
                    session.scalars(select(SecondReviewRow))}
        audited = session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "review.second"))
    assert verdicts == {(edit_id, "agree", None), (reject_id, "disagree", "đây là số liệu thật")}
    assert audited == 2
    stats = an.get("/admin/stats").text
    row = re.search(r'<tr data-reviewer="binh">.*?</tr>', stats, re.S)[0]
    cells = dict(re.findall(r'<td class="num ([\w-]+)">([^<]*)</td>', row))
    assert cells["k-accept"] == "1" and cells["k-edit"] == "1" and cells["k-reject"] == "1"
    assert cells["k-add"] == "0" and cells["k-total"] == "3" and cells["judged"] == "2"
    assert cells["agreement"].startswith("50,0")
    an_row = re.search(r'<tr data-reviewer="an">.*?</tr>', stats, re.S)[0]
    assert '<td class="num given">2</td>' in an_row and '<td class="num agreement">—' in an_row
    assert re.search(r'<tr data-day="[\d-]+" data-reviewer="binh">', stats)
    assert binh.get("/admin/stats").status_code == 403
    # an undone decision is not counted (the audit row review.actions.undo_last writes)
    with session_scope(review_db.url) as session:
        confirm = session.scalar(select(AuditRow).where(AuditRow.action == "correction.confirm",
                                                        AuditRow.actor == "binh"))
        session.add(AuditRow(actor="binh", action="correction.undo", entity="fact",
                             entity_id=confirm.entity_id, after={"undoes": [confirm.id]}))
    row = re.search(r'<tr data-reviewer="binh">.*?</tr>', an.get("/admin/stats").text, re.S)[0]
    cells = dict(re.findall(r'<td class="num ([\w-]+)">([^<]*)</td>', row))
    assert cells["k-accept"] == "0" and cells["k-total"] == "2"


def test_hostile_input_on_the_desk_pages(review_db: ReviewDB) -> None:
    """Huge ids, NUL bytes and out-of-range numbers: typed answers, never a 500."""
    an = review_db.client("an")
    doc = review_db.doc_id("000")
    for path in ("/doc/99999999999999999999/meta", "/doc/0/flags", "/doc/-1/meta",
                 "/doc/2147483648/flags"):
        assert an.get(path).status_code == 404, path
    for query in ("q=a%00b", "place=%00", "period=%00", "indicator=x%00", "sort=%00",
                  "state=%00", "q=" + "x" * 5000):
        assert an.get(f"/?{query}").status_code == 200, query
    form = meta_form(an, doc)
    assert an.post(f"/doc/{doc}/meta", data={**form, "version": "99999999999"}
                   ).status_code == 400
    assert an.post(f"/doc/{doc}/flags/99999999999", data={"csrf": form["csrf"],
                                                          "version": "0"}).status_code == 404
    assert an.post("/review/second/1", data={"csrf": form["csrf"], "version": "1",
                                             "verdict": "agree", "reason": "a\x00b"}
                   ).status_code == 422                       # no such correction
    assert an.post(f"/doc/{doc}/meta", data={**form, "reason": "\x00"},
                   follow_redirects=False).status_code == 303  # NUL dropped from a reason


def test_field_values_read_in_vietnamese() -> None:
    from baocao.review.history import shown_value

    assert shown_value("kind", "percentage") == "tỷ lệ (%)"       # never the code
    assert shown_value("state", "needs_review") != "needs_review"
    assert shown_value("value", 17604.0) == "17.604"
