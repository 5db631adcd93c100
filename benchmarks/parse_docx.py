"""Benchmark: parsers.docx beside the python-docx ``iter_inner_content()`` text walk.

Two inputs: the corpus DOCX files (corpus/docs/*.docx) and a long DOCX made in a temporary
directory by appending the corpus bodies, in turn, to one document until it holds about 100
page-equivalents (tables, numbering and footnote references included).

Page-equivalents (page-eq) follow MEASURED.md: the reportlab PDF page count of the same content
(corpus/docs/<ID>.pdf, counted with pypdfium2), so the DOCX numbers compare with the PDF ones.
When a PDF is missing, a seed counts characters / 3000 pages.

Throughput is in-process: median of ``--runs`` passes over the input after one warm-up pass,
imports excluded. Peak RSS is the whole process (interpreter, imports, one pass), measured in
a fresh child process per contender, as ``/usr/bin/time -v`` would.

    .venv/bin/python benchmarks/parse_docx.py            # from the repository root
    .venv/bin/python benchmarks/parse_docx.py --runs 9 --pages 200
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import own_peak_rss_mb, peak_rss_mb, timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "corpus" / "docs"


def reader_pass(paths: list[Path]) -> int:
    """parsers.parse (sniff, hash, zip check, read, build the Document); returns characters."""
    from baocao.parsers import parse

    return sum(len(parse(p).text) for p in paths)


def read_docx_pass(paths: list[Path]) -> int:
    """parsers.docx.read_docx alone (zip check, read, build), without parse()'s hash and sniff."""
    from baocao.parsers import Limits
    from baocao.parsers.docx import read_docx
    from baocao.schemas.document import Format, Source

    total = 0
    for p in paths:
        source = Source(path=str(p), sha256="0" * 64, format=Format.docx, size=p.stat().st_size)
        total += len(read_docx(p, source, Limits()).text)
    return total


def baseline_pass(paths: list[Path]) -> int:
    """python-docx: paragraphs and table cells in body order, text only (MEASURED.md's walk)."""
    import docx
    from docx.table import Table

    def walk(items: object) -> list[str]:
        out: list[str] = []
        for item in items:  # type: ignore[attr-defined]
            if isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        out.extend(walk(cell.iter_inner_content()))
            else:
                out.append(item.text)
        return out

    return sum(len("\n".join(walk(docx.Document(str(p)).iter_inner_content()))) for p in paths)


CONTENDERS: dict[str, Callable[[list[Path]], int]] = {
    "parsers.parse (sniff + hash + read_docx)": reader_pass,
    "parsers.docx.read_docx": read_docx_pass,
    "python-docx iter_inner_content walk": baseline_pass,
}


def page_equivalents(docx_path: Path) -> float:
    """Pages of the corpus reportlab PDF of the same seed, else characters / 3000."""
    pdf = docx_path.with_suffix(".pdf")
    if pdf.exists():
        import pypdfium2  # type: ignore[import-untyped]

        document = pypdfium2.PdfDocument(str(pdf))
        try:
            return float(len(document))
        finally:
            document.close()
    import docx

    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    return len(text) / 3000


def build_long(sources: list[Path], pages: float, out: Path) -> tuple[Path, float]:
    """One DOCX holding the corpus bodies appended in turn until ``pages`` page-eq are reached.

    The first source gives the styles, numbering and footnotes parts; every corpus file comes
    from the same template, so the copied numbering and footnote ids resolve.
    """
    import docx

    by_pages = {p: page_equivalents(p) for p in sources}
    base_path = next((p for p in sources if "003_" in p.name), sources[0])  # it has footnotes
    word = docx.Document(str(base_path))
    body = word.element.body
    total = by_pages[base_path]
    i = 0
    while total < pages:
        src = sources[i % len(sources)]
        for el in docx.Document(str(src)).element.body:
            if not el.tag.endswith("}sectPr"):
                body.sectPr.addprevious(copy.deepcopy(el))
        total += by_pages[src]
        i += 1
    word.save(str(out))
    return out, total


def report(label: str, paths: list[Path], pages: float, runs: int) -> None:
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"\n{label}: {len(paths)} file(s), {pages:g} page-eq, {size_mb:.2f} MB")
    print(f"  {'contender':42} {'median s':>9} {'page-eq/s':>10} {'MB/s':>6} {'peak RSS':>9} {'chars':>8}")
    for name, fn in CONTENDERS.items():
        seconds, chars = timed(fn, paths, runs)
        rss = peak_rss_mb(__file__, name, paths)
        print(f"  {name:42} {seconds:9.4f} {pages / seconds:10.0f} {size_mb / seconds:6.2f} "
              f"{rss:7.0f} MB {chars:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=float, default=100.0, help="size of the long document")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of:  # child mode: one pass, then print this process's peak RSS in MB
        CONTENDERS[args.rss_of]([Path(p) for p in args.paths])
        print(own_peak_rss_mb())
        return
    sources = sorted(CORPUS.glob("*.docx"))
    if not sources:
        sys.exit(f"no DOCX in {CORPUS}: build the corpus first (python -m corpus.build)")
    print(f"python {sys.version.split()[0]}, {args.runs} timed runs (median), one process")
    report("corpus", sources, sum(page_equivalents(p) for p in sources), args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        long_path, pages = build_long(sources, args.pages, Path(tmp) / "long.docx")
        report("long report", [long_path], pages, args.runs)


if __name__ == "__main__":
    main()
