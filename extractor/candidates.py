"""Stage 1 of extraction: every figure-shaped span of the canonical text, and what it is not.

One regex pass finds dates, amounts, percentages, fractions and plain numbers. Before that,
the spans that only look like figures are set aside: document numbers and symbols
(566/VPUBND-HCQT, 108/2020/NĐ-CP), footnote markers, times of day, section numbers,
identifiers after words like "Tiêu chí", and periods ("tháng 5/2024", "năm 2023", "9 tháng
đầu năm"), which are attributes of facts, not facts. What survives goes to classification.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from baocao.extractor.nlp import CueIndex
from baocao.extractor.numbers import (
    AMOUNT_RE,
    DATE_RE,
    PERIOD_RE,
    Amount,
    DateValue,
    Fraction,
    Number,
    NumberFormatError,
    is_ambiguous,
    ordinal_words,
    parse_amount,
    parse_date,
    parse_fraction,
    parse_number,
    written_convention,
)
from baocao.parsers.outline import marker_of
from baocao.schemas.document import Block, BlockKind, Document

Form = Literal["date", "amount", "percent", "fraction", "number"]

# The patterns that open with a number test what stands before it after its first digit
# ("\d(?<![\w/]\d)" is "(?<![\w/])\d"): opening with a character set, a pattern is searched
# for by jumping from digit to digit instead of being tried at every position of the text.
_SYMBOL = re.compile(
    r"""\d(?<![\w/]\d)\d*              # not inside a word or symbol,
        (?:/\d{2,4})?                  # number, and the year in 108/2020/NĐ-CP
        /[A-ZĐ][\w.&-]*                # type or body: QĐ-TTg, VPUBND-HCQT, NĐ-CP
        (?:[ -][A-ZĐ]{2,}[\w-]*)?      # a body split off by a space: 545/QĐ BGTVT
    """, re.VERBOSE)
_MARKER = re.compile(r"\[\d{1,3}\]")
_TIME = re.compile(r"\d(?<![\d:]\d)\d?:\d{2}(?![\d:])")
_FIGURE = re.compile(
    r"""(?P<num>\d(?<![\w.,/]\d)           # not after a letter, a digit, a mark or a slash:
        \d*(?:[.,]\d+)*)                     # 20.845   89,4   9.5   02
        (?:\s?/\s?(?P<den>\d+(?:[.,]\d+)*))?   # /18   /1.836
        (?P<pct>\s?%)?                          # %
        (?![\w/])
    """, re.VERBOSE)
_IDENTIFIER_GAP = r"\s*(?:số\s*)?[:.]?\s*"
# What a block must hold for DATE_RE and AMOUNT_RE to find anything in it, searched for first
# (with the same bounds) because these are cheap and the full patterns are not: every form of
# DATE_RE ends with a four-digit year not followed by a digit, and AMOUNT_RE opens with a
# digit, so its scan starts at the block's first one.
_YEAR = re.compile(r"[12][0-9]{3}(?![0-9])")
_DIGIT = re.compile(r"[0-9]")


@dataclass
class Candidate:
    start: int
    end: int
    text: str
    form: Form
    block: Block
    number: Number | None = None
    fraction: Fraction | None = None
    date: DateValue | None = None
    amount: Amount | None = None
    alternatives: list[float] = field(default_factory=list)   # likely readings of a slip

    @property
    def value(self) -> float | None:
        if self.fraction is not None:
            return self.fraction.numerator.value
        if self.number is not None:
            return self.number.value
        return self.amount.value if self.amount is not None else None


class _Taken:
    """Character ranges already claimed, for cheap overlap tests."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.spans, (start, end))
        self.spans.insert(i, (start, end))

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.spans, (start, 10**12))
        for s, e in self.spans[max(0, i - 3):i + 1]:
            if s < end and start < e:
                return True
        return False


