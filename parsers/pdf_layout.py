"""PDF layout without a PDF library: glyphs → lines → paragraph blocks, tables and footnotes.

``parsers.pdf`` reads glyphs (character, loose box, font size) with pypdfium2 and table grids
with pdfplumber; everything geometric happens here, on plain data, so it can be tested with
hand-made glyphs and stays independent of the libraries' own line heuristics. (PDFium breaks a
line around every superscript and splits table rows whose cells sit on different baselines,
so its ``\\r\\n`` are ignored and lines are rebuilt from the glyph boxes.)

Coordinates are PDF points with a top-left origin, as in ``schemas.document.BBox``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from itertools import repeat
from operator import itemgetter, ne
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from baocao.datafile import load_yaml
from baocao.parsers.builder import CellIn, DocumentBuilder, canonical
from baocao.schemas.document import BBox, Location

if TYPE_CHECKING:  # parsers.legacy imports this module's types the same way
    from baocao.parsers.legacy import SchemeName

# A glyph as read from the PDF: (character, x0, top, x1, bottom, font size, space before it).
Glyph = tuple[str, float, float, float, float, float, bool]

_SUPER_SIZE = 0.85      # a glyph under 85 % of the line's font size ...
_SUPER_RISE = 0.15      # ... whose bottom sits 15 % of that size above the line's is raised
_SPACE_GAP = 0.25       # a horizontal gap over 1/4 of the font size is a word space
_COLUMN_GAP = 4.0       # a gap over 4 font sizes on one baseline starts another line (column)
_SAME_SIZE = 0.15       # font sizes within 15 % are "the same size" for paragraph grouping
_INDENT = 0.8           # a line starting 0.8 font sizes right of the previous one is indented
_EXTRA_PITCH = 0.2      # line pitch over the usual pitch + 0.2 font size means paragraph spacing
_SHORT_LINE = 3.0       # a line ending 3 font sizes before the right margin is a paragraph end
_HANG_TOKEN = 6         # a list marker or number of up to 6 characters may hang left
_PITCH_SAMPLES = 3      # a font size's own leading is trusted from three line pairs on
_BAND = 0.15            # running headers and footers live in the outer 15 % of the page height
_BAND_LINES = 2         # ... and among the first or last two lines of the page

_MARKER_START = re.compile(
    r"""^(?:
        [IVXLC]{1,6}\.                      # I.  II.  IV.   (roman section)
      | \d{1,2}(?:\.\d{1,2})*\.(?=\s)       # 1.  4.1.       (arabic, dotted sub-levels)
      | [a-zđ]\)                            # a)  b)
      | [-–—•+](?=\s)                       # - item   + sub-item   • bullet
      | \[\d{1,3}\](?=\s)                   # [1] a footnote written out as text
    )""",
    re.VERBOSE,
)
_NOTE_START = re.compile(r"^\[(?P<label>\d{1,3})\]\s+")
_BARE_NOTE = re.compile(r"^(?P<label>\d{1,3})\s+(?=\S)")


class PageWords(BaseModel):
    """parsers/data/pdf.yaml: the words of printed page numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    page_words: list[str]
    page_of: list[str]


def _alt(items: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))


@cache
def _page_number_re() -> re.Pattern[str]:
    """ "Trang 2", "- 2 -", "2/5", "Trang 2 trên 5": a line that is only a page number."""
    words = PageWords.model_validate(load_yaml(
        (files("baocao.parsers") / "data" / "pdf.yaml").read_text(encoding="utf-8")))
    return re.compile(rf"^(?:{_alt(words.page_words)})?\s*[-–—]?\s*\d{{1,4}}\s*[-–—]?"
                      rf"(?:(?:{_alt(words.page_of)})\s*\d{{1,4}})?$", re.IGNORECASE)


_RULE_LINE = re.compile(r"^[_\-–—=.…*·\s]{3,}$")   # "_________" drawn with characters
_TERMINAL = (".", ":", ";", "!", "?", "…", "./.")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_X0, _TOP, _X1, _BOTTOM, _SIZE = (itemgetter(i) for i in range(1, 6))   # a Glyph's fields


