"""Benchmark: OCR of scanned pages (``parsers.ocr``), speed, memory and fact recall.

Synthetic scans are made from the corpus PDFs (``corpus/docs/*.pdf``, reportlab, and
``*.lo.pdf``, LibreOffice): every page rendered with pypdfium2 to a grayscale image at
``--scan-dpi`` (200, a typical office scanner), optionally degraded, and saved back as an
image-only PDF (``make_scan``), in three conditions:

- ``clean``: the image as rendered;
- ``noisy``: Gaussian noise (sigma 8 % of full scale) and 0.4 % salt-and-pepper specks;
- ``rotated``: turned 1.5 degrees, as a sheet fed slightly askew;
- ``rotated-3``: turned 3 degrees, a sheet fed clearly askew.

For each OCR render DPI (``--dpi``, default the module's ``DPI``) it reports:

- pages/s of ``parsers.ocr.ocr_pages`` (render + Tesseract, ``--workers`` processes) beside
  pages/s of the bare pypdfium2 render at the same DPI;
- peak RSS of one OCR pass in a fresh subprocess: the Python process (pypdfium2 render, TSV
  parsing) and the largest Tesseract child;
- fact recall on the scans against ``corpus/gold`` with ``extractor.evaluate.score_document``,
  next to the recall of the original born-digital PDFs (the ceiling OCR can reach);
- for the turned conditions, recall with deskew switched off (``read_ocr(deskew=False)``:
  the render read as turned as it is) beside the recall with it, and for every condition the
  milliseconds a page the deskew step costs (skew estimate, and the rotation when the page
  is turned by ``parsers.ocr.MIN_SKEW`` or more), timed on the renders alone.

Run from the repository root (needs tesseract-ocr and tesseract-ocr-vie):

    .venv/bin/python benchmarks/ocr.py                    # DPI 150, all four conditions
    .venv/bin/python benchmarks/ocr.py --dpi 150 200 300  # the DPI trade-off
    .venv/bin/python benchmarks/ocr.py --conditions rotated rotated-3   # deskew only

Measured (2 Tesseract workers on 2 cores, 150 DPI, 37 pages; the p/s column of this run was
taken while other jobs shared the cores; back to back on the clean scans, ``speed`` gives
1.34 pages/s against 1.42 for the reader before deskew and scanned tables):

    condition   dpi  ocr p/s render p/s  py MB tess MB  recall  text-layer recall  no-deskew recall deskew ms/p
    clean       150     0.50        8.6    101      51   0.973              1.000                 -          17
    noisy       150     0.72        8.1    114      52   0.967              1.000                 -          19
    rotated     150     0.69       14.0    104      48   0.979              1.000             0.926          42
    rotated-3   150     0.89       14.0    104      48   0.982              1.000             0.905          41

Before deskew and scanned tables (same scans, same recall function): clean 0.971, rotated
0.947, rotated-3 0.911.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import own_peak_rss_mb  # noqa: E402

sys.path.insert(0, str(ROOT))
CACHE = Path(tempfile.gettempdir()) / "baocao-bench-ocr"
CONDITIONS: dict[str, dict[str, float]] = {
    "clean": {},
    "noisy": {"noise": 0.08},
    "rotated": {"angle": 1.5},
    "rotated-3": {"angle": 3.0},
}


def make_scan(src: Path, dst: Path, *, dpi: int = 200, noise: float = 0.0, angle: float = 0.0,
              seed: int = 0) -> Path:
    """An image-only PDF of ``src``: each page rendered at ``dpi``, degraded, no text layer."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(str(src))
    images = []
    for page in pdf:
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if angle:
            image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        if noise:
            pixels = np.asarray(image, dtype=np.float32)
            pixels += rng.normal(0.0, 255 * noise, pixels.shape)
            specks = rng.random(pixels.shape)
            pixels[specks < noise / 40] = 0
            pixels[specks > 1 - noise / 40] = 255
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        images.append(image)
    pdf.close()
    dst.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(dst, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return dst


def scans(condition: str, scan_dpi: int) -> list[tuple[Path, Path]]:
    """(scan, original) for every corpus PDF, built once into the cache folder."""
    out = []
    for src in sorted((ROOT / "corpus" / "docs").glob("*.pdf")):
        dst = CACHE / f"{condition}-{scan_dpi}" / src.name
        if not dst.exists():
            degrade = CONDITIONS[condition]
            make_scan(src, dst, dpi=scan_dpi, noise=degrade.get("noise", 0.0),
                      angle=degrade.get("angle", 0.0))
        out.append((dst, src))
    return out


def _source(path: Path):  # noqa: ANN202 - schemas.document.Source
    from baocao.schemas.document import Format, Source

    data = path.read_bytes()
    return Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=Format.pdf,
                  size=len(data))


def recall(pairs: list[tuple[Path, Path]], dpi: float, workers: int,
           deskew: bool = True) -> tuple[float, float, int]:
    """(recall on the scans, recall on the originals, pages) against corpus/gold."""
    from baocao.extractor.evaluate import Counts, load_gold, score_document
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import Limits, parse
    from baocao.parsers.ocr import read_ocr

    scanned, original = Counts(), Counts()
    pages = 0
    for scan, src in pairs:
        gold = load_gold(ROOT / "corpus" / "gold" / f"{src.name.split('.')[0]}.yaml")
        doc = read_ocr(scan, _source(scan), Limits(), dpi=dpi, workers=workers, deskew=deskew)
        pages += doc.source.pages or 0
        for counts, extraction in ((scanned, extract_document(doc)),
                                   (original, extract_document(parse(src)))):
            for c in score_document(extraction, gold).by_kind.values():
                counts.add(c)
    return scanned.scores()["recall"], original.scores()["recall"], pages


