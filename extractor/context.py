"""Stage 4: the period and the subject each figure belongs to.

Period: the nearest period written for it — in its table column's header, earlier in its
sentence, at the head of its block ("- Năm 2023: ..."), in the block that introduces it
("... từ ngày 01/01/2023 đến ngày 20/9/2023 cụ thể như sau:"), in its section titles, and
finally the document's own reporting period.
Subject: a named place before it in its clause ("tỉnh Hòa Bình đạt 99,93 điểm"), a named
place in a parenthesis right after it ("1,5 (thành phố Hà Nội)"), or the administrative
level that heads its part of the sentence ("Cấp huyện: Số hồ sơ ...").
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache

from pydantic import BaseModel, ConfigDict, field_validator

from baocao.extractor.classify import Draft
from baocao.extractor.numbers import PERIOD_RE, PeriodValue, parse_period
from baocao.extractor.vocab import alternation, cues, load_model, words_re
from baocao.schemas.document import Cell, Document
from baocao.schemas.extraction import Period

_CAP = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ"


@cache
def _name() -> str:
    """A proper name: capitalised words, each with at most two lower-case syllables after it
    ("Giao thông Vận tải", "Quản lý Khu kinh tế Nghi Sơn"), never a predicate word ("có", "đạt")."""
    stops = alternation([*cues().label_trim, *cues().predicate_markers, *cues().connectors["copulas"],
                         *cues().rank_cues])
    lower = rf"(?!(?:{stops})(?!\w))[a-zđà-ỹ][\wÀ-ỹ]*"
    joined = rf"(?:(?:{words_re('list_and')})\s+(?=[{_CAP}]))?"   # "Sở Kế hoạch và Đầu tư"
    return rf"(?:{joined}[{_CAP}][\wÀ-ỹ.]*(?:\s+{lower}){{0,2}}(?:\s|$)){{1,5}}"


@cache
def _subject_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    prefixes = sorted(cues().subject_prefixes, key=len, reverse=True)
    alt = "|".join(re.escape(p) for p in prefixes)
    named = re.compile(rf"(?<!\w)(?i:{alt})\.?\s+{_name()}")
    levels = re.compile(rf"(?<!\w)(?:{words_re('levels')})(?!\w)", re.IGNORECASE)
    return named, levels


@cache
def _levels_opening() -> re.Pattern[str] | None:
    """What every level opens with ("cấp"), with the levels' flags, or None: a level is looked
    for from the first one only (the text before it can hold none)."""
    words = cues().connectors["levels"]
    opening = os.path.commonprefix(words) if words else ""
    return re.compile(re.escape(opening), re.IGNORECASE) if opening else None


def named_prefix(phrase: str) -> str | None:
    """The named place or body a phrase opens with ("Sở Giao thông Vận tải" of "Sở Giao thông
    Vận tải có tổng số điểm"), or None."""
    named, _ = _subject_res()
    m = named.match(phrase.strip())
    return m.group(0).strip() if m else None


class Places(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    provinces: list[str]

    @field_validator("provinces")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        bad = [n for n in v if not n.strip() or not n[0].isupper()]
        if bad or len(set(v)) != len(v):
            raise ValueError(f"province names must be unique and capitalised: {bad}")
        return v


@cache
def places() -> Places:
    """The provinces and cities of ``data/places.yaml``, validated once."""
    return load_model(Places, "places.yaml")


@cache
def _province_re() -> re.Pattern[str]:
    names = sorted(places().provinces, key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(map(re.escape, names))})(?!\w)")


def is_named_subject(phrase: str) -> bool:
    """A place or level and nothing else: "tỉnh Hòa Bình", "cấp huyện, xã", "Lào Cai"."""
    named, levels = _subject_res()
    phrase = phrase.strip()
    return bool(named.fullmatch(phrase + " ") or named.fullmatch(phrase) or levels.fullmatch(phrase)
                or _province_re().fullmatch(phrase))


def to_period(p: PeriodValue) -> Period:
    return Period(text=p.text, kind=p.kind, granularity=p.granularity, start=p.start,
                  end=p.end, year=p.year)


class Context:
    """Periods and subjects of one document, looked up by position."""

    def __init__(self, doc: Document, default_year: int | None, own: Period | None) -> None:
        self.doc = doc
        self.text = doc.text
        self.own = own
        self.default_year = default_year
        # The periods written in the text, read as far as the lookups have needed: one scan of
        # the whole text, resumed by _read_to (the text after the last figure is never read).
        self._periods: list[tuple[int, int, Period]] = []
        self._starts: list[int] = []
        self._scan: Iterator[re.Match[str]] | None = PERIOD_RE.finditer(doc.text)
        self._read = -1   # the start of the last match read: every match before it is in _periods
        self._headers: dict[int, list[Cell]] = {}   # a table's header cells, by block id

    def _read_to(self, hi: int) -> None:
        """Read periods until one starting at or after ``hi`` (or the end of the text)."""
        if self._scan is None:
            return
        for m in self._scan:
            self._read = m.start()
            value = parse_period(m.group(0), default_year=self.default_year)
            if value is not None:
                self._periods.append((m.start(), m.end(), to_period(value)))
                self._starts.append(m.start())
            if self._read >= hi:
                return
        self._scan = None

    def _last_between(self, lo: int, hi: int) -> Period | None:
        if self._read < hi:
            self._read_to(hi)
        i = bisect_left(self._starts, hi)
        while i > 0:
            i -= 1
            start, end, period = self._periods[i]
            if start < lo:
                return None
            if end <= hi:
                return period
        return None

    def period(self, d: Draft) -> Period | None:
        block = d.candidate.block
        if d.table is not None and d.table.period:
            found = _table_period(d.table.period, self.default_year)
            if found is not None:
                return found
        if d.cell is not None and block.table is not None:
            headers = self._headers.get(block.id)
            if headers is None:
                headers = self._headers[block.id] = [h for h in block.table.cells if h.header]
            for h in headers:
                if h.col <= d.cell.col < h.col + h.col_span:
                    found = self._last_between(*h.span)
                    if found:
                        return found
        sentence_start = _sentence_start(self.text, block.span[0], d.start)
        found = self._last_between(sentence_start, d.start) or \
            self._last_between(block.span[0], min(block.span[1], block.span[0] + 40))
        if found is None and block.id > 0:
            before = self.doc.blocks[block.id - 1]
            if self.text[before.span[0]:before.span[1]].rstrip().endswith(":"):
                found = self._last_between(*before.span)
        if found is None:
            for section in reversed(self.doc.sections_at(d.start)):
                block_span = self.doc.blocks[section.heading_block].span
                found = self._last_between(*block_span)
                if found:
                    break
        return found or self.own

    def subject(self, d: Draft) -> str | None:
        if d.table is not None:
            return d.table.subject
        named, levels = _subject_res()
        block = d.candidate.block
        clause_start = _clause_start(self.text, block.span[0], d.start)
        hit = None
        for hit in named.finditer(self.text, clause_start, d.start):
            pass
        if hit is not None:
            return hit.group(0).strip()
        after = re.match(r"\s*\(([^()]{3,60})\)", self.text[d.end:d.end + 70])
        if after:
            inner = named.match(after.group(1).strip())
            if inner:
                return inner.group(0).strip()
        level, start = None, block.span[0]
        if (opening := _levels_opening()) is not None:
            first = opening.search(self.text, start, d.start)
            start = first.start() if first else d.start
        for level in levels.finditer(self.text, start, d.start):
            pass
        return level.group(0) if level else None


def _table_period(text: str, default_year: int | None) -> Period | None:
    """A period a table writes in a row name or header: "Năm 2022", "Quý I/2024", or a bare year."""
    if text.isdigit():
        return Period(text=text, kind="year", granularity="year", start=f"{text}-01-01",
                      end=f"{text}-12-31", year=int(text))
    value = parse_period(text, default_year=default_year)
    return to_period(value) if value is not None else None


# The end of the last sentence or clause break before a position: a greedy ".*" tries the
# breaks from the right, so only the text after the last one is read. The breaks cannot overlap
# (the second character of "[.!?;]\s" is white space, never a break mark or "("), so the
# rightmost break is the last one a left-to-right scan finds.
_LAST_SENTENCE_BREAK = re.compile(r".*[.!?;]\s", re.DOTALL)
_LAST_CLAUSE_BREAK = re.compile(r".*(?:[.!?;,:]\s|\()", re.DOTALL)


def _sentence_start(text: str, floor: int, pos: int) -> int:
    m = _LAST_SENTENCE_BREAK.match(text, floor, pos)
    return m.end() if m else floor


def _clause_start(text: str, floor: int, pos: int) -> int:
    m = _LAST_CLAUSE_BREAK.match(text, floor, pos)
    return m.end() if m else floor