@dataclass(slots=True)
class Line:
    """One text line of a page; ``parts`` are runs of text, True for a superscript digit run."""

    parts: list[tuple[str, bool]]
    page: int
    bbox: BBox
    size: float
    hang: float = 0.0          # x where the text after a short leading token ("-", "1.") starts
    note: str | None = None    # the footnote label this line starts, set by ``mark_notes``

    @property
    def text(self) -> str:
        """The line with every superscript digit run written as a marker ``[n]``."""
        return "".join(f"[{t}]" if sup else t for t, sup in self.parts)

    def render(self, labels: set[str]) -> str:
        """Markers of known footnotes as ``[n]``, other superscript digits as ``²`` (km², m³)."""
        return "".join(t if not sup else f"[{t}]" if t in labels else t.translate(_SUPERSCRIPT)
                       for t, sup in self.parts)

    def note_label(self, markers: set[str]) -> str | None:
        """The footnote label this line starts with: a raised number, a written ``[n] ``, or
        (LibreOffice, Word) a plain number that is one of the page's ``markers``."""
        if self.parts and self.parts[0][1]:
            rest = "".join(t for t, _ in self.parts[1:]).lstrip()
            return self.parts[0][0] if rest[:1].isalnum() or rest[:1] in "(“\"" else None
        m = _NOTE_START.match(self.text) or _BARE_NOTE.match(self.text)
        if m is None or (m.re is _BARE_NOTE and m.group("label") not in markers):
            return None
        return m.group("label")

    def note_text(self, labels: set[str]) -> str:
        """The rendered text of a footnote's first line, without its label."""
        if self.parts and self.parts[0][1]:
            return Line(self.parts[1:], self.page, self.bbox, self.size).render(labels)
        text = self.render(labels)
        m = _NOTE_START.match(text) or _BARE_NOTE.match(text)
        return text[m.end("label"):].lstrip("] ") if m else text


@dataclass
class CellBox:
    """A table cell at its top-left grid slot, with the spans it covers and its text lines."""

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox
    lines: list[Line]

    @property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)


@dataclass
class TableIn:
    """A table found on a page: its box and grid cells (merged cells resolved)."""

    page: int
    bbox: BBox
    cells: list[CellBox]
    header_rows: int = 0


@dataclass
class PageText:
    """What pass one keeps of a page: its lines in content-stream order and how much it drew."""

    number: int
    width: float
    height: float
    lines: list[Line]
    chars: int                 # non-space characters in the text layer
    paths: int                 # vector path objects, counted up to a small cap
    images: int = 0            # picture objects on the page
    tables: list[TableIn] = field(default_factory=list)
    image_boxes: list[BBox] = field(default_factory=list)  # the pictures' boxes: what OCR reads
    # lines (baselines) drawn in a TCVN3/VNI font, per scheme, converted as the page was read
    legacy_lines: dict[SchemeName, int] = field(default_factory=dict)


# --- glyphs → lines ---------------------------------------------------------------------

def build_lines(glyphs: Iterable[Glyph], page: int) -> list[Line]:
    """Lines from glyphs in content-stream order: a glyph joins the current line when it
    overlaps the line's box vertically by half its height and continues it to the right
    (or starts a word within ``_COLUMN_GAP`` font sizes); anything else starts a new line.

    Written as one flat loop: it runs once per character, the reader's innermost loop; the
    comparisons stand for ``min``/``max`` (same results, NaN included: ``min(a, b)`` is ``b``
    only when ``b < a``), which cost a call each.
    """
    lines: list[Line] = []
    current: list[Glyph] = []
    top = bottom = right = 0.0
    for g in glyphs:
        _, x0, g_top, x1, g_bottom, size, _ = g
        if current:
            size = size if size > 1.0 else 1.0
            height = bottom - top
            if g_bottom - g_top < height:
                height = g_bottom - g_top
            if right - 0.6 * size <= x0 <= right + _COLUMN_GAP * size and (
                    (g_bottom if g_bottom < bottom else bottom)
                    - (g_top if g_top > top else top) >= 0.5 * height):
                current.append(g)
                if g_top < top:
                    top = g_top
                if g_bottom > bottom:
                    bottom = g_bottom
                right = x1
                continue
            lines.append(_finish_line(current, page))
        current = [g]
        top, bottom, right = g_top, g_bottom, x1
    if current:
        lines.append(_finish_line(current, page))
    return [ln for ln in lines if ln.parts]