def find_candidates(doc: Document, cues: CueIndex) -> list[Candidate]:
    """Every figure-shaped span of ``doc.text`` that is not set aside, in text order."""
    text = doc.text
    taken = _set_aside(doc, cues)
    out: list[Candidate] = []
    for block in doc.blocks:
        start, end = block.span
        out.extend(_dates(text, start, end, block, taken))
        out.extend(_amounts(text, start, end, block, taken))
        figures = _settle_convention(_figures(text, start, end, block, taken, cues))
        if block.table is not None:
            figures = _settle_columns(doc, figures)
        out.extend(figures)
        out.extend(_ordinals(text, start, end, block, taken))
    out.sort(key=lambda c: c.start)
    return out


@cache
def _ordinal_re() -> re.Pattern[str]:
    from baocao.extractor.vocab import alternation, cues

    marker, words = ordinal_words()
    return re.compile(rf"(?<!\w)(?:{alternation(cues().rank_cues)})\s+{re.escape(marker)}\s+"
                      rf"(?P<word>{alternation(list(words))})(?!\w)", re.IGNORECASE)


@cache
def _ordinal_marker_re() -> re.Pattern[str]:
    """The ordinal marker ("thứ") alone, as _ordinal_re matches it: a block without one holds
    no rank written in words."""
    return re.compile(re.escape(ordinal_words()[0]), re.IGNORECASE)


def _ordinals(text: str, start: int, end: int, block: Block, taken: _Taken) -> list[Candidate]:
    """ "đứng vị trí thứ nhất", "xếp hạng thứ hai": a rank written in words."""
    _, words = ordinal_words()
    out: list[Candidate] = []
    if _ordinal_marker_re().search(text, start, end) is None:
        return out
    for m in _ordinal_re().finditer(text, start, end):
        s, e = m.span("word")
        if taken.overlaps(s, e):
            continue
        value = words[m.group("word").lower()]
        number = Number(value=float(value), decimals=0, text=m.group("word"), convention="plain")
        out.append(Candidate(s, e, m.group("word"), "number", block, number=number))
    return out


def _settle_convention(found: list[Candidate]) -> list[Candidate]:
    """Read "91.651" or "151,535" the way the rest of the block writes its numbers.

    A numeral with one '.' or ',' before three digits can be either a thousands mark or a decimal
    mark. When the block's other figures show one convention only ("92.83 điểm", "1,930,235" are
    English style; "89,4", "1.234.567" Vietnamese), that convention settles the ambiguous ones;
    with no evidence, or both, the default reading stays (vi-VN).
    """
    # a figure with four or more digits after its mark ("5.9123") is more likely a slip than a
    # convention: it does not vote
    seen = {written_convention(n) for c in found for n in _numerals(c)
            if not re.search(r"[.,]\d{4,}$", n)} - {None}
    _mark_slips(found, "en" if seen == {"en"} else "vi")
    if len(seen) != 1:
        return found
    convention = seen.pop()
    out: list[Candidate] = []
    for c in found:
        if c.number is not None and is_ambiguous(c.number.text):
            c.number = parse_number(c.number.text, convention=convention)  # type: ignore[arg-type]
        out.append(c)
    return out


_SLIP = re.compile(r"^(\d{1,3})\.(\d+)$")


def _mark_slips(found: list[Candidate], convention: str) -> None:
    """A grouping mark in the wrong place changes a figure's magnitude: "5.9123" (four digits
    after the dot) and, where the block groups thousands with dots, "151.10" are kept as read
    but given the reading with the digits regrouped by thousands as an alternative, which a
    relation may confirm ("59.123", "15.110")."""
    for c in found:
        if c.number is None or c.form not in ("number", "percent"):
            continue
        m = _SLIP.match(c.number.text)
        if m is None:
            continue
        tail = m.group(2)
        if len(tail) >= 4 or (convention == "vi" and len(tail) in (1, 2) and len(m.group(1)) == 3
                              and c.form == "number"):
            regrouped = float(m.group(1) + tail)
            if regrouped != c.number.value:
                c.alternatives.append(regrouped)


