"""The README's screenshots of the review app, taken in headless Chromium.

Run from the repository root (needs Debian's ``chromium`` and the test extras):

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a throw-away database from the corpus seeds, a corpus PDF and the demo report
(``review.demo.DEMO_REPORT``), serves the app on 127.0.0.1 and walks through a review at
1366×768: the login, the queue, a failed check and its facts, the correction and the checks
rerun with a comment, the document page on a 400 px phone, the history, a PDF fact on its
page; then the admin's pages after a re-ingest and a few wrong passwords: unplaced documents,
a metadata correction, the flags of the re-ingest, the second review, the reviewers'
statistics, the login attempts. Each PNG is saved as a 256-colour palette (Pillow).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baocao.review.app import create_app  # noqa: E402
from baocao.review.demo import Server, add_user, fill, write_demo_report  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "mat-khau-demo-1"


def build(folder: Path) -> tuple[str, dict[str, int]]:
    url = f"sqlite:///{folder / 'demo.db'}"
    files = [*sorted((ROOT / "corpus" / "seeds").glob("*.txt")),
             ROOT / "corpus" / "docs" / "004_1ab22aee8a00dbb0.pdf", write_demo_report(folder)]
    ids = dict(zip((f.name for f in files), fill(url, files)))
    add_user(url, "binh", PASSWORD, "reviewer", all_places=True)
    add_user(url, "chi", PASSWORD, "reviewer", ["Đắk Song"])
    add_user(url, "an", PASSWORD, "admin")
    return url, ids


def optimise(path: Path) -> None:
    """A 256-colour palette PNG: a fraction of the size, the text as sharp (flat UI colours)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=0)
    small.save(path, optimize=True)


def log_in(p: Any, base: str, name: str) -> None:
    p.goto(base + "/login")
    p.fill("#name", name)
    p.fill("#password", PASSWORD)
    p.click("#login")
    p.wait_for_selector("#who")


def walk(p: Any, base: str, url: str, ids: dict[str, int], folder: Path,
         out: Path) -> list[Path]:
    """Log in, review, correct, then the admin's pages; one screenshot per page."""
    shots = []

    def shot(name: str, **kw: Any) -> None:
        path = out / f"{name}.png"
        p.screenshot(path=str(path), **kw)
        optimise(path)
        shots.append(path)

    demo = ids["bao_cao_thu_tuc_hanh_chinh.txt"]
    p.set_viewport_size({"width": 1366, "height": 768})
    p.goto(base + "/")
    p.fill("#name", "binh")
    p.fill("#password", PASSWORD)
    shot("login", clip={"x": 0, "y": 0, "width": 1366, "height": 520})
    p.click("#login")
    p.wait_for_selector("#queue")
    shot("queue")
    p.goto(f"{base}/doc/{demo}")
    p.click('#checks li.check[data-status="fail"][data-sig^="sum|"]')
    p.click("#m-f7")
    p.fill("#e-value", "150")
    p.fill("#e-reason", "lỗi đánh máy: 2.100 - 1.950 = 150")
    shot("document-failed-check")
    p.press("#e-value", "Enter")
    p.wait_for_selector('#facts-panel li.fi[data-f="f7"][data-status="corrected"]')
    p.wait_for_selector("#rerun")
    p.keyboard.press("a")                       # f8 accepted, and the next fact shown
    p.wait_for_selector('#facts-panel li.fi[data-f="f8"][data-status="accepted"]')
    p.click("#m-f7")                            # back on the corrected fact: a comment
    p.locator("#e-comments summary").click()
    p.fill("#c-body", "đối chiếu với sổ theo dõi của bộ phận một cửa")
    p.click("#c-add")
    p.wait_for_selector("#c-list li")
    shot("document-corrected")
    p.set_viewport_size({"width": 400, "height": 860})
    p.goto(f"{base}/doc/{demo}")
    p.click("#m-f9")
    p.evaluate("window.scrollTo(0, 0)")
    shot("document-phone")
    p.set_viewport_size({"width": 1366, "height": 768})
    p.goto(f"{base}/doc/{demo}/history")
    shot("history")
    p.goto(f"{base}/doc/{ids['004_1ab22aee8a00dbb0.pdf']}")
    p.locator("#facts-panel li.fi[data-page='2'] a.fl").nth(3).click()
    p.wait_for_function("() => document.getElementById('pageimg').naturalWidth > 0")
    p.wait_for_timeout(200)
    shot("document-pdf")
    p.click("#logout")
    p.wait_for_selector("#login")

    for _ in range(3):                          # a few wrong passwords for the login log
        p.fill("#name", "chi")
        p.fill("#password", "doan-bua-mat-khau")
        p.click("#login")
        p.wait_for_selector("#login-error")
    # the demo report re-ingested with another figure where binh corrected one: a flag
    report = folder / "bao_cao_thu_tuc_hanh_chinh.txt"
    report.write_text(report.read_text(encoding="utf-8").replace("quá hạn 180", "quá hạn 170"),
                      encoding="utf-8")
    fill(url, [report])

    log_in(p, base, "an")
    p.click("#nav-unplaced")
    p.wait_for_selector("#unplaced")
    shot("unplaced")
    p.locator("#unplaced tr[data-doc] a.meta-link").first.click()
    p.fill("#m-place", "dak song")
    p.fill("#m-reason", "địa bàn ở phần chữ ký")
    p.click("#meta-save")
    p.wait_for_selector("#meta-saved")
    shot("metadata")
    p.goto(f"{base}/doc/{demo}/flags")
    p.wait_for_selector(".flag, #no-flags")
    shot("flags")
    p.click("#nav-second")
    p.wait_for_selector("section.second, #no-second")
    shot("second-review")
    p.locator("section.second button[value=agree]").first.click()
    p.wait_for_load_state()
    p.click("#nav-stats")
    p.wait_for_selector("#stats")
    shot("statistics")
    p.click("#nav-logins")
    p.wait_for_selector("#logins")
    shot("logins")
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url, ids = build(Path(tmp))
        with Server(create_app(url)) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                    timezone_id="Asia/Ho_Chi_Minh")
            page.set_default_timeout(15_000)
            for path in walk(page, base, url, ids, Path(tmp), args.out):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
            browser.close()


if __name__ == "__main__":
    main()
