"""Build the test corpus: every seed in corpus/seeds/ rendered as DOCX, PDF, LibreOffice PDF and HTML.

Run from the repository root::

    .venv/bin/python -m corpus.build              # build everything, then check it
    .venv/bin/python -m corpus.build --only 001_422e18ebd3f30e83
    .venv/bin/python -m corpus.build --check-only # only compare the committed files with the seeds

Files are written only when their bytes change, and the DOCX, PDF and HTML are
deterministic, so a rebuild of an unchanged seed leaves the tree clean. The
LibreOffice PDF carries its own timestamps, so it is re-made only when its DOCX
changed (or with ``--force-lo``); without soffice the committed one is kept.
No network is needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .builder.check import check_seed
from .builder.docx_writer import render_docx
from .builder.html_writer import render_html
from .builder.legacy import encode_cp1258
from .builder.libreoffice import convert_to_pdf, find_soffice
from .builder.model import Document
from .builder.parse import parse_seed
from .builder.pdf_writer import render_pdf
from .builder.profiles import profile_for

CORPUS_DIR = Path(__file__).resolve().parent
SEEDS_DIR = CORPUS_DIR / "seeds"
DOCS_DIR = CORPUS_DIR / "docs"


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly it; True when written."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    print(f"  wrote {path.relative_to(CORPUS_DIR.parent)} ({len(data)} bytes)")
    return True


def build_seed(seed_id: str, doc: Document) -> bool:
    """Render one parsed seed; True when its DOCX changed (so its LibreOffice PDF is stale)."""
    profile = profile_for(seed_id)
    base = DOCS_DIR / seed_id
    docx_changed = _write_if_changed(base.with_suffix(".docx"), render_docx(doc, profile))
    _write_if_changed(base.with_suffix(".pdf"), render_pdf(doc, profile))
    _write_if_changed(base.with_suffix(".html"), render_html(doc, profile).encode("utf-8"))
    if profile.legacy_cp1258:
        page = render_html(doc, profile, charset="windows-1258")
        _write_if_changed(base.with_name(f"{seed_id}.cp1258.html"), encode_cp1258(page))
    return docx_changed


def convert_with_libreoffice(seed_ids: list[str]) -> None:
    """Make <ID>.lo.pdf from <ID>.docx for ``seed_ids``; skip with a message without soffice."""
    if not seed_ids:
        print("LibreOffice PDFs are up to date")
        return
    if find_soffice() is None:
        print("soffice not found: keeping the committed .lo.pdf files (install libreoffice-writer-nogui)")
        return
    sources = [DOCS_DIR / f"{seed_id}.docx" for seed_id in seed_ids]
    targets = [DOCS_DIR / f"{seed_id}.lo.pdf" for seed_id in seed_ids]
    print(f"LibreOffice: converting {len(sources)} DOCX")
    convert_to_pdf(sources, targets)


def check(seeds: dict[str, tuple[str, Document]]) -> int:
    """Print the comparison of every output with its seed; the number of problems."""
    problems = 0
    for seed_id, (text, doc) in seeds.items():
        report = check_seed(text, doc, profile_for(seed_id), DOCS_DIR)
        print(f"check {seed_id}: {'OK' if not report.problems else 'PROBLEMS'}")
        for fact in report.facts:
            print(f"    {fact}")
        for problem in report.problems:
            print(f"  ! {problem}")
        problems += len(report.problems)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus.build", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", metavar="ID", help="seed id (file stem); repeatable")
    parser.add_argument("--check-only", action="store_true", help="do not write, only check the files")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with the seeds")
    parser.add_argument("--no-lo", action="store_true", help="skip the LibreOffice conversion")
    parser.add_argument("--force-lo", action="store_true", help="re-make every .lo.pdf even if its DOCX is unchanged")
    args = parser.parse_args(argv)

    paths = sorted(SEEDS_DIR.glob("*.txt"))
    if args.only:
        paths = [p for p in paths if p.stem in set(args.only)]
        unknown = set(args.only) - {p.stem for p in paths}
        if unknown:
            parser.error(f"no seed {', '.join(sorted(unknown))} in {SEEDS_DIR}")
    seeds: dict[str, tuple[str, Document]] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        seeds[path.stem] = (text, parse_seed(path.stem, text, profile_for(path.stem)))

    if not args.check_only:
        DOCS_DIR.mkdir(exist_ok=True)
        stale = []
        for seed_id, (_, doc) in seeds.items():
            print(f"build {seed_id}")
            lo_pdf = DOCS_DIR / f"{seed_id}.lo.pdf"
            if build_seed(seed_id, doc) or args.force_lo or not lo_pdf.exists():
                stale.append(seed_id)
        if not args.no_lo:
            convert_with_libreoffice(stale)
    if args.no_check:
        return 0
    problems = check(seeds)
    print(f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