def _settle_columns(doc: Document, found: list[Candidate]) -> list[Candidate]:
    """In a table column of whole numbers ("1190", "1354"), an ambiguous "1,463" is one more
    whole number, whatever the rest of the table writes ("51,9%" in another column)."""
    by_col: dict[tuple[int, int], list[Candidate]] = {}
    for c in found:
        cell = doc.cell_at(c.start)
        if cell is not None and c.number is not None and c.form == "number":
            by_col.setdefault((c.block.id, cell.col), []).append(c)
    for column in by_col.values():
        settled = [c for c in column if not is_ambiguous(c.number.text)]  # type: ignore[union-attr]
        if len(settled) < 2 or any(c.number.decimals for c in settled):  # type: ignore[union-attr]
            continue
        for c in column:
            if c.number is not None and is_ambiguous(c.number.text):
                mark = "," if "," in c.number.text else "."
                c.number = parse_number(c.number.text, convention="en" if mark == "," else "vi")
    return found


def _numerals(c: Candidate) -> list[str]:
    if c.fraction is not None:
        return [c.fraction.numerator.text, c.fraction.denominator.text]
    return [c.number.text] if c.number is not None else []


def _set_aside(doc: Document, cues: CueIndex) -> _Taken:
    text = doc.text
    taken = _Taken()
    for rx in (_SYMBOL, _MARKER, _TIME):
        for m in rx.finditer(text):
            taken.add(*m.span())
    for block in doc.blocks:
        if block.kind is BlockKind.table and block.table is not None:
            for cell in block.table.cells:
                if cell.col == 0 and re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*\.?", cell.text):
                    taken.add(*cell.span)  # the Stt column: row numbers
            continue
        found = marker_of(text[block.span[0]:block.span[1]])
        if found is not None and found[1] in ("roman", "arabic"):
            taken.add(block.span[0], block.span[0] + len(found[0]))
    return taken


def _periods_in(text: str, start: int, end: int, taken: _Taken) -> None:
    for m in PERIOD_RE.finditer(text, start, end):
        if not _contains_full_date(m.group(0)):
            taken.add(*m.span())


def _contains_full_date(s: str) -> bool:
    return any(d.granularity == "day" for d in map(parse_date, (m.group(0) for m in DATE_RE.finditer(s)))
               if d is not None)


def _dates(text: str, start: int, end: int, block: Block, taken: _Taken) -> list[Candidate]:
    out: list[Candidate] = []
    for m in DATE_RE.finditer(text, start, end) if _YEAR.search(text, start, end) else ():
        if taken.overlaps(*m.span()):
            continue
        value = parse_date(m.group(0))
        taken.add(*m.span())  # a blank or partial date is still not a number
        if value is not None and value.granularity == "day":
            out.append(Candidate(m.start(), m.end(), m.group(0), "date", block, date=value))
    _periods_in(text, start, end, taken)
    return out


def _amounts(text: str, start: int, end: int, block: Block, taken: _Taken) -> list[Candidate]:
    out: list[Candidate] = []
    digit = _DIGIT.search(text, start, end)
    if digit is None:
        return out
    for m in AMOUNT_RE.finditer(text, digit.start(), end):
        if taken.overlaps(*m.span()):
            continue
        amount = parse_amount(m.group(0))
        if amount is not None:
            taken.add(*m.span())
            out.append(Candidate(m.start(), m.end(), m.group(0), "amount", block, amount=amount))
    return out


def _figures(text: str, start: int, end: int, block: Block, taken: _Taken,
             cues: CueIndex) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _FIGURE.finditer(text, start, end):
        if taken.overlaps(*m.span()) or cues.before("identifier_cues", m.start(), text,
                                                     _IDENTIFIER_GAP):
            continue
        candidate = _figure(m, block)
        if candidate is not None:
            out.append(candidate)
    return out


def _figure(m: re.Match[str], block: Block) -> Candidate | None:
    try:
        if m.group("den"):
            frac = parse_fraction(f"{m.group('num')}/{m.group('den')}")
            form: Form = "percent" if m.group("pct") else "fraction"
            return Candidate(m.start(), m.end(), m.group(0), form, block, fraction=frac)
        number = parse_number(m.group("num"))
    except NumberFormatError:
        return None
    form = "percent" if m.group("pct") else "number"
    return Candidate(m.start(), m.end(), m.group(0), form, block, number=number)
