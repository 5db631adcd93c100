"""Grids for tables that arrive without their structure.

Web captures and converters often lose a table's markup but keep its cells in order: one cell a
line between ``|`` lines (legal portals), pipe tables whose merged cells became missing or extra
cells, rows of space-aligned columns (statistics pages). This module turns such rows of cell
texts back into a grid: cells with their row, column and spans, the header rows, and the rows
that were never part of the table (a caption caught in the first row).

How the grid is recovered, in order:
1. Rows are classified: a *data row* has at least two figure cells; a *group row* is a single
   label across the table ("I. Bộ, ngành"); the rest are header or text rows.
2. Tables are cut where a new header follows data rows (the next table of the same capture).
3. The width is the commonest data-row length. A data row that is shorter lost its leading
   cells to merged cells: a total row's label ("Tổng số") spans the leading columns, any other
   row takes them from the row above (a row-spanned "1 | Bộ Công an" over its sub-rows).
4. Header rows: cells before the row-number header ("STT") of the first header row are a
   caption, not the table. With two header rows, the upper cells either stand over one column
   (spanning both rows) or group the lower cells; every grouping that fits the width is scored
   by how well each column's header agrees with its data (``data/tables.yaml``: a "Tỷ lệ" over
   percentages, a "STT" over row numbers, a name over text), by equal group sizes when the lower
   row repeats itself, and by a group's "Tổng số" column being the sum of the others in the
   data rows; the best one wins.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from baocao.datafile import load_yaml

HeaderKind = Literal["rownum", "subject", "measure", "period", "percent", "note", "unit"]
_NAMES = ("subject", "measure", "period")   # headers of a row-name column
ColumnKind = Literal["rownum", "text", "percent", "number", "empty"]

_EMPHASIS = re.compile(r"[*_`]+")
_FIGURE = re.compile(r"^[(]?[-+]?\d+(?:[.,]\d+)*\s*%?[)]?$")
_BLANK_FIGURE = re.compile(r"^[-–—x]?$")     # "-", "x" and empty cells in a figure column
_ROWNUM = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,5}\.?|[a-zđ][.)])$")
_MAX_HEADER_ROWS = 4
_MAX_CAPTION_CHARS = 400


class TableWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    header_kinds: dict[HeaderKind, list[str]]
    total_labels: list[str]
    unit_lines: list[str]


class TableWordsError(ValueError):
    """parsers/data/tables.yaml is malformed: a broken install, not a broken input file."""


@cache
def table_words() -> TableWords:
    try:
        raw = (files("baocao.parsers") / "data" / "tables.yaml").read_text(encoding="utf-8")
        return TableWords.model_validate(load_yaml(raw))
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise TableWordsError(f"parsers/data/tables.yaml: {e}") from e


@cache
def _kind_patterns() -> list[tuple[re.Pattern[str], HeaderKind]]:
    pairs = [(w, k) for k, words in table_words().header_kinds.items() for w in words]
    pairs.sort(key=lambda p: len(p[0]), reverse=True)  # "Đơn vị tính" before "Đơn vị"
    return [(re.compile(rf"^{re.escape(w)}(?!\w)", re.IGNORECASE), k) for w, k in pairs]


@cache
def _total_re() -> re.Pattern[str]:
    words = sorted(table_words().total_labels, key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words))})(?!\w)", re.IGNORECASE)


def plain(text: str) -> str:
    """A cell's text without emphasis markers and surrounding space."""
    return " ".join(_EMPHASIS.sub("", text).split())


def header_kind(text: str) -> HeaderKind | None:
    """What a header cell says its column holds (``data/tables.yaml``), or None."""
    t = plain(text)
    for rx, kind in _kind_patterns():
        if rx.match(t):
            return kind
    return None


def _compat_kind(text: str) -> str | None:
    kind = header_kind(text)
    return "name" if kind in _NAMES else kind


def is_total_label(text: str) -> bool:
    return bool(_total_re().match(plain(text)))


def is_figure(text: str) -> bool:
    return bool(_FIGURE.match(plain(text)))


@dataclass
class RawCell:
    """A cell as captured: its text and the 1-based line it starts on."""

    text: str
    line: int


@dataclass
class GridCell:
    row: int
    col: int
    text: str
    line: int
    row_span: int = 1
    col_span: int = 1


@dataclass
class Grid:
    """A recovered table: cells on a grid, ``header_rows`` rows of headers at the top."""

    cells: list[GridCell]
    header_rows: int
    n_cols: int
    line: int
    notes: list[str] = field(default_factory=list)


Item = Grid | RawCell   # a table, or a cell that turned out to be text around tables


