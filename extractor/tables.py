"""What a table says about each of its figure cells.

A bare figure in a table cell is a fact when the table tells what it is, as a person reading
the table would:

- its **column header path** (the header cells over its column, top first) names what is
  measured ("Kết quả thực hiện cung cấp DVCTT > Đã tích hợp DVCTT trên Cổng DVCQG"); a unit
  in parentheses ("Tỷ lệ (%)", "Số tiền (tỷ đồng)") or a counted noun in it ("Số hồ sơ") gives
  the unit, a rate word makes it a percentage, a score word a score, a rank word a rank;
- its **row name** (the text cells left of it, row-spanned ones included) is the figure's
  subject when it names who ("Bộ Công an", "Tp Đà Nẵng", or any cell under a "Cơ quan" /
  "Địa phương" header), its period when it is one ("2023", "Năm 2022", under a "Năm" header),
  and part of its label otherwise ("Đã thực thi", "Công khai minh bạch");
- a **"Đơn vị tính" column** gives each row its own unit, and a **unit line** just above the
  table ("Đơn vị: triệu đồng", "(Đơn vị tính: triệu người)") the unit of every figure the table
  gives none of its own (on a scan, a currency word one OCR slip away still counts: "Triệu đẳng");
- a row named "Tổng số", "Cộng", "Toàn tỉnh" is a **total row** (for the checks).

The header and row vocabulary is data: ``parsers/data/tables.yaml`` (shared with the grid
recovery of text tables) and ``extractor/data/cues.yaml`` (units, rate, score and rank words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from baocao.extractor.numbers import PERIOD_RE
from baocao.extractor.vocab import alternation, cues, fold, words_re
from baocao.parsers.grid import header_kind, is_figure, is_total_label, plain, table_words
from baocao.schemas.document import Block, Cell, Table
from baocao.schemas.extraction import FactKind

_YEAR = re.compile(r"^(?:19|20)\d\d$")
_UNIT_PARENS = re.compile(r"\(([^()]{1,30})\)\s*$")
_ROWNUM = re.compile(r"^(?:\d{1,3}(?:\.\d{1,2})*\.?|[IVXLC]{1,5}\.?|[a-zđ][.)])$")


@dataclass
class CellInfo:
    """What the table says about one figure cell."""

    kind: FactKind
    unit: str | None
    label: str | None
    subject: str | None = None
    period: str | None = None          # the period's words, as the table writes them
    total_row: bool = False
    header_path: list[str] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)


@cache
def _unit_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(cues().units)})(?!\w)", re.IGNORECASE)


@cache
def _currency_re() -> re.Pattern[str]:
    from baocao.extractor.numbers import currency_words
    return re.compile(rf"(?<!\w)(?:{alternation(currency_words())})(?!\w)", re.IGNORECASE)


@cache
def _levels_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{words_re('levels')})(?!\w)", re.IGNORECASE)


_DECIMAL_COMMA = re.compile(r"^\d{1,3},\d{1,3}%?$")
_REMARK = re.compile(r"\([^()]{31,}\)")   # "(bao gồm các Quyết định giao bổ sung)": a remark, not a unit


@cache
def _unit_line_re() -> re.Pattern[str]:
    words = sorted(table_words().unit_lines, key=len, reverse=True)
    return re.compile(rf"\(?\s*(?:{alternation(words)})\s*:\s*(?P<unit>[^():\n]{{1,30}}?)\s*\)?\s*$",
                      re.IGNORECASE)


def declared_unit(text: str, start: int) -> str | None:
    """The unit a line just above a table (at ``start``) declares for it: "Đơn vị: triệu đồng",
    a caption closing with "(Đơn vị tính: triệu người)"; None when there is none."""
    lines = [ln.strip() for ln in text[max(0, start - 400):start].split("\n") if ln.strip()][-2:]
    for line in reversed(lines):
        m = _unit_line_re().search(line)
        if m is not None and (m.start() == 0 or line[m.start()] == "("):
            return m.group("unit").strip()
    return None


def _near(a: str, b: str) -> bool:
    """One OCR slip apart: the same length and one letter different ("dang" for "dong")."""
    return len(a) == len(b) >= 4 and sum(x != y for x, y in zip(a, b)) <= 1


def is_currency(unit: str, ocr: bool = False) -> bool:
    """A unit that is money ("triệu đồng", "USD"); on OCR'd text a word one letter away from a
    currency word counts too."""
    return _currency_re().search(unit) is not None or (ocr and ocr_currency(unit) is not None)


def ocr_currency(unit: str) -> str | None:
    """The unit with a currency word OCR misread by one letter put right ("Triệu đẳng" ->
    "Triệu đồng"), so its scale applies; None when no word is one slip from a currency word."""
    from baocao.extractor.numbers import currency_words

    words = unit.split()
    for i, w in enumerate(words):
        for c in currency_words():
            if " " not in c and _near(fold(w), fold(c)):
                return " ".join([*words[:i], c, *words[i + 1:]])
    return None


def _small(text: str) -> bool:
    m = re.match(r"(\d+)", text)
    return m is not None and int(m.group(1)) <= 100


def _numbering(texts: list[str]) -> bool:
    """Row numbers: "1, 2, 3", "1., 2.", "I., II." — each greater than the one before."""
    if not all(_ROWNUM.match(t) for t in texts):
        return False
    heads = [int(m.group()) for t in texts if (m := re.match(r"\d+", t))]
    if heads and (heads[0] > 5 or max(heads) > len(texts) + 5):
        return False   # 853.569, 885.809: figures, not row numbers
    steps = sum(b >= a for a, b in zip(heads, heads[1:]))
    return len(heads) < 2 or steps >= 0.8 * (len(heads) - 1)


def _has(words: list[str], text: str) -> bool:
    return re.search(rf"(?<!\w)(?:{alternation(words)})(?!\w)", text, re.IGNORECASE) is not None


@cache
def _generic_header_re() -> re.Pattern[str]:
    """Header words that only name the kind of figure ("Tỷ lệ", "Điểm", "Số lượng")."""
    words = [*cues().table_kind_words, *cues().connectors["rate_word"], *cues().score_units]
    alt = alternation(words)
    return re.compile(rf"^(?:{alt})(?:\s*[/,]\s*(?:{alt}))*(?:\s*\([^()]*\))?$", re.IGNORECASE)


class TableView:
    """One table read once: header rows, header paths, figure columns, row names."""

    def __init__(self, block: Block, text: str) -> None:
        assert block.table is not None
        self.table: Table = block.table
        self.text = text
        self.header_rows = self.table.header_rows or self._inferred_header_rows()
        self._covering: dict[tuple[int, int], Cell] = {}
        self._paths: dict[int, list[str]] = {}
        self._names: dict[int, list[tuple[int, str]]] = {}
        self._roles: dict[tuple[int, str], str] = {}
        for c in self.table.cells:
            for r in range(c.row, c.row + c.row_span):
                for k in range(c.col, c.col + c.col_span):
                    self._covering.setdefault((r, k), c)
        self.rate_cols: set[int] = set()
        self.numbering_row = self._numbering_row()
        self.figure_cols = self._figure_columns()
        self.unit_col = next((k for k in range(self.table.n_cols)
                              if any(header_kind(h) == "unit" for h in self.header_path(k))), None)
        self.ocr = block.origin == "ocr"
        self.declared_unit = declared_unit(text, block.span[0])
        if self.declared_unit and self.ocr and not is_currency(self.declared_unit):
            self.declared_unit = ocr_currency(self.declared_unit) or self.declared_unit

    # -- structure ------------------------------------------------------------------------
    def _rows(self) -> list[list[str]]:
        return self.table.rows()

    def _inferred_header_rows(self) -> int:
        """Leading rows without a figure are headers when figure rows follow them."""
        rows = self._rows()
        n = 0
        for row in rows[:3]:
            if any(is_figure(t) for t in row[1:]):
                break
            n += 1
        return n if n < len(rows) else 0

    def _numbering_row(self) -> int | None:
        """The row under the headers that numbers the columns ("1 | 2 | 3 | 4 | ... | 7", "(1) |
        (2) | ..."), as statistical forms do: labels of the columns, not figures."""
        rows = self._rows()
        for r in range(self.header_rows, min(self.header_rows + 2, len(rows))):
            cells = [plain(t) for t in rows[r]]
            numbers = [int(m.group(1)) for t in cells if (m := re.fullmatch(r"\(?(\d{1,2})\)?", t))]
            texts = [t for t in cells if t]
            if len(numbers) >= 3 and len(numbers) == len(texts) and \
                    all(b > a for a, b in zip(numbers, numbers[1:])) and numbers[-1] - numbers[0] < len(cells) + 1 \
                    and numbers[0] <= 2:
                return r
        return None

    def at(self, row: int, col: int) -> Cell | None:
        return self._covering.get((row, col))

    def header_path(self, col: int) -> list[str]:
        cached = self._paths.get(col)
        if cached is None:
            cached = self._paths[col] = self._header_path(col)
        return cached

    def _header_path(self, col: int) -> list[str]:
        out: list[str] = []
        for r in range(self.header_rows):
            c = self.at(r, col)
            if c is not None and c.text and plain(c.text) not in out:
                out.append(plain(c.text))
        return out

    def _figure_columns(self) -> set[int]:
        rows = [r for i, r in enumerate(self._rows()) if i >= self.header_rows and i != self.numbering_row]
        out: set[int] = set()
        for k in range(self.table.n_cols):
            texts = [plain(r[k]) for r in rows if k < len(r) and plain(r[k]) not in ("", "-", "x")]
            path = self.header_path(k)
            leaf = path[-1] if path else ""
            names = {header_kind(leaf)} & {"rownum", "subject", "measure", "period"} \
                if not re.search(r"\d", leaf) else set()   # "Năm 2010" over figures is their period
            if texts and sum(is_figure(t) for t in texts) * 2 >= len(texts) and not names \
                    and not (k <= 1 and _numbering(texts)) and not all(_YEAR.match(t) for t in texts):
                out.add(k)
                figures = [t for t in texts if is_figure(t)]
                if sum(bool(_DECIMAL_COMMA.search(t)) for t in figures) * 2 >= len(figures) \
                        and all(_small(t) for t in figures):
                    self.rate_cols.add(k)   # "94,85", "97,87": shares without their % sign
        return out

    def row_names(self, row: int, col: int) -> list[tuple[int, str]]:
        """(column, text) of the text cells left of ``col`` in ``row``, spanned ones included."""
        names = self._names.get(row)
        if names is None:
            names = self._names[row] = self._row_names(row, self.table.n_cols)
        return [(k, t) for k, t in names if k < col]

    def names_by_column(self, row: int) -> dict[int, str]:
        """Every name cell of the row by each column it covers ("Tổng số" over the row-number
        and name columns stands in both)."""
        out: dict[int, str] = {}
        for k in range(self.table.n_cols):
            c = self.at(row, k)
            if c is None or k in self.figure_cols:
                continue
            t = plain(c.text)
            if t and not _ROWNUM.match(t) and not (is_figure(t) and not _YEAR.match(t)):
                out[k] = t
        return out

    def _row_names(self, row: int, col: int) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        seen: set[int] = set()
        for k in range(col):
            c = self.at(row, k)
            if c is None or id(c) in seen or k in self.figure_cols:
                continue
            seen.add(id(c))
            t = plain(c.text)
            if t and not _ROWNUM.match(t) and not (is_figure(t) and not _YEAR.match(t)):
                out.append((k, t))
        return out

    TOTAL = "\x00total"

    def row_key(self, row: int, col: int) -> tuple[str, str]:
        """(who, which sub-row) of a row, read from its name cells left of ``col``; a total word
        in either place is ``TableView.TOTAL``: ("Bộ Công an", "Đã thực thi"), ("Bộ Công an",
        TOTAL) for its "Tổng" sub-row, (TOTAL, "Đã thực thi") in the "Tổng số" group, (TOTAL, "")
        for a plain total row."""
        subject: str | None = None
        facet: list[str] = []
        for k, name in self.row_names(row, col):
            role = self._role(k, name)
            if role == "total":
                if subject is None:
                    subject = self.TOTAL
                else:
                    facet.append(self.TOTAL)
            elif role == "subject" and subject is None:
                subject = name
            elif role in ("measure", "subject"):
                facet.append(name)
        return subject or "", " – ".join(facet)

    def group_of_rows(self) -> dict[int, int]:
        """Row -> the index of the group it is in; a full-width name row ("I. Bộ, ngành") opens
        a new group."""
        out: dict[int, int] = {}
        group = 0
        spans = {c.row: c for c in self.table.cells if c.col == 0 and c.col_span == self.table.n_cols}
        for r in range(self.table.n_rows):
            if r in spans:
                group += 1
            out[r] = group
        return out

    def sections(self) -> list[tuple[str, list[int]]]:
        """(name, rows) of each titled run of rows: a row with a name and no figure ("I. Bộ,
        cơ quan trung ương", "ĐỊA PHƯƠNG") heads the rows with figures below it, up to the next
        such row or a total row."""
        out: list[tuple[str, list[int]]] = []
        current: tuple[str, list[int]] | None = None
        for r in range(self.header_rows, self.table.n_rows):
            names = self.names_by_column(r)
            figures = any((c := self.at(r, k)) is not None and is_figure(plain(c.text))
                          for k in self.figure_cols)
            name = " ".join(dict.fromkeys(names.values()))
            if name and is_total_label(name):
                current = None
            elif not figures and name:
                current = (name, [])
                out.append(current)
            elif figures and current is not None:
                current[1].append(r)
        return [s for s in out if s[1]]

    # -- one cell -------------------------------------------------------------------------
    def info(self, cell: Cell, cell_text: str) -> CellInfo | None:
        """What the table says of a figure in ``cell``; None when the cell is not a data cell."""
        if cell.row < self.header_rows or cell.col not in self.figure_cols or cell.row == self.numbering_row:
            return None
        path = self.header_path(cell.col)
        names = self.row_names(cell.row, cell.col)
        subject = period = None
        measure: list[str] = []
        for k, name in names:
            role = self._role(k, name)
            if role == "subject" and subject is None:
                subject = name
            elif role == "period" and period is None:
                period = name
            elif role in ("measure", "total"):
                measure.append(name)
        head = " ".join(path)
        unit = self._unit(cell.row, path)
        kind = self._kind(cell_text, head, unit, " ".join(measure))
        if kind is FactKind.count and cell.col in self.rate_cols and not unit:
            kind = FactKind.percentage   # counts are whole: decimals under 100 with no unit are rates
        named = [h for h in path if not self._generic(h)]
        if not named and path and header_kind(path[-1]) not in ("rownum", "subject", "period", "note") \
                and not _YEAR.match(path[-1]) and not PERIOD_RE.fullmatch(path[-1]):
            named = [path[-1]]   # "Tỷ lệ", "Điểm": the column's kind still tells it from its row
        header_period = next((h for h in path if PERIOD_RE.fullmatch(h) or _YEAR.match(h)
                              or _YEAR.match(h.split("(")[0].strip())), None)
        # a column headed by its year ("2018 (%)") is told from its neighbours by the year alone:
        # the label keeps it, beside the period it also gives
        year_head = next((h for h in path if _YEAR.match(h.split("(")[0].strip())), None)
        label_parts = measure + named + ([year_head] if year_head and not named else [])
        return CellInfo(kind=kind, unit=unit, label=" – ".join(label_parts) or None,
                        subject=subject, period=period or header_period,
                        total_row=any(is_total_label(n) for _, n in names),
                        header_path=path, row_names=[n for _, n in names])

    def _role(self, col: int, name: str) -> str:
        role = self._roles.get((col, name))
        if role is None:
            role = self._roles[(col, name)] = self._role_of(col, name)
        return role

    def _role_of(self, col: int, name: str) -> str:
        from baocao.extractor.context import is_named_subject
        from baocao.extractor.labels import names_body

        if _YEAR.match(name) or PERIOD_RE.fullmatch(name):
            return "period"
        if is_total_label(name):
            return "total"
        kinds = {header_kind(h) for h in self.header_path(col)}
        if "period" in kinds:
            return "period"
        if "subject" in kinds or names_body(name) or is_named_subject(name):
            return "subject"
        return "measure"

    def _generic(self, header: str) -> bool:
        kind = header_kind(header)
        return kind in ("rownum", "subject", "period", "note", "unit") \
            or bool(_generic_header_re().match(header)) or _YEAR.match(header) is not None \
            or PERIOD_RE.fullmatch(header) is not None

    def _unit(self, row: int, path: list[str]) -> str | None:
        """The row's "Đơn vị tính" cell, a unit in parentheses in the header, the table's unit
        line, or a counted noun of the header ("Số hồ sơ"), levels ("cấp tỉnh") and remarks in
        parentheses set aside."""
        if self.unit_col is not None:
            c = self.at(row, self.unit_col)
            if c is not None and plain(c.text):
                return plain(c.text)
        for h in reversed(path):
            m = _UNIT_PARENS.search(h)
            if m:
                return m.group(1).strip()
        if self.declared_unit is not None:
            return self.declared_unit
        for h in reversed(path):
            m = _unit_re().search(_levels_re().sub(" ", _REMARK.sub(" ", h)))
            if m:
                return m.group(0)
        return None

    def _kind(self, cell_text: str, head: str, unit: str | None, row: str) -> FactKind:
        """The header's unit and words decide; a header naming both a rate and a score
        ("Tỷ lệ/Điểm") holds rates on rows that name a rate, scores elsewhere and in x/y."""
        vocab = cues()
        scope = f"{head} {unit or ''}"
        rate, score = vocab.connectors["rate_word"], vocab.score_units
        if "%" in cell_text or unit == "%":
            return FactKind.percentage
        if _has(rate, head) and not (_has(score, head) and ("/" in cell_text or not _has(rate, row))):
            return FactKind.percentage
        if unit and is_currency(unit, self.ocr):
            return FactKind.amount
        if _has(vocab.money_words, head) and not (unit and _unit_re().fullmatch(unit)):
            return FactKind.amount   # "Số thu nội địa", "Số đã thu nộp NSNN": money in some unit
        if _has(vocab.rank_cues, scope):
            return FactKind.rank
        if _has(vocab.score_units, scope):
            return FactKind.score
        return FactKind.count


@dataclass
class TableViews:
    """TableView of every table block of a document, built when first asked for."""

    text: str
    _views: dict[int, TableView] = field(default_factory=dict)

    def of(self, block: Block) -> TableView | None:
        if block.table is None:
            return None
        view = self._views.get(block.id)
        if view is None:
            view = self._views[block.id] = TableView(block, self.text)
        return view
