"""Stage 2: what each candidate figure is — count, score, rank, percentage, date, deadline, amount.

Rules read the cue words right around the figure (``data/cues.yaml``) and, inside tables, the
column header. A candidate no rule claims is not a fact: a bare number with no unit and no
cue ("chỉ số 766", "View count: 32") says nothing a reviewer could check.
Strategies are tried in a fixed, named order and each fact records the one that claimed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from baocao.extractor.candidates import Candidate
from baocao.extractor.nlp import Cue, CueIndex
from baocao.extractor.numbers import NumberFormatError, parse_number, unit_scale
from baocao.extractor.tables import CellInfo, TableViews
from baocao.extractor.vocab import alternation, cues, words_re
from baocao.parsers.grid import plain
from baocao.schemas.document import Cell, Document
from baocao.schemas.extraction import FactKind, Qualifier

_UNIT_GAP = r" ?"
_COUNT_BEFORE_GAP = re.compile(r"[^\d;.()\[\]:\n|]{0,60}")
_ITEM_GAP = re.compile(r"[^\d;.()\[\]:\n|]{0,60}:\s*")   # "(Hóa đơn có mã: 3.165.207.055; ..."
_NUMERAL = re.compile(r"\d+(?:[.,]\d+)*")


@cache
def _patterns() -> dict[str, re.Pattern[str] | str]:
    """The patterns around figures, built from ``connectors`` in data/cues.yaml."""
    w = words_re
    return {
        "score_gap": rf"[ :]*(?:(?:(?:{w('negations')}) )?(?:{w('copulas')})[ :]*)*",
        "rank_gap": rf"[ :]*(?:(?:{w('ordinal')}) ?)?",
        "date_gap": rf"[ :(]*(?:{w('date_word')})?[ :]*",
        "qualifier_gap": rf"[ :]*(?:{w('rate_word', 'date_word')})?[ :]*",
        "of_total": re.compile(rf" (?:{w('of_total')}) ", re.IGNORECASE),
        "range_join": re.compile(rf" *(?:{w('range_joins')}|-|–) *(?:{w('range_bounds', 'date_word')})? *",
                                 re.IGNORECASE),
        "pool_after": re.compile(rf" *(?:(?:{w('pool_of')}) (?P<den>\d+) )?(?P<pool>[^\d,;.()\[\]\n|]{{2,60}})",
                                 re.IGNORECASE),
        "pool_stop": re.compile(rf"\s+(?:{w('pool_stops')})\s+", re.IGNORECASE),
        "header_line": re.compile(rf"^[^,\n]{{2,40}},\s*(?:{w('date_word')})\b", re.IGNORECASE),
        "range_start": re.compile(rf"(?<!\w)(?:{w('range_start')})(?!\w)", re.IGNORECASE),
        "date_word_before": re.compile(rf"(?<!\w)(?:{w('date_word')})\s*$", re.IGNORECASE),
        "count_word_before": re.compile(rf"(?:^|\s){w('count_word')}\s*$"),
        "score_unit_word": re.compile(rf"(?:{alternation(cues().score_units)})(?!\w)", re.IGNORECASE),
        "rank_word": re.compile(rf"(?<!\w)(?:{alternation(cues().rank_cues)})(?!\w)", re.IGNORECASE),
    }


def _rx(name: str) -> re.Pattern[str]:
    return _patterns()[name]  # type: ignore[return-value]


def _gap(name: str) -> str:
    return _patterns()[name]  # type: ignore[return-value]


@dataclass
class Draft:
    """A classified candidate, before labels, periods and ids are attached."""

    candidate: Candidate
    kind: FactKind
    value: float | str | None
    denominator: float | None = None
    unit: str | None = None
    qualifier: Qualifier = Qualifier.exact
    strategy: str = "pattern"
    confidence: float = 0.9
    cell: Cell | None = None
    pool: str | None = None
    table: CellInfo | None = None       # what the table says of the cell, for a table figure
    change: str | None = None           # "increase" / "decrease": a change of a level
    extra: dict[str, str | None] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.candidate.start

    @property
    def end(self) -> int:
        return self.candidate.end


class Classifier:
    """Applies the rules to candidates of one document."""

    def __init__(self, doc: Document, cues: CueIndex) -> None:
        self.doc = doc
        self.text = doc.text
        self.cues = cues
        self.tables = TableViews(doc.text)
        defined = unit_abbreviations(doc.text, cues)
        self._abbreviations = re.compile(rf" ?({alternation(list(defined))})(?!\w)") if defined else None

    def classify(self, c: Candidate) -> Draft | None:
        cell = self.doc.cell_at(c.start) if c.block.table is not None else None
        info = None
        if cell is not None:
            view = self.tables.of(c.block)
            if view is not None and cell.row == view.numbering_row:
                return None   # "1 | 2 | 3 | ... | 7" under the headers: the columns' numbers
            info = view.info(cell, cell.text) if view is not None else None
        if info is not None and c.form in ("number", "fraction", "percent") \
                and plain(cell.text) == plain(c.text):  # type: ignore[union-attr]
            in_cell = self._table_cell(c, info)
            in_cell.cell, in_cell.table = cell, info
            in_cell.qualifier = self._qualifier(in_cell)
            return in_cell
        draft: Draft | None
        if c.form == "date":
            draft = self._date(c)
        elif c.form == "amount":
            draft = self._scaled_count(c) or Draft(c, FactKind.amount, c.value,
                                                   unit=c.amount.currency if c.amount else None)
        elif c.form == "percent":
            draft = Draft(c, FactKind.percentage, c.value, unit="%",
                          denominator=_den(c))
        else:
            draft = self._number(c, cell)
        if draft is not None:
            draft.cell, draft.table = cell, info
            draft.change = self._change(draft)
            draft.qualifier = Qualifier.exact if draft.change and _comparison_cue(self.text, draft.start) \
                else self._qualifier(draft)
        return draft

    def _change(self, d: Draft) -> str | None:
        """ "tăng 1,39%", "giảm thêm 0,4 điểm", "cao hơn 1,71% so với năm 2022": a change."""
        if d.kind not in (FactKind.count, FactKind.percentage, FactKind.score, FactKind.rank):
            return None
        before = self.text[max(d.candidate.block.span[0], d.start - 40):d.start]
        m = _change_re().search(before)
        if m is not None:
            d.extra["change_word"] = (m.group("up") or m.group("down")).lower()
            return "increase" if m.group("up") else "decrease"
        m = _comparison_re().search(before)
        if m is not None:
            clause = re.split(r"[;.!?\n(]", self.text[d.end:d.end + 80])[0]
            if _anchor_re().search(clause):
                d.extra["change_word"] = (m.group("up") or m.group("down")).lower()
                return "increase" if m.group("up") else "decrease"
        return None

    def _table_cell(self, c: Candidate, info: CellInfo) -> Draft:
        """A figure that is a whole table cell: the table says what it is (extractor/tables.py)."""
        if c.form == "percent" or info.kind is FactKind.percentage:
            return Draft(c, FactKind.percentage, c.value, _den(c), unit="%", strategy="table-cell",
                         confidence=0.8)
        if info.kind is FactKind.amount and c.value is not None:
            scale = unit_scale(info.unit or "")
            return Draft(c, FactKind.amount, c.value * (scale.value if scale else 1.0),
                         unit=scale.currency if scale else info.unit, strategy="table-cell",
                         confidence=0.8)
        return Draft(c, info.kind, c.value, _den(c), unit=info.unit, strategy="table-cell",
                     confidence=0.8)

    def _scaled_count(self, c: Candidate) -> Draft | None:
        """ "68,5 triệu người", "10,18 ngàn hồ sơ", "725 nghìn tổ chức, cá nhân": a scale word
        without a currency, then a counted noun, is a count (scaled), not money."""
        if c.amount is None or c.amount.currency is not None:
            return None
        cue = self._unit_after(c.end)
        if cue is None or re.match(r"\s*/\s*\w", self.text[cue.end:cue.end + 4]):
            return None
        return Draft(c, FactKind.count, c.value, unit=cue.text, strategy="scale-unit-after")

    def _unit_after(self, pos: int) -> Cue | None:
        """The counted noun right after ``pos``: a unit of cues.yaml, or an abbreviation the
        document defines for one ("10,18 ngàn hồ sơ (HS)" ... "7,7 ngàn HS")."""
        cue = self.cues.after("units", pos, self.text, _UNIT_GAP)
        if cue is not None or self._abbreviations is None:
            return cue
        m = self._abbreviations.match(self.text, pos)
        return Cue("units", "units", m.start(1), m.end(1), m.group(1)) if m else None

    # dates -----------------------------------------------------------------------------
    def _date(self, c: Candidate) -> Draft | None:
        assert c.date is not None
        block_text = self.text[c.block.span[0]:c.block.span[1]]
        if c.block.id < 8 and _rx("header_line").match(block_text):
            return None  # the document's own place-and-date line: metadata
        digits = c.start + _first_digit(c.text)
        cue = self.cues.before("deadline_cues", digits, self.text, _gap("date_gap"))
        if cue is not None and self._closes_period(cue.start):
            cue = None   # "từ năm 2020 đến hết ngày 20/6/2025": the end of a period, not a deadline
        if cue is not None and self._in_header(c):
            cue = None   # "Giải ngân đến hết ngày 30/9/2025" over a column: the date its figures run to
        kind = FactKind.deadline if cue is not None else FactKind.date
        draft = Draft(c, kind, c.date.iso(), strategy="date")
        if cue is not None:
            draft.extra["cue_start"] = str(cue.start)
        return draft

    def inherit_units(self, left: list[Candidate], drafts: list[Draft]) -> list[Draft]:
        """Bare numbers that share the counted noun of a neighbour: the two levels of "giảm 53 cơ
        sở (từ 1.772 xuống 1.719)", and a list item "tuyến huyện: 1.634," between items that
        name their unit ("tuyến tỉnh: 564 cơ sở, ..., đơn vị: 187 cơ sở")."""
        counts = [d for d in drafts if d.kind is FactKind.count and d.unit and d.cell is None
                  and d.denominator is None]
        counted = self._counted_nouns(drafts)
        out: list[Draft] = []
        for c in left:
            if c.form != "number" or c.block.table is not None or c.number is None:
                continue
            before = self.text[max(c.block.span[0], c.start - 60):c.start]
            after = self.text[c.end:c.end + 3]
            source: Draft | None = None
            opening = before.rfind("(")
            if opening >= 0 and ")" not in before[opening:] and \
                    re.fullmatch(rf"\(\s*(?:{words_re('range_start')})?\s*(?:\S+\s+(?:{words_re('range_joins')}|"
                                 rf"{words_re('range_to_words')})\s*)?", before[opening:], re.IGNORECASE):
                at = c.start - len(before) + opening
                source = next((d for d in reversed(counts) if d.end <= at and re.fullmatch(
                    rf"\s*{re.escape(d.unit or '')}\s*", self.text[d.end:at], re.IGNORECASE)), None)
            if source is None and opening >= 0 and ")" not in before[opening:] and re.search(r",\s*$", before):
                # "(01 giấy phép cấp mới, 02 điều chỉnh)": an item of a list in parentheses whose
                # first item names the unit
                at = c.start - len(before) + opening
                source = next((d for d in counts if d.start > at and d.end <= c.start
                               and re.fullmatch(r"\(\s*", self.text[at:d.start])), None)
            if source is None and re.search(r":\s*$", before) and re.match(r"\s*(?:[,;.]|$)", after):
                sentence = _sentence_around(self.text, c.start, c.block.span[0])[0]
                near = [d for d in counts if d.candidate.block.id == c.block.id and d.start >= sentence
                        and re.search(r":\s*$", self.text[max(0, d.start - 4):d.start])
                        and abs(d.start - c.start) < 200]
                source = min(near, key=lambda d: abs(d.start - c.start), default=None)
            if source is not None:
                out.append(Draft(c, FactKind.count, c.value, unit=source.unit, strategy="unit-of-neighbour",
                                 confidence=0.6))
            elif counted is not None and float(c.value or 0).is_integer() and \
                    (m := counted.match(self.text, c.end)) is not None:
                out.append(Draft(c, FactKind.count, c.value, unit=m.group(1), strategy="unit-of-document",
                                 confidence=0.6))
        return out

    @staticmethod
    def _counted_nouns(drafts: list[Draft]) -> re.Pattern[str] | None:
        """The nouns the document counts elsewhere ("28 hoạt chất", read by the tagger): the same
        noun after another whole number counts it too, where the tagger, given a few words only,
        misread it ("198 hoạt chất," tagged as a numeral)."""
        nouns = {d.unit for d in drafts if d.kind is FactKind.count and d.unit and d.cell is None
                 and d.strategy in ("noun-after", "unit-after") and re.fullmatch(r"[^\W\d]{2,}(?: [^\W\d]+)*", d.unit)}
        return re.compile(rf" ({alternation(sorted(nouns))})(?!\w)") if nouns else None

    def _in_header(self, c: Candidate) -> bool:
        """A candidate in a header cell of a table: it names what the column holds."""
        cell = self.doc.cell_at(c.start) if c.block.table is not None else None
        view = self.tables.of(c.block) if cell is not None else None
        return view is not None and cell is not None and cell.row < view.header_rows

    def _closes_period(self, cue_start: int) -> bool:
        end_cue = self.cues.after("period_end_cues", cue_start, self.text, r"")
        if end_cue is None:
            return False
        clause = re.split(r"[.;:!?\n]", self.text[max(0, cue_start - 120):cue_start])[-1]
        return _rx("range_start").search(clause) is not None

    # numbers and fractions ------------------------------------------------------------
    def _number(self, c: Candidate, cell: Cell | None) -> Draft | None:
        for rule in (self._rank, self._rank_of_pool, self._percent_after, self._score_after, self._count_after,
                     self._score_before, self._count_before, self._table, self._noun_after):
            draft = rule(c, cell)
            if draft is not None:
                return draft
        if c.form == "fraction" and c.fraction is not None:
            num, den = c.fraction.numerator.value, c.fraction.denominator.value
            if num > den or self._date_before(c):
                return None  # "500/220 kV", "Đường 3/2", "24/7", "ngày 6/4": not a part of a whole
            if den > 100:    # "4.954.457/10.364.973": no score has such a maximum; x of y things
                return Draft(c, FactKind.count, c.value, den, strategy="fraction-default", confidence=0.6)
            noun = re.match(r"[ \t]+([^\W\d]\w*)", self.text[c.end:c.end + 30])
            if noun is not None and float(num).is_integer() and float(den).is_integer() \
                    and not _rx("score_unit_word").match(noun.group(1)) \
                    and not _not_counted_re().fullmatch(noun.group(1)):
                # "04/04 Đoàn thanh tra", "18/20 tiêu chí": whole numbers of a thing named after them
                return Draft(c, FactKind.count, c.value, den, unit=noun.group(1), strategy="fraction-noun",
                             confidence=0.6)
            return Draft(c, FactKind.score, c.value, den, unit=cues().score_units[0],
                         strategy="fraction-default", confidence=0.6)
        return None

    def _date_before(self, c: Candidate) -> bool:
        """ "Ngày 6/4": a day and month without their year, not a fraction."""
        return self.cues.before("deadline_cues", c.start, self.text, r"\s*") is not None or bool(
            _rx("date_word_before").search(self.text[max(0, c.start - 8):c.start]))

    def _rank(self, c: Candidate, cell: Cell | None) -> Draft | None:
        cue = self.cues.before("rank_cues", c.start, self.text, _gap("rank_gap"))
        if cue is None:
            return None
        draft = Draft(c, FactKind.rank, c.value, _den(c), strategy="rank-cue")
        m = _rx("pool_after").match(self.text, c.end)
        if m is not None:
            if draft.denominator is None and m.group("den"):
                draft.denominator = float(m.group("den"))
                draft.extra["consumes"] = str(m.start("den") + len(m.group("den")))
            draft.pool = _clean_pool(m.group("pool"))
        if cue.text.lower() == "top":
            draft.extra["top"] = "1"
        return draft

    def _rank_of_pool(self, c: Candidate, cell: Cell | None) -> Draft | None:
        """ "thứ bậc trên toàn quốc của tỉnh Bắc Ninh đạt 15/63": a fraction over the number of
        provinces (a framework's rank pool) in a clause that names a rank is that rank."""
        if c.fraction is None or c.fraction.denominator.value not in _pool_sizes():
            return None
        clause = re.split(r"[.;:!?\n(]", self.text[max(c.block.span[0], c.start - 100):c.start])[-1]
        if not _rx("rank_word").search(clause):
            return None
        return Draft(c, FactKind.rank, c.fraction.numerator.value, c.fraction.denominator.value,
                     strategy="rank-pool", confidence=0.8)

    def _percent_after(self, c: Candidate, cell: Cell | None) -> Draft | None:
        """ "giảm 0,4 điểm phần trăm": percentage points."""
        cue = self.cues.after("percent_units", c.end, self.text, _UNIT_GAP)
        if cue is None or c.fraction is not None:
            return None
        return Draft(c, FactKind.percentage, c.value, unit=cue.text, strategy="percent-unit")

    def _score_after(self, c: Candidate, cell: Cell | None) -> Draft | None:
        cue = self.cues.after("score_units", c.end, self.text, _UNIT_GAP)
        if cue is None:
            return None
        place = _score_stop_re().match(self.text, cue.end)
        if place is not None:   # "10 điểm đến FDI", "63 điểm cầu", "13 điểm mỏ": places, not points
            if c.fraction is None and float(c.value or 0).is_integer():
                return Draft(c, FactKind.count, c.value, unit=f"{cue.text} {place.group(0).strip()}",
                             strategy="unit-after", confidence=0.8)
            return None
        return Draft(c, FactKind.score, c.value, _den(c), unit=cue.text, strategy="score-unit")

    def _noun_after(self, c: Candidate, cell: Cell | None) -> Draft | None:
        """A whole number right before a noun counts that noun ("1.451 buổi đối thoại", "479
        kênh", "152 Điều"): underthesea tags the figure and the words after it; time, size and
        multiples ("3 năm", "2 lần", "tăng 3 bậc") are not counts (``not_counted``)."""
        if c.form != "number" or cell is not None or c.number is None or not float(c.value or 0).is_integer():
            return None
        window = re.split(r"[.,;:()\[\]\n|%]", self.text[c.end:c.end + 40])[0]
        if not window.strip() or not window.startswith(" ") or re.match(r" \d", window) \
                or re.search(r"\d\s$", self.text[max(0, c.start - 2):c.start]):
            return None   # "094 540 6866": a phone number's digit groups
        opens = not self.text[c.block.span[0]:c.start].strip() or self.text[c.start - 1] == "\n"
        from underthesea import pos_tag

        tagged = pos_tag(f"{c.text}{window.split('/')[0]}")
        if len(tagged) < 2 or tagged[1][1] not in ("N", "Np", "Nc", "Nu"):
            return None
        noun = tagged[1][0]
        abbreviation = re.fullmatch(r"[A-ZĐ]{2,}", noun) is not None
        if (tagged[1][1] == "Np" and not abbreviation) or _not_counted_re().fullmatch(noun) \
                or not re.match(r"\w", noun) or (opens and noun[:1].isupper() and not abbreviation) \
                or window.lstrip().startswith(f"{noun}/"):
            return None   # a name, an address, a list number before a heading, a rate "người/xã"
        return Draft(c, FactKind.count, c.value, unit=noun, strategy="noun-after", confidence=0.6)

    def _count_after(self, c: Candidate, cell: Cell | None) -> Draft | None:
        pos = c.end
        m = _rx("of_total").match(self.text, pos)
        if m is not None:  # "3 trong số 5 chỉ số thành phần": the unit comes after the total
            nxt = _NUMERAL.match(self.text, m.end())
            if nxt is not None:
                pos = nxt.end()
        cue = self._unit_after(pos)
        if cue is None:
            return None
        whole = _of_whole_re(cue.text).match(self.text, cue.end)
        if whole is not None and c.fraction is None:   # "3.071 TTHC/4.888 TTHC": x of y things
            try:
                den = parse_number(whole.group(1)).value
            except NumberFormatError:
                return None
            draft = Draft(c, FactKind.count, c.value, den, unit=cue.text, strategy="unit-after")
            draft.extra["consumes"] = str(whole.end(1))
            return draft
        if re.match(r"\s*/\s*\w", self.text[cue.end:cue.end + 4]):
            return None  # "1,95 lượt/người/năm": a rate per something, not a count
        return Draft(c, FactKind.count, c.value, _den(c), unit=cue.text, strategy="unit-after")

    def _score_before(self, c: Candidate, cell: Cell | None) -> Draft | None:
        cue = self.cues.before("score_cues", c.start, self.text, _gap("score_gap"))
        if cue is None:
            return None
        return Draft(c, FactKind.score, c.value, _den(c), unit="điểm", strategy="score-cue")

    def _count_before(self, c: Candidate, cell: Cell | None) -> Draft | None:
        """ "Tổng số hồ sơ tiếp nhận 20.845", "số dịch vụ công ... là 522": số + unit, then N;
        "(Hóa đơn điện tử có mã: 3.165.207.055; ...": an item that opens with its unit, a colon,
        then N."""
        if c.form != "number":
            return None
        lo = max(c.block.span[0], c.start - 90)
        for cue in reversed(self.cues.within("units", lo, c.start)):
            between = self.text[cue.end:c.start]
            lead = self.text[max(lo, cue.start - 12):cue.start].lower()
            counted = _COUNT_BEFORE_GAP.fullmatch(between) and _rx("count_word_before").search(lead)
            item = _ITEM_GAP.fullmatch(between) and \
                re.search(r"(?:^|[(;])\s*$", self.text[max(lo - 2, cue.start - 3):cue.start])
            if counted or item:
                return Draft(c, FactKind.count, c.value, unit=cue.text, strategy="unit-before",
                             confidence=0.8)
        return None

    def _table(self, c: Candidate, cell: Cell | None) -> Draft | None:
        """A bare figure in a table: the column header and the row's label say what it is."""
        if cell is None or c.block.table is None:
            return None
        header = " ".join(h.text for h in c.block.table.cells
                          if h.header and h.col <= cell.col < h.col + h.col_span).lower()
        row_label = " ".join(x.text for x in c.block.table.cells
                             if x.row == cell.row and x.col < cell.col).lower()
        rate, score = cues().connectors["rate_word"][0], cues().connectors["score_word"][0]
        if rate in header and (rate in row_label or score not in header):
            return Draft(c, FactKind.percentage, c.value, unit="%", strategy="table-header",
                         confidence=0.75)
        if score in header:
            return Draft(c, FactKind.score, c.value, _den(c), unit="điểm",
                         strategy="table-header", confidence=0.75)
        return None

    # qualifiers -----------------------------------------------------------------------
    def _qualifier(self, d: Draft) -> Qualifier:
        if d.extra.get("top"):
            return Qualifier.at_most
        pos = d.start + (_first_digit(d.candidate.text) if d.kind in
                         (FactKind.date, FactKind.deadline) else 0)
        cue = self.cues.before("qualifier", pos, self.text, _gap("qualifier_gap"))
        if cue is not None:
            return Qualifier(cue.key)
        if d.kind is FactKind.percentage and d.value == 100 and self._is_instruction(d):
            return Qualifier.target
        return Qualifier.exact

    def _is_instruction(self, d: Draft) -> bool:
        if self.cues.before("result_cues", d.start, self.text, r"\s*") is not None:
            return False
        start, _ = _sentence_around(self.text, d.start, d.candidate.block.span[0])
        return bool(self.cues.within("target_sentence_cues", start, d.start))


def unit_abbreviations(text: str, index: CueIndex) -> dict[str, str]:
    """Abbreviations the text defines for a counted noun: "hồ sơ (HS)" makes "HS" a unit that
    counts hồ sơ (its letters are the noun's initials)."""
    out: dict[str, str] = {}
    for m in re.finditer(r"\(([A-ZĐ]{2,6})\)", text):
        unit = index.before("units", m.start(), text, r"\s*")
        if unit is None:
            continue
        initials = "".join(w[0] for w in unit.text.split()).upper()
        if initials == m.group(1):
            out[m.group(1)] = unit.text
    return out


@cache
def _of_whole_re(unit: str) -> re.Pattern[str]:
    """ "/4.888 TTHC" after "3.071 TTHC": the whole the count is of, in the same unit."""
    return re.compile(rf"\s*/\s*(\d+(?:[.,]\d+)*)\s*{re.escape(unit)}(?!\w)", re.IGNORECASE)


@cache
def _score_stop_re() -> re.Pattern[str]:
    return re.compile(rf"\s+(?:{alternation(cues().score_unit_stops)})(?!\w)", re.IGNORECASE)


@cache
def _not_counted_re() -> re.Pattern[str]:
    return re.compile(rf"(?:{alternation(cues().not_counted)})", re.IGNORECASE)


@cache
def _change_re() -> re.Pattern[str]:
    v = cues()
    up, down = alternation(v.change_cues["increase"]), alternation(v.change_cues["decrease"])
    fill = alternation(v.change_fillers)
    quals = alternation([w for ws in v.qualifiers.values() for w in ws])
    return re.compile(rf"(?<!\w)(?:(?P<up>{up})|(?P<down>{down}))(?:\s+(?:{fill}))*"
                      rf"(?:\s+(?:{quals}))?\s*$", re.IGNORECASE)


@cache
def _comparison_re() -> re.Pattern[str]:
    v = cues()
    up, down = alternation(v.comparison_cues["increase"]), alternation(v.comparison_cues["decrease"])
    return re.compile(rf"(?<!\w)(?:(?P<up>{up})|(?P<down>{down}))\s*$", re.IGNORECASE)


@cache
def _anchor_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(cues().comparison_anchors)})(?!\w)", re.IGNORECASE)


