"""Benchmark: instructions executed by one pass over the corpus, counted by valgrind's callgrind.

Wall and CPU time move with whatever else the machine runs; the count of instructions a pass
executes barely does, so a small speed change (a few per cent) can be measured on a busy,
shared machine, and an old checkout compared with this one in the same run. Each stage is run
in a child under ``valgrind --tool=callgrind`` twice, with zero passes and with ``--passes``
passes over ``corpus/docs`` (after one warm-up pass in both), and the difference divided by the
passes is the cost of one pass: start-up, imports and the warm-up cancel out.

Stages: ``parse`` (every corpus file read into a Document) and ``extract`` (facts, metadata,
checks on the parsed Documents, parsing excluded). Needs valgrind (Debian package ``valgrind``);
it is slow (about 50x), so the corpus is small and one pass is the default. From the repo root:

    .venv/bin/python benchmarks/instructions.py                       # this checkout, both stages
    .venv/bin/python benchmarks/instructions.py --stage parse --code /tmp/old --code .

``--code`` names checkouts whose code runs (``git worktree add --detach /tmp/old <commit>``);
the inputs are always this checkout's corpus.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("parse", "extract")


def child(stage: str, code: Path, passes: int) -> None:
    """Runs inside valgrind: warm up, then ``passes`` passes of ``stage``."""
    sys.path.insert(0, str(code))
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse

    files = sorted(p for p in (ROOT / "corpus/docs").glob("*") if p.is_file())
    if stage == "parse":
        for _ in range(passes + 1):
            for f in files:
                parse(f)
        return
    docs = [parse(f) for f in files]
    for _ in range(passes + 1):
        for d in docs:
            extract_document(d)


def count(stage: str, code: Path, passes: int) -> int:
    """Instructions callgrind collected for the whole child process."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
               sys.executable, __file__, "--child", stage, "--code", str(code),
               "--passes", str(passes)]
        run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    m = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
    if not m:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{run.stderr[-2000:]}")
    return int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", choices=STAGES, action="append")
    ap.add_argument("--code", type=Path, action="append",
                    help="a checkout whose code runs (repeat to compare; default: this one)")
    ap.add_argument("--passes", type=int, default=1)
    ap.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    codes = [c.resolve() for c in (args.code or [ROOT])]
    if args.child:
        child(args.child, codes[0], args.passes)
        return 0
    if not shutil.which("valgrind"):
        # not an error for `make bench`, which runs every benchmark: nothing measured, said so
        print("instructions: not measured, valgrind is not installed (apt-get install valgrind)")
        return 0
    for stage in args.stage or list(STAGES):
        first = None
        for code in codes:
            per_pass = (count(stage, code, args.passes) - count(stage, code, 0)) / args.passes
            rel = "" if first is None else f"  {100 * (per_pass / first - 1):+.1f} %"
            first = per_pass if first is None else first
            print(f"{stage:8} {str(code):40} {per_pass / 1e6:10,.1f} M instructions/pass{rel}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
