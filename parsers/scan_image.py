"""A rendered scan made ready for Tesseract: turned level, its ruling lines found and erased.

Plain numpy on the grayscale render (Pillow only rotates it), no OpenCV: the two jobs are
a projection profile and runs of dark pixels, a few tens of milliseconds a page against
about a second of Tesseract.

* **Skew** (``skew_angle``). A sheet fed askew turns every text line by the same small
  angle; Tesseract copes with some of it, but recall drops (``benchmarks/ocr.py``) and ruling
  lines stop being level, so no table can be built from them. The angle is the one whose
  projection of the dark pixels onto the page's vertical axis is the most peaked (text lines
  and rulings fall into few rows only when looked at along their own slope): first in coarse
  steps over ``±MAX_SKEW`` on a half-resolution image, then finely around the best.
* **Rulings** (``find_rulings``). A table's rules are long, thin runs of dark pixels; letters
  are short (a 14-point stem is 10 points tall) and a filled area (a scanner's black margin,
  a shaded cell) is thick. Runs are read along rows for level rules and along columns for
  plumb ones, and runs in neighbouring rows that overlap are joined into one segment (a rule
  a little off level is a staircase of runs). Breaks are not bridged: bridging even one
  pixel joins the serifs of a bold 1-bit word into a "rule" (on the real annex page of
  ``../shared/realdocs``, 249 level rules instead of 111, "dung" and "năm" among them), and
  the table finder joins the pieces of a broken rule itself (3 points).
* **Erasing** (``erase``). Tesseract reads a rule that touches a figure as part of it ("906.470]",
  "30.7011" for 30.701 beside its cell's right rule); the rules' pixels are painted white
  before recognition. The segments themselves go to the table finder (``parsers.scan_tables``).

Coordinates here are pixels, top-left origin; ``parsers.ocr`` turns them into points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = ["INK", "MAX_SKEW", "Segment", "ink_mask", "skew_angle", "level", "find_rulings",
           "erase"]

INK = 160                  # a pixel darker than this gray level is ink (1-bit scans render 0-140)
MAX_SKEW = 5.0             # degrees: a sheet further askew than this is not looked for
_COARSE_STEP = 0.25        # degrees between the angles tried first (on a half-size image) ...
_FINE_STEP = 0.02          # ... then around the best one, at full size
_MIN_INK_ROWS = 20         # fewer dark pixels than this many rows' worth: nothing to measure
RULE_MIN = 15.0            # points: the shortest rule (a 14-point stem is 10, a narrow cell 20)
RULE_MAX_THICK = 4.0       # points: ink per unit of length above this is a filled area


@dataclass(frozen=True)
class Segment:
    """A ruling line: ``pos`` across it (row of a level rule, column of a plumb one), and the
    span ``lo``..``hi`` along it, all in pixels."""

    level: bool
    pos: float
    lo: int
    hi: int


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """The dark pixels of a grayscale image."""
    return gray < INK


# ----------------------------------------------------------------------------------- skew

def skew_angle(ink: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise as the page is seen) its text lines are turned by;
    0.0 when the page holds too little ink to tell."""
    ys, xs = np.nonzero(ink[::2, ::2])
    if len(ys) < _MIN_INK_ROWS * ink.shape[1] // 2:
        return 0.0
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + _COARSE_STEP / 2, _COARSE_STEP)
    best = _best_angle(ys, xs, coarse)
    ys, xs = np.nonzero(ink)
    fine = np.arange(best - _COARSE_STEP, best + _COARSE_STEP + _FINE_STEP / 2, _FINE_STEP)
    return round(float(_best_angle(ys, xs, fine)), 2)


def _best_angle(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> float:
    """The angle whose row projection (``y + x·tan a``: constant along a line of that slope)
    has the largest sum of squares, i.e. the sharpest peaks."""
    y = ys.astype(np.float32)
    x = xs.astype(np.float32)
    scores = []
    for angle in angles:
        rows = np.rint(y + x * np.float32(np.tan(np.radians(angle)))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        scores.append(float(np.dot(counts, counts)))
    return float(angles[int(np.argmax(scores))])


def level(gray: np.ndarray, angle: float) -> np.ndarray:
    """The image turned by ``-angle`` about its centre, so lines turned by ``angle`` come out
    level; the corners brought in are white. Same size, so page points stay page points."""
    image = Image.fromarray(gray).rotate(-angle, resample=Image.Resampling.BILINEAR,
                                         fillcolor=255)
    return np.asarray(image)


# -------------------------------------------------------------------------------- rulings

def find_rulings(ink: np.ndarray, scale: float) -> tuple[list[Segment], np.ndarray]:
    """Level and plumb ruling lines of an ink mask whose pixels are ``scale`` per point, and
    the mask of their pixels (for ``erase``)."""
    min_len = max(2, round(RULE_MIN * scale))
    thick = RULE_MAX_THICK * scale
    mask = np.zeros(ink.shape, dtype=bool)
    out = [Segment(True, pos, lo, hi) for pos, lo, hi in _segments(ink, min_len, thick, mask)]
    out += [Segment(False, pos, lo, hi) for pos, lo, hi in _segments(ink.T, min_len, thick,
                                                                       mask.T)]
    return out, mask


def _runs(ink: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of ink along every row at least ``min_len`` long: arrays (row, start, end
    exclusive)."""
    h, w = ink.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = ink
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)          # row-major order: starts and ends pair up
    ends = np.nonzero(step == -1)[1]
    keep = ends - starts >= min_len
    return rows[keep], starts[keep], ends[keep]


def _segments(ink: np.ndarray, min_len: int, thick: float,
              mask: np.ndarray) -> list[tuple[float, int, int]]:
    """Long runs in touching rows that overlap, joined into segments (pos, lo, hi); the ones
    with more ink per unit of length than ``thick`` are dropped, the others' runs are set in
    ``mask``."""
    open_: list[_Open] = []
    done: list[_Open] = []
    for row, start, end in zip(*(a.tolist() for a in _runs(ink, min_len))):
        still: list[_Open] = []
        joined: _Open | None = None
        for seg in open_:
            if seg.last < row - 1:
                done.append(seg)
                continue
            still.append(seg)
            if joined is None and start < seg.hi and end > seg.lo:
                joined = seg
        if joined is None:
            still.append(_Open(row, start, end))
            joined = still[-1]
        joined.add(row, start, end)
        open_ = still
    out = []
    for seg in done + open_:
        if seg.ink <= thick * (seg.hi - seg.lo):
            for row, start, end in seg.runs:
                mask[row, start:end] = True
            out.append((seg.weighted / seg.ink + 0.5, seg.lo, seg.hi))
    return out


class _Open:
    """A segment being grown row by row."""

    __slots__ = ("last", "lo", "hi", "ink", "weighted", "runs")

    def __init__(self, row: int, lo: int, hi: int) -> None:
        self.last, self.lo, self.hi = row, lo, hi
        self.ink = self.weighted = 0
        self.runs: list[tuple[int, int, int]] = []

    def add(self, row: int, start: int, end: int) -> None:
        self.last = row
        self.lo, self.hi = min(self.lo, start), max(self.hi, end)
        self.ink += end - start
        self.weighted += row * (end - start)
        self.runs.append((row, start, end))


def erase(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of the image with the masked pixels, and one pixel around them (the gray edge
    of a rendered rule), painted white."""
    grown = mask.copy()
    grown[1:, :] |= mask[:-1, :]
    grown[:-1, :] |= mask[1:, :]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    out = gray.copy()
    out[grown] = 255
    return out