def speed(pairs: list[tuple[Path, Path]], dpi: float, workers: int) -> tuple[float, float]:
    """(OCR pages/s, bare render pages/s) over the scans."""
    import pypdfium2 as pdfium

    from baocao.parsers.ocr import ocr_pages

    paths = [scan for scan, _ in pairs]
    start = time.perf_counter()
    n = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            bitmap.to_pil().save(io.BytesIO(), "PNG", compress_level=1)
            n += 1
        pdf.close()
    render = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for path in paths:
        ocr_pages(path, range(len(pdfium.PdfDocument(str(path)))), dpi=dpi, workers=workers)
    return n / (time.perf_counter() - start), render


def deskew_ms(pairs: list[tuple[Path, Path]], dpi: float) -> float:
    """Milliseconds a page of the deskew step: the skew estimate on the render, and turning
    it level where ``parsers.ocr`` would (``MIN_SKEW`` or more)."""
    import pypdfium2 as pdfium

    from baocao.parsers import scan_image
    from baocao.parsers.ocr import MIN_SKEW

    spent, n = 0.0, 0
    for scan, _ in pairs:
        pdf = pdfium.PdfDocument(str(scan))
        for page in pdf:
            gray = page.render(scale=dpi / 72, grayscale=True).to_numpy().copy()
            start = time.perf_counter()
            angle = scan_image.skew_angle(scan_image.ink_mask(gray))
            if abs(angle) >= MIN_SKEW:
                scan_image.ink_mask(scan_image.level(gray, angle))
            spent += time.perf_counter() - start
            n += 1
        pdf.close()
    return 1000 * spent / max(n, 1)


def rss_of(dpi: float, workers: int, paths: list[str]) -> None:
    """One OCR pass (child mode): print this process's peak RSS and Tesseract's.

    Tesseract's is read from /proc/<pid>/status (VmHWM) while it runs on each page:
    ``RUSAGE_CHILDREN`` would report the forking Python process's RSS, which Linux carries
    over into a child across exec.
    """
    import pypdfium2 as pdfium

    from baocao.parsers.ocr import LANG, ocr_pages

    for path in paths:
        ocr_pages(path, range(len(pdfium.PdfDocument(path))), dpi=dpi, workers=workers)
    tesseract = 0.0
    for path in paths:
        pdf = pdfium.PdfDocument(path)
        for page in pdf:
            buffer = io.BytesIO()
            page.render(scale=dpi / 72, grayscale=True).to_pil().save(buffer, "PNG",
                                                                     compress_level=1)
            png = buffer.getvalue()
            tesseract = max(tesseract, _tesseract_peak_mb(png, dpi, LANG))
        pdf.close()
    print(json.dumps({"python_mb": round(own_peak_rss_mb(), 1), "tesseract_mb": round(tesseract, 1)}))


def _tesseract_peak_mb(png: bytes, dpi: float, lang: str) -> float:
    """Peak RSS of one Tesseract run, polled from /proc every 5 ms."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.Popen(["tesseract", "stdin", "stdout", "-l", lang, "--dpi", str(round(dpi)),
                             "tsv"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None
    proc.stdin.write(png)
    proc.stdin.close()
    peak = 0.0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return peak


def peak_rss(pairs: list[tuple[Path, Path]], dpi: float, workers: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--rss-of", str(dpi), "--workers", str(workers),
           *(str(scan) for scan, _ in pairs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    from baocao.parsers.ocr import DPI, tesseract_status

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=float, nargs="+", default=[DPI])
    ap.add_argument("--scan-dpi", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--conditions", nargs="+", default=list(CONDITIONS))
    ap.add_argument("--rss-of", type=float, help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_of:
        rss_of(args.rss_of, args.workers, args.paths)
        return
    missing = tesseract_status()
    if missing:
        raise SystemExit(f"{missing}: apt-get install tesseract-ocr tesseract-ocr-vie")
    print(f"scans at {args.scan_dpi} DPI, {args.workers} Tesseract workers")
    print(f"{'condition':10} {'dpi':>4} {'ocr p/s':>8} {'render p/s':>10} {'py MB':>6} "
          f"{'tess MB':>7} {'recall':>7} {'text-layer recall':>18} {'no-deskew recall':>17} "
          f"{'deskew ms/p':>11}")
    for condition in args.conditions:
        pairs = scans(condition, args.scan_dpi)
        for dpi in args.dpi:
            ocr_rate, render_rate = speed(pairs, dpi, args.workers)
            rss = peak_rss(pairs, dpi, args.workers)
            scanned, original, _ = recall(pairs, dpi, args.workers)
            level = "-"
            if CONDITIONS[condition].get("angle"):
                level = f"{recall(pairs, dpi, args.workers, deskew=False)[0]:.3f}"
            print(f"{condition:10} {dpi:4.0f} {ocr_rate:8.2f} {render_rate:10.1f} "
                  f"{rss['python_mb']:6.0f} {rss['tesseract_mb']:7.0f} {scanned:7.3f} "
                  f"{original:18.3f} {level:>17} {deskew_ms(pairs, dpi):11.0f}", flush=True)


if __name__ == "__main__":
    main()
