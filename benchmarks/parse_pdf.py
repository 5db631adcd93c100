"""Benchmark: ``parsers.pdf.read_pdf`` beside the bare text extractors, on long reports.

Builds a 100-page and a 500-page PDF by concatenating the corpus PDFs (``corpus/docs/*.pdf``,
rendered by reportlab and by LibreOffice, so ruled tables, footnotes, running headers and
"Trang x/y" footers all occur) with pypdfium2 into a temporary folder (not committed; reused
between runs), then times each method in its own subprocess, so the peak RSS is that of one
whole process doing one job (interpreter, imports and one pass):

- ``pdfplumber``: bare ``page.extract_text()`` with ``page.close()`` — the baseline;
- ``pypdfium2``: bare ``textpage.get_text_bounded()`` — the floor;
- ``read_pdf``: the whole reader (lines, paragraphs, tables, footnotes, a Document);
- ``extract``: the reader and then the extraction (facts, metadata, checks): what ingest does
  to a PDF before storing it (issue 14's goal: at least 4x pdfplumber's bare extract_text).

Each row also gives the CPU seconds of the pass and its speed beside pdfplumber's: on a busy
shared machine the CPU ratio is the one to trust.

Throughput is in-process (imports excluded), the median of ``--repeat`` runs; peak RSS is
the median ``ru_maxrss`` of the same runs. Run from the repository root:

    .venv/bin/python benchmarks/parse_pdf.py            # 100 and 500 pages, 3 runs each
    .venv/bin/python benchmarks/parse_pdf.py --pages 100 --repeat 5
    .venv/bin/python benchmarks/parse_pdf.py --pages 100 --tables-only   # every page a table
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "baocao-bench-pdf"
METHODS = ("pdfplumber", "pypdfium2", "read_pdf", "extract")


def build(pages: int, tables_only: bool = False) -> Path:
    """A PDF of exactly ``pages`` pages made of corpus PDF pages appended one after another:
    every page of every corpus PDF in turn, or (``tables_only``) only pages with a ruled
    table, the reader's worst case."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    out = CACHE / f"{'tables' if tables_only else 'report'}-{pages}.pdf"
    if out.exists():
        return out
    sources = sorted((ROOT / "corpus" / "docs").glob("*.pdf"))
    if not sources:
        raise SystemExit("corpus/docs/*.pdf is missing: build the corpus first")
    CACHE.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument.new()
    for i in itertools.count():
        src = pdfium.PdfDocument(str(sources[i % len(sources)]))
        keep = [k for k in range(len(src)) if not tables_only or len(list(
            src[k].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]))) >= 4]
        if keep:                               # import_pages([]) would import every page
            doc.import_pages(src, keep[:pages - len(doc)])
        src.close()
        if len(doc) >= pages:
            break
    doc.save(str(out))
    doc.close()
    return out


def run_one(method: str, path: Path) -> dict[str, float]:
    """One pass of ``method`` over ``path`` in this process; prints nothing, returns figures."""
    if method == "pdfplumber":
        import pdfplumber

        start, start_cpu = time.perf_counter(), time.process_time()
        chars = 0
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                chars += len(page.extract_text() or "")
                page.close()
    elif method == "pypdfium2":
        import pypdfium2 as pdfium

        start, start_cpu = time.perf_counter(), time.process_time()
        chars = 0
        pdf = pdfium.PdfDocument(str(path))
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_bounded())
            textpage.close()
            page.close()
        pdf.close()
    elif method == "read_pdf":
        sys.path.insert(0, str(ROOT))
        from baocao.parsers import parse

        start, start_cpu = time.perf_counter(), time.process_time()
        chars = len(parse(path).text)
    else:
        sys.path.insert(0, str(ROOT))
        from baocao.extractor.pipeline import extract_document
        from baocao.parsers import parse

        extract_document(parse(ROOT / "corpus" / "seeds" / "000_823effeef226c2f0.txt"))  # models
        start, start_cpu = time.perf_counter(), time.process_time()
        chars = len(extract_document(parse(path)).text)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "chars": chars, "rss_mb": rss_mb}


def measure(method: str, path: Path, pages: int, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--one", method, str(path)],
                              check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout))
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return {"pages_s": pages / seconds, "seconds": seconds, "cpu": cpu,
            "rss_mb": statistics.median(r["rss_mb"] for r in runs), "chars": runs[0]["chars"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, nargs="*", default=[100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables-only", action="store_true",
                        help="use only corpus pages that hold a ruled table (worst case)")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "PDF"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], Path(args.one[1]))))
        return
    print(f"{'pages':>5}  {'method':<10} {'pages/s':>8} {'seconds':>8} {'CPU s':>7} "
          f"{'x plumber':>9} {'CPU x':>6} {'peak RSS':>9} {'chars':>9}")
    for pages in args.pages:
        path = build(pages, args.tables_only)
        base: dict[str, float] = {}
        for method in METHODS:
            m = measure(method, path, pages, args.repeat)
            base = base or m
            print(f"{pages:>5}  {method:<10} {m['pages_s']:>8.1f} {m['seconds']:>8.2f} "
                  f"{m['cpu']:>7.2f} {base['seconds'] / m['seconds']:>8.2f}x "
                  f"{base['cpu'] / m['cpu']:>5.2f}x {m['rss_mb']:>6.0f} MB {m['chars']:>9,}",
                  flush=True)


if __name__ == "__main__":
    main()