def _finish_line(glyphs: list[Glyph], page: int) -> Line:
    """A Line from its glyphs: words spaced, superscript runs flagged, box and hang measured."""
    first = glyphs[0]
    mixed = any(map(ne, repeat(first[5]), map(_SIZE, glyphs)))   # any(g[5] != first[5]), in C
    size, base = _dominant(glyphs) if mixed else (first[5], first[4])
    super_size, rise = _SUPER_SIZE * size, _SUPER_RISE * size
    parts: list[tuple[str, bool]] = []
    run: list[str] = []
    run_sup = False
    # the box: min/max over the glyphs in C (builtins keep the same element as pairwise calls)
    left, top = min(map(_X0, glyphs)), min(map(_TOP, glyphs))
    right, bottom = max(map(_X1, glyphs)), max(map(_BOTTOM, glyphs))
    hang, prev_x1, prev_size = first[1], first[3], first[5]
    for i, (ch, x0, g_top, x1, g_bottom, g_size, space) in enumerate(glyphs):
        sup = mixed and g_size < super_size and base - g_bottom > rise
        if i and (space or x0 - prev_x1 > _SPACE_GAP * (prev_size if prev_size > g_size
                                                         else g_size)):
            if run_sup:
                parts.append(("".join(run), True))
                run, run_sup = [], False
            run.append(" ")
            if hang == first[1] and i <= _HANG_TOKEN:
                hang = x0
        if sup != run_sup:
            if run:
                parts.append(("".join(run), run_sup))
            run, run_sup = [], sup
        run.append(ch)
        prev_x1, prev_size = x1, g_size
    parts.append(("".join(run), run_sup))
    return Line(_tidy(_markers(parts)), page, (left, top, right, bottom), size, hang)


def _dominant(glyphs: list[Glyph]) -> tuple[float, float]:
    """The line's most common font size and the median bottom of glyphs of that size."""
    sizes = Counter(round(g[5] * 2) / 2 for g in glyphs)
    size = sizes.most_common(1)[0][0]
    normal = sorted(g[4] for g in glyphs if abs(g[5] - size) <= 0.5) or [glyphs[0][4]]
    return size, normal[len(normal) // 2]


def _markers(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Keep the superscript flag only on footnote markers ("1", "[1]", "(1)" raised), with
    the label alone as text; other raised text (m², "th") becomes plain text again."""
    out: list[tuple[str, bool]] = []
    for text, sup in parts:
        label = text.strip("[]() ")
        if sup and label.isdigit() and len(label) <= 3:
            out.append((label, True))
        elif out and not out[-1][1]:
            out[-1] = (out[-1][0] + text, False)
        else:
            out.append((text, False))
    return out


def _tidy(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Strip the line's outer spaces; a leading footnote label is followed by one space."""
    out = list(parts)
    if out and not out[0][1]:
        out[0] = (out[0][0].lstrip(), False)
    if out and not out[-1][1]:
        out[-1] = (out[-1][0].rstrip(), False)
    out = [p for p in out if p[0]]
    if len(out) > 1 and out[0][1] and not out[1][1] and not out[1][0].startswith(" "):
        out[1] = (" " + out[1][0], False)
    return out


# --- footnotes --------------------------------------------------------------------------

def mark_notes(pages: Sequence[PageText]) -> None:
    """Set ``Line.note`` on every line that starts a footnote. A plain leading number counts
    only in a font smaller than the body's and when a raised marker with that number stands
    on the same page or an earlier one (LibreOffice and Word set the note's own number plain)."""
    sizes = Counter(round(ln.size * 2) / 2 for page in pages for ln in page.lines)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    markers: set[str] = set()
    for page in pages:
        markers.update(t for ln in page.lines for t, sup in ln.parts[1:] if sup)
        markers.update(t for table in page.tables for cell in table.cells
                       for ln in cell.lines for t, sup in ln.parts if sup)
        for ln in page.lines:
            label = ln.note_label(markers if ln.size < (1 - _SAME_SIZE / 2) * body else set())
            ln.note = label


# --- running headers, footers and page numbers -------------------------------------------

def _band_lines(page: PageText) -> list[Line]:
    """The first and last lines of a page (by position) that lie in its outer bands."""
    ordered = sorted(page.lines, key=lambda ln: ln.bbox[1])
    edge = ordered[:_BAND_LINES] + ordered[-_BAND_LINES:]
    top, bottom = _BAND * page.height, (1 - _BAND) * page.height
    return [ln for ln in edge if ln.bbox[3] <= top or ln.bbox[1] >= bottom]


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", canonical(text).lower())


def _is_page_number(text: str, n_pages: int) -> bool:
    """A bare page number whose value could be one: "2023" alone under a title is a year."""
    if _page_number_re().match(text) is None:
        return False
    first = int(re.findall(r"\d+", text)[0])
    return first <= 2 * n_pages + 10


def drop_page_furniture(pages: Sequence[PageText]) -> int:
    """Remove running headers/footers (same text, digits aside, in the band of most pages),
    bare page numbers ("2", "Trang 2/5", "- 2 -") and character-drawn rules; returns how many."""
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_furniture_key(ln.text) for ln in _band_lines(page)})
    need = max(2, math.ceil((len(pages) - 1) / 2))
    running = {k for k, n in seen.items() if n >= need and any(c.isalpha() for c in k)}
    dropped = 0
    for page in pages:
        band = {id(ln) for ln in _band_lines(page)}
        kept = []
        for ln in page.lines:
            text = canonical(ln.text)
            furniture = id(ln) in band and (_furniture_key(text) in running
                                             or _is_page_number(text, len(pages)))
            if furniture or _RULE_LINE.match(text):
                dropped += 1
            else:
                kept.append(ln)
        page.lines = kept
    return dropped


