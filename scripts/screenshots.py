"""The README's screenshots of the review app, taken in headless Chromium.

Run from the repository root (needs Debian's ``chromium`` and the test extras):

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a throw-away database from the corpus seeds, a corpus PDF and the demo report
(``review.demo.DEMO_REPORT``), serves the app on 127.0.0.1 and walks through a review: the
queue, a failed check and its facts, the correction and the checks rerun, the history, a
PDF fact on its page.
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
    add_user(url, "an", PASSWORD, "admin")
    return url, ids


def walk(p: Any, base: str, ids: dict[str, int], out: Path) -> list[Path]:
    """Log in, review, correct; one screenshot per main page."""
    shots = []

    def shot(name: str) -> None:
        path = out / f"{name}.png"
        p.screenshot(path=str(path))
        shots.append(path)

    demo = ids["bao_cao_thu_tuc_hanh_chinh.txt"]
    p.goto(base + "/")
    p.fill("#name", "binh")
    p.fill("#password", PASSWORD)
    shot("login")
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
    p.wait_for_selector("#rerun")
    shot("document-corrected")
    p.goto(f"{base}/doc/{demo}/history")
    shot("history")
    p.goto(f"{base}/doc/{ids['004_1ab22aee8a00dbb0.pdf']}")
    p.locator("#facts-panel li.fi[data-page='2'] a.fl").nth(3).click()
    p.wait_for_function("() => document.getElementById('pageimg').naturalWidth > 0")
    p.wait_for_timeout(200)
    shot("document-pdf")
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
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            for path in walk(page, base, ids, args.out):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
            browser.close()


if __name__ == "__main__":
    main()