def _figures(row: list[RawCell]) -> int:
    return sum(is_figure(c.text) for c in row)


def _is_data(row: list[RawCell]) -> bool:
    """Two figures, or one after a row number ("1. | Sở A | 92,5"): a row of a data table."""
    numbered = bool(row) and _ROWNUM.match(plain(row[0].text)) is not None
    body = row[1:] if numbered else row
    return _figures(body) >= 2 or (numbered and len(row) >= 3 and _figures(body) >= 1)


def _starts_header(row: list[RawCell]) -> bool:
    return any(header_kind(c.text) == "rownum" for c in row[:4]) and not _is_data(row)


def recover(rows: list[list[RawCell]]) -> list[Item]:
    """Tables found in ``rows`` (in order), and the cells that belong to no table."""
    rows = _split_at_headers(rows)
    out: list[Item] = []
    i = 0
    while i < len(rows):
        start = _next_table(rows, i)
        if start is None:
            out.extend(c for row in rows[i:] for c in row)
            break
        head_start, first_data = start
        out.extend(c for row in rows[i:head_start] for c in row)
        end = first_data
        while end < len(rows) and not (_starts_header(rows[end]) and end > first_data):
            end += 1
        body_end = end
        while body_end > first_data + 1 and len(rows[body_end - 1]) == 1 \
                and not _is_data(rows[body_end - 1]):
            body_end -= 1   # a caption of what follows, not a group row of this table
        loose, grid = _build(rows[head_start:first_data], rows[first_data:body_end])
        out.extend(loose)
        if grid is not None:
            out.append(grid)
        out.extend(c for row in rows[body_end:end] for c in row)
        i = end
    return out


def _split_at_headers(rows: list[list[RawCell]]) -> list[list[RawCell]]:
    """A row that runs on into the next table's caption and header ("... | 3 | PHỤ LỤC II ... |
    STT | Cơ quan | ..."), because the capture did not mark the end of the last row, is cut
    before the caption and before the row-number header."""
    out: list[list[RawCell]] = []
    for row in rows:
        at = next((k for k, c in enumerate(row) if k and header_kind(c.text) == "rownum"), None)
        if at is None:
            out.append(row)
            continue
        figures = [k for k in range(at) if is_figure(row[k].text)]
        cut = figures[-1] + 1 if figures else at
        out += [part for part in (row[:cut], row[cut:at], row[at:]) if part]
    return out


def _next_table(rows: list[list[RawCell]], i: int) -> tuple[int, int] | None:
    """(first header row, first data row) of the next table from row ``i``; a table needs two
    data rows, or one data row under a header."""
    for j in range(i, len(rows)):
        if not _is_data(rows[j]):
            continue
        head = j
        while head > i and j - head < _MAX_HEADER_ROWS and not _is_data(rows[head - 1]) \
                and not _too_long(rows[head - 1]):
            head -= 1
        more = j + 1 < len(rows) and _is_data(rows[j + 1])
        if more or head < j:
            return head, j
    return None


def _too_long(row: list[RawCell]) -> bool:
    return len(row) == 1 and len(row[0].text) > _MAX_CAPTION_CHARS


