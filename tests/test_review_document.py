"""The document page a reviewer spends the day on (issue 15, items 5, 6, 8, 13 and "Also"):
decisions sent with fetch answered in JSON (the page updates in place), a save that changes
nothing writes nothing, undo of the last decision, accepting the rest of a section as one
audited batch, comments on a fact, a fact added in its unit family joining the checks, no
duplicate from a selection over a fact, and every code the extractor can produce shown in
Vietnamese. Through the app (TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baocao.review.app import create_app
from baocao.store.db import session_scope
from baocao.store.models import (
    AuditRow,
    CommentRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    VersionRow,
)
from tests.review_support import ROOT, ReviewDB, add_users, csrf_of, fill, login, review_db  # noqa: F401
from tests.test_review_actions import fact_form, failed_sum

pytest_plugins = ["tests.conftest_db"]
JSON = {"Accept": "application/json"}


def count(url: str, model: Any, *where: Any) -> int:
    with session_scope(url) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def actions(url: str) -> list[str]:
    with session_scope(url) as session:
        return list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))


# ── Vietnamese labels ──────────────────────────────────────────────────────────────────

def extractor_rules() -> set[str]:
    """Every Check.rule the extractor's source can produce (``add("rule"``,
    ``Finding("rule"``, ``rule="rule"``): a new rule without a label fails here."""
    found: set[str] = set()
    for name in ("checks.py", "relations.py"):
        text = (ROOT / "extractor" / name).read_text(encoding="utf-8")
        found.update(re.findall(r'(?:self\.add|Finding)\(\s*"([a-z_]+)"', text))
        found.update(re.findall(r'\brule="([a-z_]+)"', text))
    return found


def test_every_kind_rule_and_status_has_a_vietnamese_label(tmp_path: Path) -> None:
    from baocao.review.doc_labels import LabelsError, labels, load
    from baocao.review.view import STATUS
    from baocao.schemas.extraction import CheckStatus, FactKind
    from baocao.store.models import REVIEW_STATES

    words = labels()
    rules = extractor_rules()
    assert {"sum", "share", "date_after_document", "cross_document"} <= rules
    assert sorted(rules - set(words.rules)) == []
    assert set(k.value for k in FactKind) <= set(words.kinds)
    assert set(STATUS.values()) <= set(words.statuses)
    assert set(s.value for s in CheckStatus) <= set(words.check_statuses)
    assert set(REVIEW_STATES) <= set(words.states)
    for group in ("rules", "kinds", "statuses", "check_statuses", "states"):
        for code, text in getattr(words, group).items():
            assert text != code and text.strip(), (group, code)
    broken = tmp_path / "labels.yaml"
    data = (ROOT / "review" / "data" / "document_vi.yaml").read_text(encoding="utf-8")
    broken.write_text(data.replace("  amount: số tiền", ""), encoding="utf-8")
    with pytest.raises(LabelsError, match="amount"):
        load(broken)


def test_the_document_page_reads_in_vietnamese(review_db: ReviewDB) -> None:
    from baocao.review.doc_labels import labels

    words = labels()
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    client = review_db.client("binh")
    page = client.get(f"/doc/{doc}").text
    assert f'data-state="unreviewed">{words.of("states", "unreviewed")}<' in page
    assert f'<span class="fst">{words.of("statuses", "extracted")}</span>' in page
    assert (f'<span class="badge fail">{words.of("check_statuses", "fail")}</span> '
            '<b title="sum">tổng các phần</b>') in page
    assert '>unreviewed<' not in page and '<span class="fst">extracted' not in page
    assert f'href="/doc/{doc}/meta"' in page and f'href="/doc/{doc}/flags"' in page
    assert re.search(r'<b id="n-decided">0</b> / <span id="n-total">\d+</span> số liệu đã xử lý',
                     page)
    assert '<option value="percentage">tỷ lệ (%)</option>' in page


# ── decisions with fetch ───────────────────────────────────────────────────────────────

def test_impossible_values_are_refused_and_nothing_is_written(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    form = {**fact_form(client, doc, key), "action": "correct"}
    for change, message in (({"kind": "count", "value": "-5"}, "không thể âm"),
                            ({"kind": "date", "value": "9999-99"}, "ngày có thật"),
                            ({"kind": "deadline", "value": "2024-02-30"}, "ngày có thật"),
                            ({"label": "nhãn\x00độc"}, "ký tự điều khiển"),
                            ({"denominator": "0"}, "Mẫu số")):
        answer = client.post(f"/doc/{doc}/fact/{key}", data={**form, **change}, headers=JSON)
        assert answer.status_code == 422 and message in answer.json()["error"], change
    assert count(review_db.url, CorrectionRow, CorrectionRow.fact_key == key) == 0
    fine = client.post(f"/doc/{doc}/fact/{key}",
                       data={**form, "kind": "date", "value": "2024-02-29"}, headers=JSON)
    assert fine.status_code == 200                          # a leap day is a real date


def test_a_decision_sent_with_fetch_answers_json_to_update_the_page(review_db: ReviewDB
                                                                   ) -> None:
    from baocao.extractor.arith import vi
    from baocao.review.doc_labels import labels

    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, ordinal, parts = failed_sum(review_db, doc)
    client = review_db.client("binh")
    page = client.get(f"/doc/{doc}").text
    failed = int(re.search(r'id="failed-count"[^>]*>(\d+)', page)[1])
    total = int(re.search(r'<span id="n-total">(\d+)</span>', page)[1])
    form = {**fact_form(client, doc, key), "value": vi(parts), "action": "correct"}
    response = client.post(f"/doc/{doc}/fact/{key}", data=form, headers=JSON)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/json")
    data = response.json()
    assert data["ok"] and data["failed"] == failed - 1 and data["rechecked"]
    assert (data["decided"], data["total"]) == (1, total)
    [fact] = data["facts"]
    assert (fact["key"], fact["id"], fact["status"], fact["version"]) == (key, ordinal,
                                                                        "corrected", 1)
    assert 's-corrected' in fact["mark"] and f'id="fi-{key}"' in fact["html"]
    assert 'data-status="corrected"' in fact["html"]
    assert labels().of("statuses", "corrected") in fact["html"]
    sum_change = next(c for c in data["changes"] if c["rule"] == "sum")
    assert (sum_change["before"], sum_change["after"]) == ("fail", "pass")
    assert sum_change["rule_label"] == "tổng các phần"
    whole = review_db.client("an").get("/history").text    # the admins' history says it so too
    assert '<div class="diff">tổng các phần: ' in whole and '<div class="diff">sum: ' not in whole
    assert sum_change["after_label"] == labels().of("check_statuses", "pass") != "pass"
    assert 'data-status="pass"' in data["checks_html"]
    assert data["state"] == "in_review"
    assert data["state_label"] == labels().of("states", "in_review") != "in_review"
    # a stale version: 409 in JSON, with who changed what, nothing written
    stale = client.post(f"/doc/{doc}/fact/{key}", data={**form, "value": "1"}, headers=JSON)
    assert stale.status_code == 409
    assert stale.json()["other"]["actor"] == "binh" and not stale.json()["ok"]
    bad = client.post(f"/doc/{doc}/fact/{key}", data={**form, "version": "1", "value": "x"},
                      headers=JSON)
    assert bad.status_code == 422 and "không phải là số" in bad.json()["error"]
    # CSRF and Origin are checked for fetch as for forms
    no_csrf = {k: v for k, v in form.items() if k != "csrf"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=no_csrf, headers=JSON).status_code == 403
    foreign = client.post(f"/doc/{doc}/fact/{key}", data=form,
                          headers={**JSON, "Origin": "http://evil.example"})
    assert foreign.status_code == 403
    # and the form without script still gets its redirect
    plain = client.post(f"/doc/{doc}/fact/{key}",
                        data={**fact_form(client, doc, key), "action": "accept"},
                        follow_redirects=False)
    assert plain.status_code == 303 and f"fact={key}" in plain.headers["location"]
    assert "saved=" not in plain.headers["location"]  # accepting the correction: no rerun


def test_a_save_that_changes_nothing_writes_nothing(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    form = {**fact_form(client, doc, key), "action": "correct", "reason": "Enter"}
    response = client.post(f"/doc/{doc}/fact/{key}", data=form, headers=JSON)
    assert response.status_code == 200 and response.json()["unchanged"] is True
    plain = client.post(f"/doc/{doc}/fact/{key}", data=form, follow_redirects=False)
    assert plain.status_code == 303 and "saved=" not in plain.headers["location"]
    assert count(review_db.url, CorrectionRow) == 0
    assert [a for a in actions(review_db.url) if a.startswith(("correction", "checks"))] == []


# ── undo ───────────────────────────────────────────────────────────────────────────────

def test_undo_restores_the_previous_state_through_the_version_check(review_db: ReviewDB
                                                                    ) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    binh, an = review_db.client("binh"), review_db.client("an")
    token = review_db.csrf(binh, f"/doc/{doc}")
    assert binh.post(f"/doc/{doc}/undo", data={"csrf": token}, headers=JSON).status_code == 422
    first = {**fact_form(binh, doc, key), "value": "70", "action": "correct", "reason": "một"}
    assert binh.post(f"/doc/{doc}/fact/{key}", data=first, headers=JSON).status_code == 200
    second = {**fact_form(binh, doc, key), "value": "71", "action": "correct", "reason": "hai"}
    assert binh.post(f"/doc/{doc}/fact/{key}", data=second, headers=JSON).status_code == 200
    wrong = binh.post(f"/doc/{doc}/undo", data={"csrf": token, "key": key, "version": "1"},
                      headers=JSON)
    assert wrong.status_code == 409  # the screen's version is not the stored one
    undone = binh.post(f"/doc/{doc}/undo", data={"csrf": token, "key": key, "version": "2"},
                       headers=JSON)
    assert undone.status_code == 200, undone.text
    assert undone.json()["keys"] == [key] and undone.json()["facts"][0]["version"] == 3
    with session_scope(review_db.url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == key))
        assert (row.value, row.reason, row.action, row.version) == (70.0, "một", "edit", 3)
        undo = session.scalar(select(AuditRow).where(AuditRow.action == "correction.undo"))
        edit2 = session.scalars(select(AuditRow).where(AuditRow.action == "correction.edit")
                                .order_by(AuditRow.id)).all()[-1]
        assert undo.after["undoes"] == [edit2.id] and undo.before["value"] == 71.0
        assert undo.actor == "binh" and undo.after["value"] == 70.0
    # someone else changes the fact: binh's earlier decision can no longer be undone
    other = {**fact_form(an, doc, key), "value": "72", "action": "correct"}
    assert an.post(f"/doc/{doc}/fact/{key}", data=other, headers=JSON).status_code == 200
    late = binh.post(f"/doc/{doc}/undo", data={"csrf": token}, headers=JSON)
    assert late.status_code == 409
    with session_scope(review_db.url) as session:
        assert session.scalar(select(CorrectionRow.value).where(
            CorrectionRow.fact_key == key)) == 72.0
    # an's own decision is undone back to binh's state, with the page form (no script)
    token_an = review_db.csrf(an, f"/doc/{doc}")
    back = an.post(f"/doc/{doc}/undo", data={"csrf": token_an}, follow_redirects=False)
    assert back.status_code == 303 and f"fact={key}" in back.headers["location"]
    with session_scope(review_db.url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == key))
        assert (row.value, row.user_id is not None, row.version) == (70.0, True, 5)


def test_undo_of_a_first_decision_puts_the_fact_back_as_extracted(review_db: ReviewDB
                                                                  ) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    page = client.get(f"/doc/{doc}").text
    failed = int(re.search(r'id="failed-count"[^>]*>(\d+)', page)[1])
    form = {**fact_form(client, doc, key), "action": "reject"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form, headers=JSON).json()["decided"] == 1
    data = client.post(f"/doc/{doc}/undo", data={"csrf": form["csrf"], "key": key,
                                                "version": "1"}, headers=JSON).json()
    assert data["facts"][0]["status"] == "extracted" and data["facts"][0]["version"] == 0
    assert data["decided"] == 0 and data["failed"] == failed
    assert count(review_db.url, CorrectionRow) == 0
    assert actions(review_db.url)[-2:] == ["correction.undo", "checks.rerun"]
    history = client.get(f"/doc/{doc}/history").text
    assert 'data-action="correction.undo"' in history and "hoàn tác" in history
    for page in (history, client.get(f"/doc/{doc}/fact/{key}").text):
        shown = re.sub(r"<[^>]+>", " ", page)  # what a reviewer reads: no hash of the fact
        assert key[:6] not in shown and re.search(r"số liệu f\d+: ", shown)


# ── accept the rest of a section ───────────────────────────────────────────────────────

def section_facts(url: str, doc: int) -> tuple[str | None, list[str]]:
    """The section with the most facts, and its facts' keys."""
    with session_scope(url) as session:
        x = session.scalar(select(ExtractionRow.id).join(VersionRow).where(
            VersionRow.document_id == doc, ExtractionRow.is_current.is_(True)))
        section, _ = session.execute(select(FactRow.section, func.count()).where(
            FactRow.extraction_id == x, FactRow.section.is_not(None)).group_by(
            FactRow.section).order_by(func.count().desc())).first()
        keys = list(session.scalars(select(FactRow.key).where(
            FactRow.extraction_id == x, FactRow.section == section).order_by(
            FactRow.span_start)))
    return section, keys


