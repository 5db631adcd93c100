"""A reviewer's pages under a login flood (issue 15, item 9): 40 clients posting wrong
passwords as fast as they can while a signed-in reviewer loads pages.

Run from the repository root:

    .venv/bin/python benchmarks/login_flood.py                 # every mode, 40 flooders
    .venv/bin/python benchmarks/login_flood.py --modes capped --flooders 40 --pages 40

The database is a fresh SQLite file with the five corpus seeds and the demo report (parsed,
extracted and stored as ingest would). The app runs in a uvicorn process of its own (as
``baocao review`` runs it), started by this script with the settings of each mode:

- ``default``: the app as shipped: the flood comes from one address, so after 20 failures
  in 15 minutes the address throttle refuses it without any password check;
- ``capped``: the address throttle off (an attacker with many addresses), each flooder a new
  name a try (no lockout helps): only the cap on concurrent argon2 work (as many as cores,
  a 2 s wait, then 503) protects the server;
- ``uncapped``: as ``capped`` with 12 slots: about the app before the cap, for comparison
  (before, 40 threads of the pool ran checks at once; as each holds a database connection,
  more than the pool's 15 fail with pool timeouts, so 12).

Figures: the reviewer's page wall time (the document page and the queue in turn, p50 and
p95 of ``--pages`` requests, one client, after a warm-up), quiet (no flood) and during the
flood; the server's RSS (peak of samples every 50 ms, psutil) quiet and during the flood; how
the flood's attempts were answered (401 wrong, 429 throttled/locked, 503 busy) and how many a
second; and what a new login of the reviewer (right password, from the flood's address) gets
during the flood. The reviewer's page session is opened before the flood.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import wait_serving  # noqa: E402

PASSWORD = "ca-phe-sua-da-sang"
MODES = {"default": {},
         "capped": {"client_limit": 10**9},
         "uncapped": {"client_limit": 10**9, "login_slots": 12}}


def serve(url: str, port: int, mode: str) -> None:
    """The server process of one mode (``--serve``)."""
    import uvicorn

    from baocao.review.app import create_app
    from baocao.review.auth import Throttle

    options = dict(MODES[mode])
    throttle = Throttle(client_limit=int(options.pop("client_limit", 20)))
    uvicorn.run(create_app(url, throttle=throttle, **options), host="127.0.0.1", port=port,
                log_level="error", access_log=False)


def prepare(folder: Path) -> tuple[str, int]:
    """A fresh SQLite database with the seeds and the demo report, a reviewer; the URL and
    the demo report's document id."""
    from baocao.review.demo import add_user, fill, write_demo_report

    path = folder / "flood.db"
    url = f"sqlite:///{path}"
    seeds = sorted((ROOT / "corpus" / "seeds").glob("*.txt"))
    ids = fill(url, [*seeds, write_demo_report(folder)])
    add_user(url, "binh", PASSWORD, "reviewer", all_places=True)
    return url, ids[-1]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no csrf field"
    return found[1]


def percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": round(statistics.median(times), 1),
            "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)}


class Sampler(threading.Thread):
    """The server's RSS every 50 ms; ``peak`` in MB."""

    def __init__(self, pid: int) -> None:
        import psutil

        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                rss = self.process.memory_info().rss
                for child in self.process.children(recursive=True):
                    rss += child.memory_info().rss
            except Exception:  # noqa: BLE001 - the process ended
                return
            self.peak = max(self.peak, rss / 2**20)
            time.sleep(0.05)


def signed_in(base: str) -> Any:
    """An httpx client of the reviewer, signed in (before any flood)."""
    import httpx

    client = httpx.Client(base_url=base, timeout=120)
    token = csrf(client.get("/login").text)
    signed = client.post("/login", data={"csrf": token, "name": "binh", "password": PASSWORD})
    assert signed.status_code == 303, signed.status_code
    return client


def pages(client: Any, doc: int, n: int) -> list[float]:
    """``n`` page loads of the signed-in reviewer (document page and queue in turn), in ms."""
    for path in (f"/doc/{doc}", "/"):
        assert client.get(path).status_code == 200
    times = []
    for i in range(n):
        path = f"/doc/{doc}" if i % 2 == 0 else "/"
        start = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200, (path, response.status_code)
    return times


def login_status(base: str) -> tuple[int, float]:
    """A new login of the reviewer (right password, same address as the flood): its status
    and wall time in ms."""
    import httpx

    with httpx.Client(base_url=base, timeout=120) as client:
        token = csrf(client.get("/login").text)
        start = time.perf_counter()
        r = client.post("/login", data={"csrf": token, "name": "binh", "password": PASSWORD})
        return r.status_code, round(1000 * (time.perf_counter() - start), 1)


def flood(base: str, flooders: int, stop: threading.Event, answers: Counter[int]) -> None:
    """``flooders`` threads posting wrong passwords, a new name a try, until ``stop``."""
    import httpx

    lock = threading.Lock()

    def one(k: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            token = csrf(client.get("/login").text)
            i = 0
            while not stop.is_set():
                i += 1
                r = client.post("/login", data={"csrf": token, "name": f"ke-la-{k}-{i}",
                                                "password": "sai-mat-khau-dai"})
                with lock:
                    answers[r.status_code] += 1

    threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(flooders)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(30)


def measure(url: str, doc: int, mode: str, flooders: int, n: int) -> dict[str, Any]:

    from baocao.review.demo import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port), mode],
                              cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, 300)
        sampler = Sampler(server.pid)
        sampler.start()
        reviewer = signed_in(base)
        quiet = pages(reviewer, doc, n)
        quiet_rss = sampler.peak
        # the flooders in a process of their own: their 40 threads would otherwise hold the
        # GIL the reviewer's client needs, and the figures would be this script's, not the app's
        flooding = subprocess.Popen([sys.executable, __file__, "--flood", base, str(flooders)],
                                    cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
        started = time.perf_counter()
        time.sleep(3)  # the flood at full strength first
        loud = pages(reviewer, doc, n)
        new_login = login_status(base)
        seconds = time.perf_counter() - started
        out, _ = flooding.communicate("", timeout=120)  # stdin closed: the flood stops
        answers = Counter({int(k): v for k, v in json.loads(out.splitlines()[-1]).items()})
        sampler.stop.set()
        reviewer.close()
        return {"mode": mode, "quiet_ms": percentiles(quiet), "flood_ms": percentiles(loud),
                "quiet_rss_mb": round(quiet_rss), "flood_peak_rss_mb": round(sampler.peak),
                "attempts": dict(sorted(answers.items())),
                "attempts_per_s": round(sum(answers.values()) / seconds, 1),
                "reviewer_login_during_flood": {"status": new_login[0], "ms": new_login[1]}}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--flooders", type=int, default=40)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--serve", nargs=3, metavar=("URL", "PORT", "MODE"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--flood", nargs=2, metavar=("BASE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    if args.flood:  # until standard input closes; then the answers' counts as JSON
        stop, answers = threading.Event(), Counter[int]()
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        flood(args.flood[0], int(args.flood[1]), stop, answers)
        print(json.dumps(answers))
        return
    with tempfile.TemporaryDirectory() as folder:
        url, doc = prepare(Path(folder))
        for mode in args.modes:
            result = measure(url, doc, mode, args.flooders, args.pages)
            print(json.dumps(result, ensure_ascii=False), flush=True)
    print(f"cores: {os.cpu_count()}", flush=True)


if __name__ == "__main__":
    main()