def _build(header: list[list[RawCell]], body: list[list[RawCell]]) -> tuple[list[RawCell], Grid | None]:
    header = [list(r) for r in header]
    loose: list[RawCell] = []
    # a caption caught before the row-number header ("PHỤ LỤC II ... | STT | Cơ quan | ...")
    at = next(((r, k) for r, row in enumerate(header) for k, c in enumerate(row)
               if header_kind(c.text) == "rownum"), None)
    if at is not None:
        r, k = at
        loose += [c for prev in header[:r] for c in prev] + header[r][:k]
        header = [header[r][k:]] + header[r + 1:]
    while len(header) > 1 and len(header[0]) == 1:
        loose.append(header.pop(0)[0])  # a title above the header rows
    body = list(body)
    while len(header) > 1 and len(header[-1]) == 1:
        body.insert(0, header.pop())     # a group row ("I. Bộ, ngành") over the first data rows
    data_lengths = Counter(len(r) for r in body if _is_data(r))
    if not data_lengths:
        return loose + [c for row in header + body for c in row], None
    longest = max(data_lengths)
    width = longest if data_lengths[longest] >= max(2, sum(data_lengths.values()) // 10) \
        else max(data_lengths.items(), key=lambda kv: (kv[1], kv[0]))[0]
    width = max(width, max((len(r) for r in header), default=0))
    cells: list[GridCell] = []
    line = (header[0][0].line if header else body[0][0].line)
    h = _header_cells(header, body, width)
    cells += h
    cells += _body_cells(body, len(header), width)
    return loose, Grid(cells=cells, header_rows=len(header), n_cols=width, line=line)


# -- body -----------------------------------------------------------------------------------

def _cell_kind(text: str) -> ColumnKind:
    t = plain(text)
    if _BLANK_FIGURE.match(t):
        return "empty"
    if _ROWNUM.match(t):
        return "rownum"
    if is_figure(t):
        return "percent" if t.endswith("%") or re.search(r",\d", t) else "number"
    return "text"


def _fit(cell: ColumnKind, column: ColumnKind) -> int:
    if "empty" in (cell, column):
        return 0
    if cell == column:
        return 2 if cell == "rownum" else 1
    figures = ("number", "percent", "rownum")
    return 0 if cell in figures and column in figures else -1


def _offset(row: list[RawCell], kinds: list[ColumnKind], has_above: bool) -> int:
    """Where a short row's cells start: the placement whose cells best fit their columns'
    kinds; on a tie, under a row-spanned cell when there is one above, else at the left."""
    missing = len(kinds) - len(row)
    scored = [(sum(_fit(_cell_kind(c.text), kinds[off + k]) for k, c in enumerate(row)), off)
              for off in range(missing + 1)]
    best = max(score for score, _ in scored)
    offsets = [off for score, off in scored if score == best]
    return offsets[-1] if has_above else offsets[0]


def _body_cells(body: list[list[RawCell]], first_row: int, width: int) -> list[GridCell]:
    out: list[GridCell] = []
    kinds = _column_kinds(body, width)
    above: list[GridCell | None] = [None] * width   # the cell covering each column, row above
    for r, row in enumerate(body, start=first_row):
        placed: list[GridCell] = []
        if len(row) == 1 and not is_figure(row[0].text):
            placed.append(GridCell(r, 0, row[0].text, row[0].line, col_span=width))  # group row
            above = [None] * width
        elif len(row) >= width:
            placed += [GridCell(r, k, c.text, c.line) for k, c in enumerate(row[:width])]
            if len(row) > width:  # an overflow cell: keep its text in the last column
                last = placed[-1]
                last.text = " ".join([last.text] + [c.text for c in row[width:]])
        elif is_total_label(row[0].text) and _offset(row[1:], kinds[1:], False) == width - len(row):
            missing = width - len(row)  # "Tổng số" over the row-number and name columns
            placed.append(GridCell(r, 0, row[0].text, row[0].line, col_span=missing + 1))
            placed += [GridCell(r, missing + k, c.text, c.line) for k, c in enumerate(row[1:], 1)]
        else:
            offset = _offset(row, kinds, any(above[:width - len(row)]))
            for k in range(offset):
                cell = above[k]
                if cell is not None and cell.col == k and cell.col + cell.col_span <= offset:
                    cell.row_span = r - cell.row + 1
            placed += [GridCell(r, offset + k, c.text, c.line) for k, c in enumerate(row)]
        for c in placed:
            for k in range(c.col, min(width, c.col + c.col_span)):
                above[k] = c
        out += placed
    return out


# -- header ---------------------------------------------------------------------------------

def _column_kinds(body: list[list[RawCell]], width: int) -> list[ColumnKind]:
    """What each column holds, read from the full-width data rows."""
    full = [r for r in body if len(r) == width and _is_data(r)]
    out: list[ColumnKind] = []
    for k in range(width):
        texts = [plain(r[k].text) for r in full]
        filled = [t for t in texts if not _BLANK_FIGURE.match(t)]
        if not filled:
            out.append("empty")
        elif all(_ROWNUM.match(t) for t in filled) and k <= 1:
            out.append("rownum")
        elif sum(t.endswith("%") or (re.search(r",\d", t) is not None and is_figure(t))
                 for t in filled) >= len(filled) / 2:
            out.append("percent")
        elif sum(is_figure(t) for t in filled) >= len(filled) / 2:
            out.append("number")
        else:
            out.append("text")
    return out


_COMPAT: dict[tuple[str | None, ColumnKind], int] = {
    ("rownum", "rownum"): 3, ("rownum", "text"): -3, ("rownum", "number"): -3,
    ("rownum", "percent"): -3,
    ("name", "text"): 2, ("name", "rownum"): -2, ("name", "number"): -2, ("name", "percent"): -2,
    ("percent", "percent"): 2, ("percent", "number"): -1, ("percent", "text"): -2,
    ("percent", "rownum"): -2,
    ("note", "text"): 1, ("note", "empty"): 1, ("note", "number"): -2, ("note", "percent"): -2,
    ("unit", "text"): 1, ("unit", "number"): -2,
    (None, "number"): 1, (None, "percent"): 1, (None, "text"): -1, (None, "rownum"): -2,
}


def _header_cells(header: list[list[RawCell]], body: list[list[RawCell]],
                  width: int) -> list[GridCell]:
    if not header:
        return []
    if len(header) == 1 or len(header) > 2:
        out: list[GridCell] = []
        for r, row in enumerate(header):
            spans = _even_spans(len(row), width)
            col = 0
            for c, span in zip(row, spans):
                out.append(GridCell(r, col, c.text, c.line, col_span=span))
                col += span
        return out
    upper, lower = header
    if len(lower) == width:   # a capture that repeated a row-spanned cell in the row under it
        while lower and len(lower) > 1 and upper and plain(lower[0].text) == plain(upper[0].text) \
                and len(upper) < len(lower):
            lower = lower[1:]
            if plain(lower[0].text) != plain(upper[min(1, len(upper) - 1)].text):
                break
    plan = _best_grouping(upper, lower, body, width)
    if plan is None:
        return _header_cells([upper], body, width) + [
            GridCell(1, k + width - len(lower), c.text, c.line) for k, c in enumerate(lower)]
    out = []
    col, sub = 0, 0
    for c, span in zip(upper, plan):
        if span == 0:   # a leaf: one column, over both header rows
            out.append(GridCell(0, col, c.text, c.line, row_span=2))
            col += 1
            continue
        out.append(GridCell(0, col, c.text, c.line, col_span=span))
        for k in range(span):
            s = lower[sub + k]
            out.append(GridCell(1, col + k, s.text, s.line))
        col += span
        sub += span
    return out


def _even_spans(n: int, width: int) -> list[int]:
    if n >= width or n == 0:
        return [1] * n
    base, extra = divmod(width, n)
    return [base + (1 if k >= n - extra else 0) for k in range(n)]


def _best_grouping(upper: list[RawCell], lower: list[RawCell], body: list[list[RawCell]],
                   width: int) -> list[int] | None:
    """Spans of the upper cells (0 = a leaf over one column) that fit ``width``, best first."""
    k, m = len(upper), len(lower)
    groups = k - (width - m)
    if groups < 1 or groups > m:
        return None
    kinds = _column_kinds(body, width)
    period = _period([plain(c.text).lower() for c in lower])
    best: tuple[int, list[int]] | None = None
    tried = 0
    for chosen in itertools.combinations(range(k), groups):
        for sizes in _compositions(m, groups):
            tried += 1
            if tried > 20000:
                return best[1] if best else None
            plan = [0] * k
            for g, size in zip(chosen, sizes):
                plan[g] = size
            score = _score(plan, upper, lower, body, kinds, period, width)
            if best is None or score > best[0]:
                best = (score, plan)
    return best[1] if best else None


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    return [tuple(b - a for a, b in zip((0, *cuts), (*cuts, total)))
            for cuts in itertools.combinations(range(1, total), parts - 1)]


def _period(texts: list[str]) -> int | None:
    for p in range(1, len(texts) // 2 + 1):
        if len(texts) % p == 0 and all(texts[i] == texts[i % p] for i in range(len(texts))):
            return p
    return None


def _score(plan: list[int], upper: list[RawCell], lower: list[RawCell],
           body: list[list[RawCell]], kinds: list[ColumnKind], period: int | None,
           width: int) -> int:
    score = 0
    col, sub = 0, 0
    for c, span in zip(upper, plan):
        if span == 0:
            score += _COMPAT.get((_compat_kind(c.text), kinds[col]), 0)
            col += 1
            continue
        subs = lower[sub:sub + span]
        for k, s in enumerate(subs):
            score += _COMPAT.get((_compat_kind(s.text), kinds[col + k]), 0)
        if period and span == period:
            score += 3
        if span >= 3 and is_total_label(subs[0].text) and _sums(body, width, col, span):
            score += 2
        col += span
        sub += span
    return score


def _sums(body: list[list[RawCell]], width: int, col: int, span: int) -> bool:
    """In most full data rows, the group's first column is the sum of its other columns."""
    hits = total = 0
    for row in body:
        if len(row) != width:
            continue
        values = [_value(row[k].text) for k in range(col, col + span)]
        if any(v is None for v in values):
            continue
        total += 1
        hits += abs(values[0] - sum(values[1:])) < 1e-6  # type: ignore[operator,arg-type]
    return total > 0 and hits * 2 > total


def _value(text: str) -> float | None:
    """A cell's figure in vi-VN style ('1.885' = 1885, '69,87' = 69.87); None when not a figure."""
    t = plain(text).strip("()% ")
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", t):
        return None
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t):
        t = t.replace(".", "")
    return float(t.replace(",", "."))