def test_accept_the_rest_of_a_section_is_one_audited_batch(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("001_422e18ebd3f30e83.txt")
    section, keys = section_facts(review_db.url, doc)
    assert len(keys) >= 3
    client = review_db.client("binh")
    form = {**fact_form(client, doc, keys[0]), "action": "reject"}
    client.post(f"/doc/{doc}/fact/{keys[0]}", data=form, headers=JSON)
    page = client.get(f"/doc/{doc}").text
    assert f'action="/doc/{doc}/accept-section"' in page
    assert f'Chấp nhận {len(keys) - 1} còn lại' in page
    rest = keys[1:]
    stale = client.post(f"/doc/{doc}/accept-section", headers=JSON, data={
        "csrf": form["csrf"], "section": section, "keys": " ".join(keys)})
    assert stale.status_code == 409  # keys[0] was decided since: nothing saved
    data = client.post(f"/doc/{doc}/accept-section", headers=JSON, data={
        "csrf": form["csrf"], "section": section, "keys": " ".join(rest)}).json()
    assert sorted(data["keys"]) == sorted(rest) and data["decided"] == len(keys)
    assert {f["status"] for f in data["facts"]} == {"accepted"}
    with session_scope(review_db.url) as session:
        batch = session.scalar(select(AuditRow).where(AuditRow.action == "correction.batch"))
        assert batch.actor == "binh" and batch.after["confirmed"] == len(rest)
        assert batch.after["section"] == section and len(batch.after["audits"]) == len(rest)
        assert session.scalar(select(func.count()).select_from(CorrectionRow).where(
            CorrectionRow.action == "confirm")) == len(rest)
    assert f'Chấp nhận {len(keys) - 1} còn lại' not in client.get(f"/doc/{doc}").text
    # undo takes the whole batch back, the earlier reject stays
    undone = client.post(f"/doc/{doc}/undo", data={"csrf": form["csrf"]}, headers=JSON).json()
    assert sorted(undone["keys"]) == sorted(rest) and undone["decided"] == 1
    assert count(review_db.url, CorrectionRow) == 1
    again = client.post(f"/doc/{doc}/accept-section", data={"csrf": form["csrf"],
                                                            "section": section},
                        follow_redirects=False)  # the form without script: all undecided
    assert again.status_code == 303
    assert count(review_db.url, CorrectionRow, CorrectionRow.action == "confirm") == len(rest)
    none_left = client.post(f"/doc/{doc}/accept-section", headers=JSON,
                            data={"csrf": form["csrf"], "section": section})
    assert none_left.status_code == 422


# ── comments ───────────────────────────────────────────────────────────────────────────

def test_comments_on_a_fact_are_stored_audited_and_escaped(review_db: ReviewDB) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    token = review_db.csrf(client, f"/doc/{doc}")
    hostile = '<script>alert(1)</script> kiểm tra lại "số" & nguồn'
    made = client.post(f"/doc/{doc}/fact/{key}/comment", data={"csrf": token, "body": hostile},
                       headers=JSON)
    assert made.status_code == 200 and made.json()["comment"]["body"] == hostile
    assert made.json()["comment"]["author"] == "binh"
    plain = client.post(f"/doc/{doc}/fact/{key}/comment",
                        data={"csrf": token, "body": "thứ hai\x00"}, follow_redirects=False)
    assert plain.status_code == 303
    listed = client.get(f"/doc/{doc}/fact/{key}/comments").json()["comments"]
    assert [c["body"] for c in listed] == [hostile, "thứ hai"]
    page = client.get(f"/doc/{doc}/fact/{key}").text
    assert "<script>alert(1)</script> kiểm" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; kiểm tra lại &#34;số&#34; &amp; nguồn" in page
    assert count(review_db.url, CommentRow, CommentRow.fact_key == key) == 2
    assert actions(review_db.url).count("comment.add") == 2
    for body in ("", "   ", "x" * 2001):
        assert client.post(f"/doc/{doc}/fact/{key}/comment", data={"csrf": token, "body": body},
                           headers=JSON).status_code == 422
    other = "0" * 40
    assert client.post(f"/doc/{doc}/fact/{other}/comment", data={"csrf": token, "body": "a"},
                       headers=JSON).status_code == 422
    assert client.post(f"/doc/{doc}/fact/{key}/comment",
                       data={"body": "no csrf"}).status_code == 403
    # a reviewer who may not open a document reads and writes no comment on it
    hidden = review_db.ids["script.html"]  # no place: only reviewers of every place see it
    with session_scope(review_db.url) as session:
        hidden_key = session.scalar(select(FactRow.key).where(FactRow.document_id == hidden))
    chi = review_db.client("chi")
    assert chi.get(f"/doc/{hidden}").status_code == 404
    assert chi.get(f"/doc/{hidden}/fact/{hidden_key}/comments").status_code == 404
    refused = chi.post(f"/doc/{hidden}/fact/{hidden_key}/comment", headers=JSON,
                       data={"csrf": review_db.csrf(chi), "body": "xem"})
    assert refused.status_code == 404
    assert count(review_db.url, CommentRow, CommentRow.document_id == hidden) == 0


# ── adding a missed fact: unit family, no duplicate ────────────────────────────────────

MISSED = """BÁO CÁO
Kết quả giải quyết thủ tục hành chính năm 2023
1. Tiếp nhận hồ sơ
Tổng số hồ sơ tiếp nhận là 1.200 hồ sơ, trong đó: đúng hạn 1.100 hồ sơ; quá hạn một trăm, tức 100.
"""


@pytest.fixture
def missed(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, int, str, str]]:
    path = tmp_path / "bo_sot.txt"
    path.write_text(MISSED, encoding="utf-8")
    ids = fill(db_url, [path])
    add_users(db_url)
    with TestClient(create_app(db_url)) as client:
        login(client, "binh")
        doc = ids[path.name]
        with session_scope(db_url) as session:
            text = session.scalar(select(ExtractionRow.text).join(VersionRow).where(
                VersionRow.document_id == doc))
        yield client, doc, text, db_url


