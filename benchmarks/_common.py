"""Helpers shared by the benchmarks: median timing and whole-process peak RSS of one pass."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def timed(fn: Callable[[list[Path]], int], paths: list[Path], runs: int) -> tuple[float, int]:
    """Median seconds of ``runs`` passes after one warm-up pass (imports, caches, data files)."""
    chars = fn(paths)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(paths)
        times.append(time.perf_counter() - start)
    return statistics.median(times), chars


def own_peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, because Linux carries ru_maxrss over from the forking
    parent across exec, which would charge the benchmark's own memory to the child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(script: str, name: str, paths: list[Path]) -> float:
    """Whole-process peak RSS of one pass of ``name``: ``script --rss-of name paths...``."""
    cmd = [sys.executable, script, "--rss-of", name, *map(str, paths)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def fresh_sqlite(folder: Path, name: str) -> str:
    """The URL of an empty SQLite database file ``folder/name`` (WAL side files removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


class FreshPostgres:
    """A throw-away PostgreSQL database on ``server`` for one run, dropped afterwards."""

    def __init__(self, server: str, prefix: str = "baocao_bench") -> None:
        import secrets

        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from baocao.store.db import resolve_url

        self.name = f"{prefix}_{secrets.token_hex(4)}"
        self.admin = create_engine(resolve_url(server), isolation_level="AUTOCOMMIT")
        self.url = make_url(resolve_url(server)).set(database=self.name).render_as_string(
            hide_password=False)

    def __enter__(self) -> str:
        from sqlalchemy import text

        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import text

        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def wait_serving(base: str, tries: int = 300) -> None:
    """Wait (``tries`` x 0.1 s at most) until a review server started at ``base`` answers."""
    import httpx

    for _ in range(tries):
        try:
            httpx.get(base + "/login", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