# --- tables in the flow ------------------------------------------------------------------

def _inside(bbox: BBox, box: BBox, tol: float = 1.0) -> bool:
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return box[0] - tol <= cx <= box[2] + tol and box[1] - tol <= cy <= box[3] + tol


def place_tables(page: PageText) -> list[Line | TableIn]:
    """The page's lines with each table standing where its first covered line stood; lines
    inside a table's box are dropped (the table's cells carry that text)."""
    flow: list[Line | TableIn] = []
    placed: set[int] = set()
    for ln in page.lines:
        hit = next((i for i, t in enumerate(page.tables) if _inside(ln.bbox, t.bbox)), None)
        if hit is None:
            for i, t in enumerate(page.tables):
                if i not in placed and t.bbox[1] <= ln.bbox[1]:
                    flow.append(t)
                    placed.add(i)
            flow.append(ln)
        elif hit not in placed:
            flow.append(page.tables[hit])
            placed.add(hit)
    flow.extend(t for i, t in enumerate(page.tables) if i not in placed)
    return flow


# --- lines → blocks ---------------------------------------------------------------------

def usual_pitch(pages: Sequence[PageText]) -> dict[float, float]:
    """The most common baseline-to-baseline distance per font size (the leading), for sizes
    seen on at least ``_PITCH_SAMPLES`` line pairs; key 0 holds the body's pitch/size ratio."""
    seen: dict[float, Counter[float]] = {}
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:]):
            delta = b.bbox[3] - a.bbox[3]
            if abs(a.size - b.size) < 0.5 and 0 < delta < 2.5 * a.size:
                seen.setdefault(round(a.size * 2) / 2, Counter())[round(delta * 2) / 2] += 1
    pitch = {size: c.most_common(1)[0][0] for size, c in seen.items()
             if c.most_common(1)[0][1] >= _PITCH_SAMPLES}
    if seen:
        body = max(seen, key=lambda size: sum(seen[size].values()))
        pitch[0.0] = seen[body].most_common(1)[0][0] / body
    return pitch


@dataclass
class _Layout:
    """Per-document measures the paragraph rules compare against."""

    pitch: dict[float, float]
    right: float = 0.0       # the page's right text margin

    def leading(self, size: float) -> float:
        found = self.pitch.get(round(size * 2) / 2)
        return found if found is not None else self.pitch.get(0.0, 1.25) * size


def _new_block(prev: Line, cur: Line, lay: _Layout) -> bool:
    """Whether ``cur`` starts a new paragraph after ``prev`` on the same page."""
    size = max(prev.size, cur.size)
    short = prev.bbox[2] < lay.right - _SHORT_LINE * size
    full_stop = canonical(prev.text).endswith(_TERMINAL)
    if cur.note is not None or ((short or full_stop) and _MARKER_START.match(cur.text)):
        return True                                    # "1.", "a)", "- " after a finished line
    if abs(prev.size - cur.size) > _SAME_SIZE * size:
        return True
    delta = cur.bbox[3] - prev.bbox[3]
    if delta < 0.5 * size or delta > lay.leading(prev.size) + _EXTRA_PITCH * size:
        return True                                    # went up (a column) or paragraph space
    if cur.bbox[0] > prev.bbox[2]:
        return True                                    # another column
    if cur.bbox[0] > prev.bbox[0] + _INDENT * size and not _aligned(prev, cur, size):
        return True                                    # a first-line indent
    return short and full_stop                         # a short last line ending a sentence


