"""The document page in a real headless Chromium (issue 15, items 5, 6, 12 and "Also"): typed
edits are never lost, Enter in a reject's reason rejects, one key saves and shows the next
undecided fact without a page load, undo, filters and search, comments, and the layout at
400 px, 1024 px and 1366×768. Fixtures and skip rules: tests/test_review_e2e.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from baocao.review.app import create_app
from baocao.review.demo import Server, write_demo_report
from baocao.store.db import session_scope
from baocao.store.models import AuditRow, CorrectionRow
from tests.review_support import PDF, SEEDS, add_users, fill
from tests.test_review_e2e import browser, log_in  # noqa: F401

DEMO = "bao_cao_thu_tuc_hanh_chinh.txt"


@pytest.fixture
def site(tmp_path: Any) -> Iterator[tuple[str, dict[str, int], str]]:
    """A fresh database a test (decisions change it): the demo report, a seed, the PDF."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    ids = fill(url, [SEEDS[3], PDF, write_demo_report(tmp_path)])
    add_users(url)
    with Server(create_app(url)) as base:
        yield base, ids, url


def new_page(browser: Any, width: int = 1440, height: int = 900) -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def corrections(url: str) -> list[tuple[str, str | None, float | None]]:
    with session_scope(url) as session:
        return [(c.action, c.reason, c.value) for c in session.scalars(
            select(CorrectionRow).order_by(CorrectionRow.id))]


def test_typed_edits_are_never_lost_and_enter_on_a_reason_rejects(browser: Any,  # noqa: F811
                                                                   site: Any) -> None:
    from playwright.sync_api import expect

    base, ids, url = site
    page = new_page(browser)
    asked: list[str] = []
    answer = {"ok": False}

    def dialog(d: Any) -> None:
        asked.append(d.message)
        d.accept() if answer["ok"] else d.dismiss()

    page.on("dialog", dialog)
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids[DEMO]}")
    page.locator("#m-f7").click()
    old = page.input_value("#e-value")
    page.keyboard.press("e")
    page.keyboard.type("999")
    page.keyboard.press("Escape")  # changes: asked; "no" keeps the edit open
    assert len(asked) == 1 and "chưa lưu" in asked[0]
    expect(page.locator("#e-value")).to_be_focused()
    expect(page.locator("#e-value")).to_have_value("999")
    page.locator("#doc-title").click()  # leave the field some other way: a must not accept
    page.keyboard.press("a")
    expect(page.locator("#e-error")).to_contain_text("chưa lưu")
    expect(page.locator("#e-value")).to_have_value("999")
    page.keyboard.press("j")  # nor may moving to another fact drop it
    expect(page.locator('#facts-panel li.fi.sel')).to_have_attribute("data-f", "f7")
    page.wait_for_timeout(300)
    assert corrections(url) == []
    page.focus("#e-value")
    answer["ok"] = True
    page.keyboard.press("Escape")  # now drop the edit: the old value is back
    expect(page.locator("#e-value")).to_have_value(old)
    page.focus("#e-label")
    page.keyboard.press("Enter")  # Enter without a change does nothing
    expect(page.locator("#e-error")).to_contain_text("Không có thay đổi")
    page.locator("#doc-title").click()
    page.keyboard.press("x")  # reject: the reason field, Enter submits the reject
    expect(page.locator("#e-reason")).to_be_focused()
    page.keyboard.type("không phải số liệu")
    page.keyboard.press("Enter")
    expect(page.locator('#facts-panel li.fi[data-f="f7"]')).to_have_attribute(
        "data-status", "rejected")
    assert corrections(url) == [("reject", "không phải số liệu", None)]


def test_save_and_next_without_a_page_load_then_undo(browser: Any,  # noqa: F811
                                                     site: Any) -> None:
    from playwright.sync_api import expect

    base, ids, url = site
    page = new_page(browser)
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids[DEMO]}")
    page.evaluate("window.__marker = 'same page'")
    total = int(page.inner_text("#n-total"))
    failed = page.inner_text("#failed-count")
    page.locator("#m-f7").click()
    page.keyboard.press("e")
    page.keyboard.type("150")
    page.keyboard.press("Enter")  # one key: saved, checks rerun, the next undecided fact
    f7 = page.locator('#facts-panel li.fi[data-f="f7"]')
    expect(f7).to_have_attribute("data-status", "corrected")
    expect(page.locator("#rerun li.chg[data-rule=sum]")).to_have_attribute("data-after", "pass")
    expect(page.locator("#n-decided")).to_have_text("1")
    expect(page.locator("#failed-count")).not_to_have_text(failed)
    expect(page.locator("mark#m-f7")).to_have_class(re.compile(r"s-corrected"))
    selected = page.locator("#facts-panel li.fi.sel")
    expect(selected).to_have_attribute("data-status", "extracted")
    assert selected.get_attribute("data-f") != "f7"
    expect(page.locator("#e-id")).to_have_text(selected.get_attribute("data-f"))
    nxt = selected.get_attribute("data-f")
    page.keyboard.press("s")  # skip: the next undecided one, nothing saved
    expect(page.locator("#facts-panel li.fi.sel")).not_to_have_attribute("data-f", nxt)
    after_key = page.locator("#facts-panel li.fi.sel").get_attribute("data-f")
    page.click("#e-skip")  # the button does the same
    expect(page.locator("#facts-panel li.fi.sel")).not_to_have_attribute("data-f", after_key)
    page.keyboard.press("u")  # undo the last decision: f7 back as extracted
    expect(f7).to_have_attribute("data-status", "extracted")
    expect(f7).to_have_class(re.compile(r"\bsel\b"))
    expect(page.locator("#n-decided")).to_have_text("0")
    expect(page.locator("#failed-count")).to_have_text(failed)
    assert page.evaluate("window.__marker") == "same page"  # never navigated
    assert int(page.inner_text("#n-total")) == total
    assert corrections(url) == []
    with session_scope(url) as session:
        assert session.scalar(select(AuditRow.after).where(
            AuditRow.action == "correction.undo"))["undoes"]


