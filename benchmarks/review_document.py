"""The document page's actions, timed in a real browser (issue 15, item 6): a decision and the
next fact shown, on a report of about 475 facts and one of about 2,000 (goal: < 150 ms).

Run from the repository root:

    .venv/bin/python benchmarks/review_document.py                 # SQLite, 24 and 100 pages
    .venv/bin/python benchmarks/review_document.py --db postgresql --decisions 20

The reports are benchmarks/review.py's dense PDF (the corpus pages with the most facts) at
two lengths, parsed, extracted and stored as ``baocao ingest`` would, with their parsed
Document. The app runs in a uvicorn process of its own (benchmarks/review.py ``served``);
headless Chromium (Playwright, /usr/bin/chromium) opens the document page and every figure is
measured inside the page with ``performance.now()``: from the key press to the frame after the
decided fact shows its new status and the next undecided fact is selected (fetch, server:
decision + checks rerun on the whole report + JSON, and the page update). ``skip`` and
``j`` are the client alone. Also: the page's first load (navigation to load event).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import FreshPostgres, fresh_sqlite  # noqa: E402

from review import CACHE, PASSWORD, PG_SERVER, dense_report, served, store_report  # noqa: E402

CHROMIUM = os.environ.get("BAOCAO_CHROMIUM", "/usr/bin/chromium")

# keydown on the page, then wait (each animation frame) until ``done`` holds; milliseconds
TIMED_KEY = """async ([key, before]) => {
  const t0 = performance.now();
  const fire = (k) => document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true}));
  if (key === 'save') {
    const v = document.getElementById('e-value');
    const kind = document.getElementById('e-kind').value;
    v.focus(); v.value = (kind === 'date' || kind === 'deadline') ? '1/1/2024' : '12345';
    v.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
  } else fire(key);
  const decided = {a: 'accepted', save: 'corrected', u: 'extracted'}[key];
  let shown = null;
  await new Promise((resolve, reject) => {
    const limit = t0 + 20000;
    const check = () => {
      const sel = document.querySelector('#facts-panel li.fi.sel');
      const old = document.getElementById('fi-' + before);
      const moved = key === 'u' ? old && old.dataset.status === decided
                                : sel && sel.dataset.key !== before;
      if (moved && shown === null) shown = performance.now() - t0;
      const saved = decided ? old && old.dataset.status === decided &&
                              !old.classList.contains('pending') : true;
      if (moved && saved) resolve();
      else if (performance.now() > limit) {
        reject(new Error('no update for ' + key + ': ' + document.getElementById('e-error').textContent));
      }
      else requestAnimationFrame(check);
    };
    check();
  });
  await new Promise((r) => requestAnimationFrame(() => r()));
  return [shown, performance.now() - t0];
}"""


def stats(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": statistics.median(times), "p95": times[min(len(times) - 1,
                                                              int(0.95 * len(times)))],
            "n": len(times)}


def browse(base: str, doc: int, decisions: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(base + "/login")
        page.fill("#name", "bench")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_selector("#who")
        loads = []
        for _ in range(3):
            page.goto(f"{base}/doc/{doc}")
            loads.append(page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.loadEventEnd - n.startTime; }"))
        out["page load"] = stats(loads)
        page.evaluate("window.__marker = 1")
        page.keyboard.press("j")
        runs: dict[str, list[float]] = {"a": [], "save": [], "u": [], "s": [], "j": [],
                                        "a saved": [], "save saved": []}
        saved = ""
        for i in range(decisions):
            for key in ("a", "save", "u", "s", "j"):
                if key == "u" and i % 2:
                    continue  # undo every other round: the page keeps undecided facts
                before = saved if key == "u" else page.evaluate(
                    "() => document.querySelector('#facts-panel li.fi.sel').dataset.key")
                if key == "save":
                    saved = before  # undo takes this decision back
                shown, saved_ms = page.evaluate(TIMED_KEY, [key, before])
                runs[key].append(shown)
                if key in ("a", "save"):
                    runs[key + " saved"].append(saved_ms)
        assert page.evaluate("window.__marker") == 1, "the page was reloaded"
        names = {"a": "accept (a): next undecided shown",
                 "a saved": "accept (a): saved, status and checks shown",
                 "save": "edit value + Enter: next shown",
                 "save saved": "edit value + Enter: saved, checks rerun shown",
                 "u": "undo (u): fact restored", "s": "skip (s): next undecided (client)",
                 "j": "next fact (j, client)"}
        for key, name in names.items():
            out[name] = stats(runs[key])
        browser.close()
    return out


def measure(url: str, pages: int, decisions: int) -> tuple[int, dict[str, Any]]:
    from baocao.review.auth import add_user
    from baocao.store.db import session_scope, upgrade

    upgrade(url)
    doc, n_facts, _ = store_report(url, dense_report(pages))
    with session_scope(url) as session:
        add_user(session, "bench", "admin", PASSWORD)
    with served(url) as base:
        return n_facts, browse(base, doc, decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pages", type=int, nargs="+", default=[24, 100],
                        help="report lengths (24 pages: ~475 facts; 100: ~2,000)")
    parser.add_argument("--decisions", type=int, default=10)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    for pages in args.pages:
        if args.db == "sqlite":
            n, r = measure(fresh_sqlite(CACHE, f"review-doc-{pages}.db"), pages, args.decisions)
        else:
            with FreshPostgres(PG_SERVER, f"baocao_bench_doc_{pages}") as url:
                n, r = measure(url, pages, args.decisions)
        print(f"\n{args.db}: report of {pages} pages, {n:,} facts (in the browser, ms)")
        print(f"  {'action':<42} {'p50':>7} {'p95':>7} {'n':>4}   goal")
        for name, t in r.items():
            goal = "< 150" if "shown" in name else ""
            print(f"  {name:<42} {t['p50']:7.1f} {t['p95']:7.1f} {t['n']:4d}   {goal}")


if __name__ == "__main__":
    main()
