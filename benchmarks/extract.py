"""Extraction speed: parsed Document → facts, metadata and checks (with the NLP), one core.

Run from the repository root:  .venv/bin/python benchmarks/extract.py [--runs 5]

Documents are parsed once (parsing is measured by the parse_* benchmarks); then every corpus
document is extracted ``--runs`` times and the median characters per second is reported,
beside two baselines measured in the same run on the same canonical texts: a bare figure
regex pass (the floor) and underthesea's word_tokenize over the whole text (what running the
NLP on whole documents would cost), by wall-clock and by CPU time. Goals: at least 100,000
characters per second (issue 3), 400,000 (issue 14).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baocao.extractor.pipeline import extract_document  # noqa: E402
from baocao.parsers import parse  # noqa: E402

FIGURE = re.compile(r"\d+(?:[.,]\d+)*(?:\s?/\s?\d+(?:[.,]\d+)*)?\s?%?")


def _rate(func, texts_or_docs, chars: int, runs: int) -> tuple[float, float]:  # noqa: ANN001
    """Characters per second of wall-clock time and of this process's CPU time (medians): on a
    shared machine the CPU figure is the steadier one."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        for item in texts_or_docs:
            func(item)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return chars / statistics.median(times), chars / statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    files = sorted((ROOT / "corpus/seeds").glob("*")) + sorted((ROOT / "corpus/docs").glob("*"))
    docs = [parse(f) for f in files]
    texts = [d.text for d in docs]
    chars = sum(len(t) for t in texts)
    for d in docs[:3]:
        extract_document(d)  # warm caches: vocabulary, spaCy matcher, underthesea model
    from underthesea import word_tokenize

    word_tokenize("khởi động")
    rows = [
        ("regex figure pass (floor)", _rate(lambda t: FIGURE.findall(t), texts, chars, args.runs)),
        ("underthesea word_tokenize, whole text", _rate(word_tokenize, texts, chars, 1)),
        ("baocao extract_document (facts+meta+checks)", _rate(extract_document, docs, chars, args.runs)),
    ]
    print(f"{len(docs)} documents, {chars:,} characters of canonical text, median of {args.runs} runs")
    print(f"{'what':<46} {'chars/s':>12} {'chars/CPU s':>12}")
    for name, (rate, cpu_rate) in rows:
        print(f"{name:<46} {rate:>12,.0f} {cpu_rate:>12,.0f}")
    ours, base = rows[-1][1], rows[1][1]
    print(f"extraction = {ours[0] / base[0]:.2f}x underthesea's bare word_tokenize (CPU: "
          f"{ours[1] / base[1]:.2f}x); goal (issue 14): 400,000 characters/s")


if __name__ == "__main__":
    main()
