"""End to end in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The story: log in, open the document with the most failed checks, correct a value, watch the
check turn from fail to pass, log out, log in as a second reviewer, see the history, export
and find the corrected value. Then: a hostile HTML document fires no dialog, the keyboard
works, a missed figure is added from a text selection, a PDF fact shows its page and box.

Chromium missing: the tests FAIL under CI (``CI=true``; ``.ci/run`` installs it) and are
skipped with the reason elsewhere. ``playwright install`` is never needed: Playwright drives
the system Chromium through ``executable_path``.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baocao.review.app import create_app
from baocao.review.demo import Server, write_demo_report
from tests.review_support import PASSWORD, PDF, SEEDS, add_users, fill, script_file

CHROMIUM = os.environ.get("BAOCAO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def unavailable() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]'"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (.ci/run does)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """The app over a SQLite database of the seeds, a PDF, the demo report and a hostile page."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'review.db'}"
    ids = fill(url, [*SEEDS, PDF, write_demo_report(folder), script_file(folder)])
    add_users(url)
    with Server(create_app(url)) as base:
        yield base, ids


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(base + "/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("#who")


def test_correct_a_value_and_find_it_in_history_and_export(page: Any, site: Any) -> None:
    from playwright.sync_api import expect

    base, ids = site
    demo = ids["bao_cao_thu_tuc_hanh_chinh.txt"]
    log_in(page, base, "binh")
    first = page.locator("#queue tbody tr").first
    assert first.get_attribute("data-doc") == str(demo)  # two failed checks: on top
    first.locator("a.doclink").click()
    page.wait_for_selector("#doctext")
    expect(page.locator("#failed-count")).to_have_text("2 kiểm tra sai")
    check = page.locator('#checks li.check[data-status="fail"][data-sig^="sum|"]')
    sig = check.get_attribute("data-sig")
    check.click()  # a failed check highlights all of its facts
    expect(page.locator("#doctext mark.inchk")).to_have_count(3)
    page.locator("#m-f7").click()  # quá hạn 180: should be 150
    expect(page.locator("#e-id")).to_have_text("f7")
    expect(page.locator("#e-value")).to_have_value("180")
    page.fill("#e-value", "150")
    page.fill("#e-reason", "lỗi đánh máy")
    page.press("#e-value", "Enter")
    page.wait_for_selector("#rerun")
    expect(page.locator('#rerun li.chg[data-rule="sum"]')).to_have_attribute("data-after", "pass")
    expect(page.locator('#rerun li.chg[data-rule="sum"]')).to_have_attribute("data-before", "fail")
    expect(page.locator(f'#checks li.check[data-sig="{sig}"]')).to_have_attribute(
        "data-status", "pass")
    expect(page.locator("#failed-count")).to_have_text("1 kiểm tra sai")
    expect(page.locator("#fi-" + page.locator("#m-f7").evaluate(
        "m => document.querySelector('li.fi[data-f=\"f7\"]').dataset.key"))).to_have_attribute(
        "data-status", "corrected")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login"))

    log_in(page, base, "an")
    page.goto(f"{base}/doc/{demo}/history")
    edit = page.locator('#history tr[data-action="correction.edit"]')
    expect(edit).to_have_count(1)
    for text in ("binh", "180", "150", "lỗi đánh máy"):
        expect(edit).to_contain_text(text)
    expect(page.locator('#history tr[data-action="checks.rerun"]')).to_contain_text(
        "tổng các phần")  # the rule in Vietnamese
    page.goto(f"{base}/doc/{demo}")
    with page.expect_download() as download:
        page.click("#doc-export")
    rows = list(csv.DictReader(Path(download.value.path()).open(encoding="utf-8")))
    row = next(r for r in rows if r["source_text"] == "180")
    assert (row["status"], float(row["corrected_value"]), row["corrected_by"]) == (
        "corrected", 150.0, "binh")
    assert float(row["value"]) == 180.0 and row["correction_reason"] == "lỗi đánh máy"


def test_a_script_in_a_document_shows_as_text_and_never_runs(page: Any, site: Any) -> None:
    base, ids = site
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, base, "an")
    page.goto(f"{base}/doc/{ids['script.html']}")
    page.wait_for_selector("#doctext")
    assert "<script>alert(1)</script>" in page.inner_text("#doctext")
    assert "<img src=x onerror=alert(3)>" in page.inner_text("#doctext")
    page.locator("#doctext mark.fact").first.click()
    page.wait_for_timeout(300)
    assert dialogs == []