def _aligned(prev: Line, cur: Line, size: float) -> bool:
    """Indented but still the same paragraph: ``cur`` lines up with the text after ``prev``'s
    hanging marker ("- ", "1. "), or both lines are centred and ``cur`` is narrower."""
    if abs(cur.bbox[0] - prev.hang) < 0.5 * size and _MARKER_START.match(prev.text):
        return True
    mid_prev, mid_cur = (prev.bbox[0] + prev.bbox[2]) / 2, (cur.bbox[0] + cur.bbox[2]) / 2
    return abs(mid_prev - mid_cur) < 0.25 * size and cur.bbox[2] < prev.bbox[2] - size


def _continues_page(prev: list[Line], cur: Line) -> bool:
    """A paragraph running on from the previous page: no full stop, a lowercase start."""
    last = prev[-1]
    text = canonical(cur.text)
    return (cur.page == last.page + 1 and not canonical(last.text).endswith(_TERMINAL)
            and text[:1].islower() and _MARKER_START.match(text) is None
            and cur.note is None and abs(last.size - cur.size) <= _SAME_SIZE * last.size)


# --- the whole document -------------------------------------------------------------------

Item = list[Line] | TableIn


def flow_document(pages: Sequence[PageText]) -> tuple[list[Item], list[list[Line]]]:
    """Body items (paragraph line groups and tables) in reading order, and footnote groups."""
    mark_notes(pages)
    lay = _Layout(usual_pitch(pages))
    body: list[Item] = []
    notes: list[list[Line]] = []
    tail: list[Line] | None = None     # the previous page's lowest paragraph, if it ended it
    for page in pages:
        flow = place_tables(page)
        lay.right = max((x.bbox[2] for x in flow if isinstance(x, Line)), default=0.0)
        current: list[Line] | None = None
        first = True
        for item in flow:
            if isinstance(item, TableIn):
                body.append(item)
                current, first = None, False
                continue
            if current is not None and not _new_block(current[-1], item, lay):
                current.append(item)
                continue
            if first and tail is not None and _continues_page(tail, item):
                current = tail
                current.append(item)
            else:
                current = [item]
                (notes if item.note is not None else body).append(current)
            first = False
        tail = _page_tail(body, page.number)
    return body, notes


def _page_tail(body: list[Item], page: int) -> list[Line] | None:
    """The paragraph that ends lowest on ``page`` when nothing (no table) stands below it:
    the one a paragraph on the next page may continue, even if a stamp was drawn after it."""
    lowest: Item | None = None
    for item in reversed(body):
        last = item if isinstance(item, TableIn) else item[-1]
        if last.page != page:
            break
        low = lowest if lowest is None or isinstance(lowest, TableIn) else lowest[-1]
        if low is None or last.bbox[3] > low.bbox[3]:
            lowest = item
    return lowest if isinstance(lowest, list) else None


def _union(lines: Sequence[Line]) -> BBox:
    return (min(ln.bbox[0] for ln in lines), min(ln.bbox[1] for ln in lines),
            max(ln.bbox[2] for ln in lines), max(ln.bbox[3] for ln in lines))


def emit(builder: DocumentBuilder, body: list[Item], notes: list[list[Line]]) -> None:
    """Feed the builder: paragraphs with their line boxes, tables, then footnotes."""
    labels = {label for group in notes if (label := group[0].note) is not None}
    for item in body:
        if isinstance(item, TableIn):
            cells = [CellIn(c.row, c.col, " ".join(ln.render(labels) for ln in c.lines),
                            c.row_span, c.col_span, Location(page=item.page, bbox=c.bbox))
                     for c in item.cells]
            builder.add_table(cells, Location(page=item.page, bbox=item.bbox),
                              header_rows=item.header_rows)
            continue
        first_page = [ln for ln in item if ln.page == item[0].page]
        builder.add_lines([(ln.render(labels), ln.page, ln.bbox) for ln in item],
                          Location(page=item[0].page, bbox=_union(first_page)))
    for group in notes:
        label = group[0].note or ""
        text = " ".join([group[0].note_text(labels)] + [ln.render(labels) for ln in group[1:]])
        first_page = [ln for ln in group if ln.page == group[0].page]
        builder.add_footnote(label, text, Location(page=group[0].page, bbox=_union(first_page)))
