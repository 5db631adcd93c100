"""Benchmark: parsers.html beside MEASURED.md's floor, selectolax + ``div.news-content`` text.

Two inputs: the corpus pages (corpus/docs/*.html, the windows-1258 twin included) and a long
page made in a temporary directory by putting the corpus article bodies, in turn, into one
portal page until it holds about 100 page-equivalents.

The baseline is the floor of MEASURED.md's HTML table: ``LexborHTMLParser(bytes)`` then
``css_first("div.news-content").text()``. It knows the portal's selector, takes the bytes as
UTF-8 (so it garbles the windows-1258 twin), keeps the view-counter line, drops footnote
structure and flattens tables; the reader does the charset check, chrome removal, blocks,
table grids, footnotes and the Document. The gap between them is the price of that work.

Page-equivalents (page-eq) follow MEASURED.md: the reportlab PDF page count of the same seed
(corpus/docs/<ID>.pdf, counted with pypdfium2); without the PDF, characters / 3000.

Throughput is in-process: median of ``--runs`` passes after one warm-up pass, imports
excluded. Peak RSS is the whole process (interpreter, imports, one pass) in a fresh child
process per contender, as ``/usr/bin/time -v`` would report it.

    .venv/bin/python benchmarks/parse_html.py            # from the repository root
    .venv/bin/python benchmarks/parse_html.py --runs 9 --pages 200
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import own_peak_rss_mb, peak_rss_mb, timed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "corpus" / "docs"
CONTAINER = '<div class="news-content">'


def reader_pass(paths: list[Path]) -> int:
    """parsers.parse (size check, hash, sniff, read_html, build); returns characters."""
    from baocao.parsers import parse

    return sum(len(parse(p).text) for p in paths)


def read_html_pass(paths: list[Path]) -> int:
    """parsers.html.read_html alone, without parse()'s hash and sniff."""
    from baocao.parsers import Limits
    from baocao.parsers.html import read_html
    from baocao.schemas.document import Format, Source

    total = 0
    for p in paths:
        source = Source(path=str(p), sha256="0" * 64, format=Format.html, size=p.stat().st_size)
        total += len(read_html(p, source, Limits()).text)
    return total


def baseline_pass(paths: list[Path]) -> int:
    """MEASURED.md's floor: lexbor parse + the portal's CSS selector + text()."""
    from selectolax.lexbor import LexborHTMLParser

    total = 0
    for p in paths:
        node = LexborHTMLParser(p.read_bytes()).css_first("div.news-content")
        total += len(node.text()) if node is not None else 0
    return total


CONTENDERS: dict[str, Callable[[list[Path]], int]] = {
    "parsers.parse (hash + sniff + read_html)": reader_pass,
    "parsers.html.read_html": read_html_pass,
    "selectolax css_first(div.news-content).text()": baseline_pass,
}


def page_equivalents(html_path: Path) -> float:
    """Pages of the corpus reportlab PDF of the same seed, else characters / 3000."""
    pdf = html_path.with_name(html_path.name.split(".")[0] + ".pdf")
    if pdf.exists():
        import pypdfium2  # type: ignore[import-untyped]

        document = pypdfium2.PdfDocument(str(pdf))
        try:
            return float(len(document))
        finally:
            document.close()
    return len(html_path.read_bytes()) / 3000


def build_long(sources: list[Path], pages: float, out: Path) -> tuple[Path, float]:
    """One portal page whose article holds the corpus article bodies in turn (UTF-8 pages
    only) until ``pages`` page-eq are reached; the first page gives the chrome around it."""
    utf8 = [p for p in sources if ".cp1258." not in p.name]
    by_pages = {p: page_equivalents(p) for p in utf8}
    head, _, rest = utf8[0].read_text(encoding="utf-8").partition(CONTAINER)
    _, _, tail = rest.partition('<div class="view-count">')
    bodies: list[str] = []
    total, i = 0.0, 0
    while total < pages:
        src = utf8[i % len(utf8)]
        inner = src.read_text(encoding="utf-8").partition(CONTAINER)[2]
        bodies.append(inner.partition('<div class="view-count">')[0].rsplit("</div>", 1)[0])
        total += by_pages[src]
        i += 1
    out.write_text(f'{head}{CONTAINER}{"".join(bodies)}</div><div class="view-count">{tail}',
                   encoding="utf-8")
    return out, total


def report(label: str, paths: list[Path], pages: float, runs: int) -> None:
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"\n{label}: {len(paths)} page(s), {pages:g} page-eq, {size_mb:.3f} MB")
    print(f"  {'contender':46} {'median s':>9} {'pages/s':>8} {'page-eq/s':>10} {'MB/s':>7} "
          f"{'peak RSS':>9} {'chars':>8}")
    for name, fn in CONTENDERS.items():
        seconds, chars = timed(fn, paths, runs)
        rss = peak_rss_mb(__file__, name, paths)
        print(f"  {name:46} {seconds:9.4f} {len(paths) / seconds:8.0f} {pages / seconds:10.0f} "
              f"{size_mb / seconds:7.2f} {rss:6.0f} MB {chars:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=float, default=100.0, help="size of the long page")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_of:  # child mode: one pass, then print this process's peak RSS in MB
        CONTENDERS[args.rss_of]([Path(p) for p in args.paths])
        print(own_peak_rss_mb())
        return
    sources = sorted(CORPUS.glob("*.html"))
    if not sources:
        sys.exit(f"no HTML in {CORPUS}: build the corpus first (python -m corpus.build)")
    print(f"python {sys.version.split()[0]}, {args.runs} timed runs (median), one process")
    report("corpus", sources, sum(page_equivalents(p) for p in sources), args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        long_path, pages = build_long(sources, args.pages, Path(tmp) / "long.html")
        report("long page", [long_path], pages, args.runs)


if __name__ == "__main__":
    main()