def test_filters_search_and_comments(browser: Any, site: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, ids, url = site
    page = new_page(browser)
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids[DEMO]}")
    items = page.locator("#facts-panel li.fi")
    n = items.count()
    page.fill("#q", "qua han")  # without diacritics finds "quá hạn"
    shown = page.locator("#facts-panel li.fi:not([hidden])")
    assert 0 < shown.count() < n
    for label in shown.evaluate_all("els => els.map(e => e.dataset.label + ' ' + e.dataset.text)"):
        assert "quá hạn" in label.lower(), label
    expect(page.locator("#f-count")).to_contain_text(f"/ {n} số liệu")
    page.fill("#q", "")
    page.select_option("#f-kind", "percentage")
    kinds = page.locator("#facts-panel li.fi:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"percentage"}
    page.select_option("#f-kind", "")
    page.locator("#m-f7").click()
    page.keyboard.press("a")
    page.select_option("#f-status", "accepted")
    expect(page.locator("#facts-panel li.fi:not([hidden])")).to_have_count(1)
    expect(page.locator("#f-status option[value=accepted]")).to_contain_text("(1)")
    page.select_option("#f-status", "")
    page.locator("#m-f7").click()
    page.locator("#e-comments summary").click()
    page.fill("#c-body", "<b>xem lại</b> nguồn")
    page.click("#c-add")
    expect(page.locator("#c-list li")).to_have_count(1)
    expect(page.locator("#c-list li p")).to_have_text("<b>xem lại</b> nguồn")  # as text
    page.locator("#m-f8").click()
    expect(page.locator("#c-list li")).to_have_count(0)
    page.locator("#m-f7").click()
    expect(page.locator("#c-list li")).to_have_count(1)


def widths(page: Any) -> dict[str, float]:
    return page.evaluate("""() => {
        const w = (id) => document.getElementById(id).getBoundingClientRect();
        return {text: w('doctext').width, textX: w('doctext').x, tools: w('tools').width,
                toolsX: w('tools').x, page: document.documentElement.scrollWidth};
    }""")


def test_layout_at_400_and_1024_pixels(browser: Any, site: Any) -> None:  # noqa: F811
    base, ids, _ = site
    page = new_page(browser, 1024, 768)
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids[DEMO]}")
    page.locator("#m-f7").click()
    w = widths(page)
    assert w["text"] >= 550, w  # was 250 px
    assert w["tools"] >= 300 and w["page"] <= 1024, w
    page.set_viewport_size({"width": 400, "height": 800})
    w = widths(page)
    assert w["page"] <= 400, w  # nothing wider than the screen
    assert w["text"] >= 340 and w["tools"] >= 340, w  # one column
    assert abs(w["textX"] - w["toolsX"]) < 2, w
    box = page.locator("#e-accept").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 400


def test_the_action_buttons_stay_visible_on_a_pdf_at_1366x768(browser: Any,  # noqa: F811
                                                              site: Any) -> None:
    from playwright.sync_api import expect

    base, ids, _ = site
    page = new_page(browser, 1366, 768)
    log_in(page, base, "an")
    page.goto(f"{base}/doc/{ids[PDF.name]}")
    page.locator("#facts-panel li.fi[data-page='1'] a.fl").first.click()
    expect(page.locator("#pageview")).to_be_visible()
    page.wait_for_function("() => document.getElementById('pageimg').naturalWidth > 0")
    for button in ("#e-save", "#e-accept", "#e-reject"):
        box = page.locator(button).bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 768, button
    column = page.locator("#pagescroll").bounding_box()["width"]
    shown = page.locator("#pageimg").bounding_box()["width"]
    assert shown >= 1.9 * column  # zoomed to read by default, the fact's box scrolled to
    box = page.locator("#factbox").bounding_box()
    scroller = page.locator("#pagescroll").bounding_box()
    assert scroller["x"] <= box["x"] <= scroller["x"] + scroller["width"]
    page.click("#z-fit")
    fit = page.locator("#pageimg").bounding_box()["width"]
    assert abs(fit - column) < 20  # the page's width in the column
    page.click("#z-in")
    page.click("#z-in")
    assert page.locator("#pageimg").bounding_box()["width"] >= 1.9 * fit