def test_an_added_fact_in_the_unit_family_joins_the_checks(missed: Any) -> None:
    client, doc, text, url = missed
    page = client.get(f"/doc/{doc}").text
    assert 'data-rule' not in page and 'b title="sum"' not in page  # no sum yet: 100 missed
    start = text.rindex("100")
    token = csrf_of(page)
    form = {"csrf": token, "span_start": str(start), "span_end": str(start + 3), "text": "100",
            "kind": "count", "unit": "Bo  Ho so", "label": "quá hạn"}
    response = client.post(f"/doc/{doc}/add", data=form, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    with session_scope(url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.action == "add"))
        assert row.unit == "bộ hồ sơ"  # the extractor's spelling: same family as "hồ sơ"
    assert re.search(r'class="check c-pass"[^>]*data-facts="f1 f2 a\d+"[^>]*data-sig="sum\|',
                     page), "the added part joins the total's sum"
    added = re.search(r'<li class="fi s-added" id="fi-(\w+)"[^>]*data-section="([^"]*)"', page)
    assert added is not None and added[2] == "1."  # in the section it stands in
    # a selection over an extracted fact is not added twice: edit that fact instead
    at = text.index("1.100")
    for span in ((at, at + 5), (at + 2, at + 5), (at - 3, at + 2)):
        over = {**form, "span_start": str(span[0]), "span_end": str(span[1]),
                "text": text[span[0]:span[1]]}
        refused = client.post(f"/doc/{doc}/add", data=over, headers=JSON)
        assert refused.status_code == 422 and refused.json()["fact"] == "f2", span
        page_refused = client.post(f"/doc/{doc}/add", data=over)
        assert page_refused.status_code == 422 and "f2" in page_refused.text
    again = {**form, "span_start": str(start + 1), "span_end": str(start + 3), "text": "00"}
    assert client.post(f"/doc/{doc}/add", data=again, headers=JSON).json()["fact"].startswith("a")
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(CorrectionRow)) == 1