def test_keyboard_next_previous_accept_edit_next_failed_check(page: Any, site: Any) -> None:
    from playwright.sync_api import expect

    base, ids = site
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids['003_93ee7d9315423c01.txt']}")
    facts = page.locator("#facts-panel li.fi")
    page.keyboard.press("j")
    expect(facts.nth(0)).to_have_class(re.compile(r"\bsel\b"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(facts.nth(1)).to_have_class(re.compile(r"\bsel\b"))
    expect(page.locator("mark.fact.sel")).to_have_count(1)
    page.keyboard.press("n")
    expect(page.locator("#checks li.check.active")).to_have_attribute("data-status", "fail")
    page.keyboard.press("e")
    expect(page.locator("#e-value")).to_be_focused()
    page.keyboard.press("Escape")  # nothing typed: leaves the field, no question
    expect(page.locator("#e-value")).not_to_be_focused()
    key = page.locator("#facts-panel li.fi.sel").get_attribute("data-key")
    page.evaluate("window.__still_here = 1")
    page.keyboard.press("a")  # accepted, and the next undecided fact is shown
    expect(page.locator(f"#fi-{key}")).to_have_attribute("data-status", "accepted")
    expect(page.locator(f"#fi-{key}")).not_to_have_class(re.compile(r"\bsel\b"))
    expect(page.locator("#facts-panel li.fi.sel")).to_have_attribute("data-status", "extracted")
    assert page.evaluate("window.__still_here") == 1  # no page load


def test_add_a_missed_fact_by_selecting_text(page: Any, site: Any) -> None:
    from playwright.sync_api import expect

    base, ids = site
    log_in(page, base, "binh")
    page.goto(f"{base}/doc/{ids['bao_cao_thu_tuc_hanh_chinh.txt']}")
    page.evaluate("""() => {
        const walker = document.createTreeWalker(document.getElementById('doctext'),
                                                 NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, at = node.data.indexOf('xong 30, ');
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at + 5);
            range.setEnd(node, at + 7);  // "30"
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
            return;
        }
        throw new Error('text not found');
    }""")
    expect(page.locator("#adder")).to_be_visible()
    expect(page.locator("#a-text")).to_have_text("30")
    page.fill("#a-unit", "phản ánh")
    page.fill("#a-label", "phản ánh đã xử lý xong")
    page.click("#a-add")
    page.wait_for_url(re.compile(r"saved="))
    added = page.locator('#facts-panel li.fi[data-status="added"]')
    expect(added).to_have_count(1)
    expect(added).to_have_attribute("data-text", "30")
    expect(page.locator("#doctext mark.s-added")).to_have_text("30")


def test_a_pdf_fact_shows_its_page_with_its_box(page: Any, site: Any) -> None:
    from playwright.sync_api import expect

    base, ids = site
    log_in(page, base, "an")
    page.goto(f"{base}/doc/{ids[PDF.name]}")
    page.locator("#facts-panel li.fi[data-page='1'] a.fl").first.click()
    expect(page.locator("#pageview")).to_be_visible()
    page.wait_for_function("() => document.getElementById('pageimg').naturalWidth > 0")
    expect(page.locator("#factbox")).to_be_visible()
    box = page.locator("#factbox").bounding_box()
    image = page.locator("#pageimg").bounding_box()
    assert box is not None and image is not None
    assert image["x"] <= box["x"] and box["x"] + box["width"] <= image["x"] + image["width"] + 1
    assert 0 < box["height"] < image["height"] / 10
