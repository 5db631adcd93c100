"""The desk pages in a real headless Chromium (fixtures of tests/test_review_e2e.py): an admin
places an unplaced document and assigns another, the reviewer of that place then finds both
in her queue, searches it, and sees a report's renderings grouped; no page logs a Content
Security Policy violation or a script error."""

from __future__ import annotations

import re
from typing import Any

from tests.test_review_e2e import browser, log_in, page, site  # noqa: F401


def watch(tab: Any) -> list[str]:
    """Console errors and page errors (a CSP violation is a console error)."""
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_admin_places_and_assigns_then_the_reviewer_finds_them(
        page: Any, browser: Any, site: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, ids = site
    unplaced = next(v for k, v in ids.items() if k.startswith("000"))
    assigned = next(v for k, v in ids.items() if k.startswith("002"))
    errors = watch(page)
    log_in(page, base, "an")
    page.click("#to-unplaced")
    expect(page.locator(f'#unplaced tr[data-doc="{unplaced}"]')).to_contain_text("chưa rõ địa bàn")
    page.locator(f'#unplaced tr[data-doc="{unplaced}"] a.meta-link').click()
    page.fill("#m-place", "dak song")
    page.fill("#m-reason", "địa bàn ở phần ký")
    page.click("#meta-save")
    expect(page.locator("#meta-saved")).to_be_visible()
    expect(page.locator("#m-place")).to_have_value("Đắk Song")
    page.goto(base + "/admin/unplaced")
    expect(page.locator(f'#unplaced tr[data-doc="{unplaced}"]')).to_have_count(0)
    row = page.locator(f'#unplaced tr[data-doc="{assigned}"]')
    row.locator("form.assign select").select_option(label="chi")
    row.locator("form.assign button").click()
    expect(page.locator(f'#unplaced tr[data-doc="{assigned}"] .assignee')).to_have_text("chi")
    assert errors == []

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors = watch(tab)
    log_in(tab, base, "chi")
    listed = {int(d) for d in re.findall(r'data-(?:doc|rendering)="(\d+)"', tab.content())}
    assert {unplaced, assigned} <= listed
    tab.fill("#f-q", "BC-NV")
    tab.press("#f-q", "Enter")
    tab.wait_for_url(re.compile(r"q=BC-NV"))
    txt, pdf = (ids[f"004_1ab22aee8a00dbb0.{ext}"] for ext in ("txt", "pdf"))
    grouped = tab.locator("#queue tbody tr", has=tab.locator(f'li[data-rendering="{pdf}"]'))
    expect(grouped).to_have_count(1)                     # the .txt and the .pdf: one row
    expect(grouped.locator(f'li[data-rendering="{txt}"]')).to_have_count(1)
    expect(tab.locator(f'#queue tr[data-doc="{unplaced}"]')).to_have_count(0)  # no BC-NV
    tab.select_option("#f-sort", "changed")
    tab.click("#filters button[type=submit]")
    tab.wait_for_url(re.compile(r"sort=changed"))
    expect(tab.locator("#f-sort")).to_have_value("changed")
    assert errors == []
    context.close()