def test_a_conflicting_edit_is_refused_and_keeps_what_was_typed(browser: Any,  # noqa: F811
                                                                site: Any) -> None:
    from playwright.sync_api import expect

    base, ids, url = site
    binh, an = new_page(browser), new_page(browser)
    log_in(binh, base, "binh")
    log_in(an, base, "an")
    for page in (binh, an):
        page.goto(f"{base}/doc/{ids[DEMO]}")
        page.locator("#m-f7").click()
    an.keyboard.press("e")
    an.keyboard.type("150")
    an.keyboard.press("Enter")
    expect(an.locator('#facts-panel li.fi[data-f="f7"]')).to_have_attribute(
        "data-status", "corrected")
    binh.keyboard.press("e")  # binh's page still shows version 0
    binh.keyboard.type("160")
    binh.keyboard.press("Enter")
    expect(binh.locator("#e-error")).to_contain_text("an đã sửa")
    expect(binh.locator("#e-id")).to_have_text("f7")  # back on the refused fact
    expect(binh.locator("#e-value")).to_have_value("160")  # with what binh typed
    expect(binh.locator('#facts-panel li.fi[data-f="f7"]')).to_have_class(re.compile("refused"))
    assert corrections(url) == [("edit", None, 150.0)]
    expect(binh.locator("#e-version")).to_have_value("1")  # the fact as an left it
    binh.focus("#e-value")
    binh.keyboard.press("Enter")  # saving again is a deliberate decision over an's change
    expect(binh.locator('#facts-panel li.fi[data-f="f7"]')).to_have_attribute("data-v", "2")
    assert corrections(url) == [("edit", None, 160.0)]


SELECT = """([needle, from, to]) => {
    const walker = document.createTreeWalker(document.getElementById('doctext'),
                                             NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, at = node.data.indexOf(needle);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at + from);
        range.setEnd(node, at + to);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return;
    }
    throw new Error('text not found: ' + needle);
}"""


def test_adding_prefills_from_the_neighbours_and_never_duplicates(browser: Any,  # noqa: F811
                                                                  site: Any) -> None:
    from playwright.sync_api import expect

    base, ids, url = site
    page = new_page(browser)
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids[DEMO]}")
    page.evaluate("""() => {  // "4" of the extracted "48" (f9), inside its mark
        const node = document.getElementById('m-f9').firstChild, range = document.createRange();
        range.setStart(node, 0);
        range.setEnd(node, 1);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""")
    expect(page.locator("#a-overlap")).to_be_visible()
    expect(page.locator("#a-overlap-id")).to_contain_text("f9")
    expect(page.locator("#a-add")).to_be_disabled()
    page.click("#a-edit")  # edit that fact instead
    expect(page.locator("#editor")).to_be_visible()
    expect(page.locator("#e-id")).to_have_text("f9")
    for needle, value in (("xong 30", "30"), ("đang xử lý 12", "12")):
        page.evaluate(SELECT, [needle, len(needle) - 2, len(needle)])
        expect(page.locator("#a-text")).to_have_text(value)
        expect(page.locator("#a-overlap")).to_be_hidden()
        # the unit and period of the fact beside it (f9: 48 phản ánh, kiến nghị), its section
        expect(page.locator("#a-unit")).to_have_value("phản ánh, kiến nghị")
        expect(page.locator("#a-period")).to_have_value("9 tháng đầu năm 2023")
        expect(page.locator("#a-kind")).to_have_value("count")
        expect(page.locator("#a-section")).to_have_text("(mục I. > 3.)")
        page.fill("#a-label", "phản ánh, kiến nghị " + needle.split()[0])
        page.click("#a-add")
        page.wait_for_url(re.compile(r"saved="))
    added = page.locator('#facts-panel li.fi[data-status="added"]')
    expect(added).to_have_count(2)
    for i in range(2):
        expect(added.nth(i)).to_have_attribute("data-section", "I. > 3.")
    # both join the total's sum (same unit, same section), which shows the report's own
    # error (the demo report says 48 = 30 + 12)
    sums = page.locator('#checks li.check[data-sig^="sum|"][data-facts^="f9 a"]')
    expect(sums).to_have_count(1)
    expect(sums).to_have_attribute("data-status", "fail")
    expect(sums).to_contain_text("30 + 12 = 42 ≠ 48")