def test_units_fold_to_the_extractor_vocabulary() -> None:
    from baocao.extractor.vocab import cues
    from baocao.review.units import known_unit, same_family, unit_family

    assert known_unit("ho so") == "hồ sơ" and known_unit("TTHC") == "TTHC"
    assert known_unit("THỦ  TỤC hành chính") == "thủ tục hành chính"
    assert known_unit("con mèo") is None
    assert same_family("bộ hồ sơ", "Hồ sơ") and same_family("DVCTT", "dịch vụ công")
    assert not same_family("hồ sơ", "thủ tục")
    for family in cues().unit_families:  # every family of the data file, none repeated here
        assert len({unit_family(u) for u in family}) == 1


def test_accepting_a_fact_as_it_stands_does_not_rerun_the_checks(review_db: ReviewDB) -> None:
    from baocao.store.models import RecheckRow

    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    page = client.get(f"/doc/{doc}").text
    failed = int(re.search(r'id="failed-count"[^>]*>(\d+)', page)[1])
    form = {**fact_form(client, doc, key), "action": "accept"}
    data = client.post(f"/doc/{doc}/fact/{key}", data=form, headers=JSON).json()
    assert data["rechecked"] is False and "checks_html" not in data
    assert data["facts"][0]["status"] == "accepted" and data["failed"] == failed
    assert "checks.rerun" not in actions(review_db.url)
    assert count(review_db.url, RecheckRow) == 1  # the extraction's checks, stored as current
    assert re.search(r'id="failed-count"[^>]*>(\d+)', client.get(f"/doc/{doc}").text)[1] == str(
        failed)
    assert "checks.rerun" not in actions(review_db.url)  # nor on the next view
    reject = {**fact_form(client, doc, key), "action": "reject"}
    data = client.post(f"/doc/{doc}/fact/{key}", data=reject, headers=JSON).json()
    assert data["rechecked"] is True and "checks_html" in data  # the fact left: checks rerun
    back = {**fact_form(client, doc, key), "action": "accept"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=back, headers=JSON).json()["rechecked"]
    assert actions(review_db.url).count("checks.rerun") == 2


def test_a_unit_typed_in_a_correction_takes_the_vocabulary_spelling(review_db: ReviewDB
                                                                     ) -> None:
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    key, _, _ = failed_sum(review_db, doc)
    client = review_db.client("binh")
    shown = fact_form(client, doc, key)
    assert client.post(f"/doc/{doc}/fact/{key}", data={**shown, "action": "correct"},
                       headers=JSON).json()["unchanged"]  # the shown unit is left as it is
    form = {**shown, "unit": "  Thu tuc  HANH chinh ", "action": "correct"}
    assert client.post(f"/doc/{doc}/fact/{key}", data=form, headers=JSON).status_code == 200
    with session_scope(review_db.url) as session:
        row = session.scalar(select(CorrectionRow).where(CorrectionRow.fact_key == key))
        assert (row.unit, row.fields) == ("thủ tục hành chính", ["unit"])
