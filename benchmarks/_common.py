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
