"""Same output before and after a speed change: dump, then diff, every parse and extraction.

Run from the repository root:

    .venv/bin/python benchmarks/extract_equivalence.py --write /tmp/before   # on the old code
    .venv/bin/python benchmarks/extract_equivalence.py --compare /tmp/before # on the new code

``--code /tmp/old`` runs an old checkout's code (``git archive <commit> | tar -x -C /tmp/old``)
on this checkout's inputs. Every corpus file (corpus/seeds, corpus/docs), every devset text
(../shared/devset/texts), the born-digital real documents (../shared/realdocs, scans left out
unless ``--ocr``) and any file named on the command line are parsed and extracted; the
Document JSON and the Extraction JSON of each are written (``--write``) or
compared with what was written (``--compare``), which prints the first differing line of each
file that changed and exits 1 when anything did. An optimisation must leave every file equal.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baocao.extractor.pipeline import extract_document  # noqa: E402
from baocao.parsers import parse  # noqa: E402


def inputs(ocr: bool) -> list[Path]:
    shared = ROOT.parent / "shared"
    files = sorted((ROOT / "corpus/seeds").glob("*")) + sorted((ROOT / "corpus/docs").glob("*"))
    files += sorted((shared / "devset/texts").glob("*.txt"))
    files += sorted(p for p in (shared / "realdocs").glob("*.*")
                    if p.suffix != ".md" and (ocr or ".scanned." not in p.name))
    return [f for f in files if f.is_file()]


def dump(path: Path) -> dict[str, str]:
    try:
        doc = parse(path)
    except Exception as e:  # a typed parse error is an output too
        return {"error": f"{type(e).__name__}: {e}"}
    out = json.loads(extract_document(doc).model_dump_json())
    document = json.loads(doc.model_dump_json())
    return {"document": json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True),
            "extraction": json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True)}


def main() -> int:
    ap = argparse.ArgumentParser()
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--compare", type=Path)
    ap.add_argument("--ocr", action="store_true", help="also the scanned real documents")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose code runs (an old one, for the 'before' dump)")
    ap.add_argument("extra", nargs="*", type=Path, help="more files, e.g. a 100-page report")
    args = ap.parse_args()
    if args.code != ROOT:
        sys.path.insert(0, str(args.code))
        for name in [m for m in sys.modules if m == "baocao" or m.startswith("baocao.")]:
            del sys.modules[name]
    global parse, extract_document
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    folder: Path = args.write or args.compare
    changed = 0
    files = inputs(args.ocr) + list(args.extra)
    for path in files:
        name = f"{path.parent.name}__{path.name}"
        for part, text in dump(path).items():
            target = folder / f"{name}.{part}.json"
            if args.write:
                folder.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                continue
            old = target.read_text(encoding="utf-8") if target.exists() else ""
            if old != text:
                changed += 1
                diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                                 lineterm="", n=1))
                print(f"CHANGED {target.name}: " + " | ".join(diff[2:8]))
    verb = "written" if args.write else "compared"
    print(f"{len(files)} files {verb}; {changed} outputs differ")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