def _comparison_cue(text: str, pos: int) -> bool:
    return _comparison_re().search(text[max(0, pos - 30):pos]) is not None


def mark_ranges(drafts: list[Draft], text: str) -> None:
    """Both ends of "từ X đến Y", "X% đến dưới Y%" are a range, whatever cue stood before Y."""
    for a, b in zip(drafts, drafts[1:]):
        if a.kind is b.kind and _rx("range_join").fullmatch(text[a.end:b.start]):
            lead = text[max(0, a.start - 12):a.start].lower().split()
            opens = set(cues().connectors["range_start"]) | set(cues().connectors["date_word"])
            if opens & set(lead) or a.kind is FactKind.percentage:
                a.qualifier = b.qualifier = Qualifier.range


def _den(c: Candidate) -> float | None:
    return c.fraction.denominator.value if c.fraction is not None else None


def _first_digit(s: str) -> int:
    m = re.search(r"\d", s)
    return m.start() if m else 0


def _clean_pool(pool: str) -> str | None:
    pool = _rx("pool_stop").split(pool.strip())[0].strip(" ,")
    return pool or None


# A greedy ".*" tries the sentence breaks from the right: the rightmost is the last one (two
# breaks cannot overlap, their second character being white space).
_LAST_SENTENCE_BREAK = re.compile(r".*[.!?]\s", re.DOTALL)


def _sentence_around(text: str, pos: int, floor: int) -> tuple[int, int]:
    m = _LAST_SENTENCE_BREAK.match(text, floor, pos)
    return (m.end() if m else floor), pos


@cache
def _pool_sizes() -> frozenset[float]:
    """Sizes of the frameworks' rank pools (63 provinces, then 34)."""
    from baocao.extractor.catalog import frameworks
    return frozenset(float(p.size) for fw in frameworks() for p in fw.pools)
