"""Numbers, dates, periods and amounts as Vietnamese administrative reports write them.

Pure parse functions turn a written form into a value; the compiled regexes NUMBER_RE, FRACTION_RE,
DATE_RE, PERIOD_RE and AMOUNT_RE find those forms in running text. The regexes expect NFC text (the
parsers normalise their input themselves) and every ``match.group(0)`` is accepted by the matching
parser. The Vietnamese words live in ``extractor/data/numbers.yaml``.

- vi-VN numbers: '.' groups thousands and ',' marks decimals, but documents mix in a decimal point
  ("9.5/17") and English thousands commas ("15,739"); see :func:`parse_number`.
- Dates are day first; a part left blank ("ngày tháng 5 năm 2024") is reported missing, never invented.
- Find dates (DATE_RE) before periods: PERIOD_RE skips only the simplest dates' months and years.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from importlib.resources import files
from typing import Annotated, Literal, NamedTuple

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveInt, ValidationError

from baocao.datafile import load_yaml
from baocao.extractor.vocab import VocabularyError

Convention = Literal["vi", "en", "plain", "ambiguous"]
Granularity = Literal["day", "month", "quarter", "half", "year"]
PeriodKind = Literal["year", "quarter", "half", "month", "months_to_date", "range", "as_of", "day"]
_FINEST: tuple[Granularity, ...] = ("day", "month", "quarter", "half", "year")


class NumberFormatError(ValueError):
    """The text is not a number (or a fraction of numbers) in any convention read here."""


# ---------------------------------------------------------------- vocabulary (data, not code)

def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _key(text: str) -> str:
    """Compare words ignoring case, Unicode composition and spacing."""
    return " ".join(_nfc(text).casefold().split())


def _clean_word(text: str) -> str:
    word = " ".join(_nfc(text).split())
    if not word:
        raise ValueError("a word must not be blank")
    return word


_Word = Annotated[str, AfterValidator(_clean_word)]
_Words = Annotated[list[_Word], Field(min_length=1)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Schema):
    word: _Word
    multiplier: PositiveInt


class Currency(_Schema):
    word: _Word
    code: _Word
    not_followed_by: list[_Word] = []


class DateWords(_Schema):
    day: _Words
    month: _Words
    year: _Words


class PeriodWords(_Schema):
    quarter: _Words
    range_from: _Words
    range_to: _Words
    through: _Words
    open_end: _Words
    as_of: _Words
    first_months: _Words
    last_months: _Words
    months_of_year: _Words


class Half(_Schema):
    words: _Word
    half: Literal[1, 2]


class Vocabulary(_Schema):
    scales: Annotated[list[Scale], Field(min_length=1)]
    currencies: Annotated[list[Currency], Field(min_length=1)]
    date_words: DateWords
    period_words: PeriodWords
    halves: Annotated[list[Half], Field(min_length=1)]
    roman_numerals: Annotated[dict[_Word, Annotated[int, Field(ge=1, le=4)]], Field(min_length=1)]
    ordinal_word: _Word
    ordinals: Annotated[dict[_Word, Annotated[int, Field(ge=1, le=100)]], Field(min_length=1)]


def load_vocabulary(text: str, source: str = "<string>") -> Vocabulary:
    """Validate vocabulary YAML; raise VocabularyError naming ``source`` and the faulty place."""
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise VocabularyError(f"{source}: not valid YAML: {exc}") from exc
    try:
        return Vocabulary.model_validate(raw)
    except ValidationError as exc:
        raise VocabularyError(f"{source}: does not fit the vocabulary schema:\n{exc}") from exc


@functools.cache
def vocabulary() -> Vocabulary:
    """The packaged vocabulary, read and validated once."""
    resource = files("baocao.extractor") / "data" / "numbers.yaml"
    return load_vocabulary(resource.read_text(encoding="utf-8"), source="extractor/data/numbers.yaml")


# ---------------------------------------------------------------- regexes

_FLAGS = re.VERBOSE | re.IGNORECASE


def _alt(words: Iterable[str]) -> str:
    """An alternation of vocabulary words, longest first, any whitespace between their tokens."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered) + ")"


def _not_after(words: Iterable[str]) -> str:
    """Fixed-width lookbehinds: not right after one of ``words`` and one space."""
    return "".join(rf"(?<!{re.escape(w)}\s)" for w in words)


def _currency_alt(currencies: Iterable[Currency]) -> str:
    parts = []
    for cur in sorted(currencies, key=lambda c: -len(c.word)):
        stop = rf"(?!\s*{_alt(cur.not_followed_by)}(?!\w))" if cur.not_followed_by else ""
        parts.append(_alt([cur.word]) + r"(?!\w)" + stop)
    return "(?:" + "|".join(parts) + ")"


def _ysuf(name: str, bare: bool = False) -> str:
    """The year after a month/quarter/half: '/2024', '-2024', ' năm 2024' (or ' 2024' if bare)."""
    word = r"\s+" if bare else r",?\s+%(year)s\s+"
    return rf"(?: \s*[/-]\s* | {word} ) (?P<{name}>[12][0-9]{{3}}) (?![0-9])"


def _unnamed(pattern: str) -> str:
    """The same pattern with its named groups made non-capturing (to embed it several times)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_NUM = r"""(?:
        [0-9]{1,3} (?:\.[0-9]{3})+ (?:,[0-9]+)?     # dot-grouped thousands: 20.845, 1.234.567, 1.234,5
      | [0-9]{1,3} (?:,[0-9]{3})+ (?:\.[0-9]+)?     # comma-grouped thousands: 15,739, 1,234.5
      | [0-9]+ (?:[.,][0-9]+)?                      # digits with at most one mark: 02, 89,4, 9.5
    )"""

_NUMBER = r"""
    (?<!\w) (?<![0-9][.,])         # start: not the tail of a word or of a longer number
    %(num)s
    (?!\w) (?![.,][0-9])           # end: no letter, digit or further group follows
"""

_FRACTION = r"""
    (?<![\w/]) (?<![0-9][.,])      # not the tail of a word, number, symbol or date
    %(not_after_unit)s             # not "tháng 5/2024", "quý 3/2023", "ngày 26/4"
    (?P<num>%(num)s)               # numerator
    [^\S\r\n]? / [^\S\r\n]?        # the slash, at most one space either side
    (?P<den>%(num)s)               # denominator
    (?!\w) (?![.,][0-9])           # the denominator ends here
    (?![^\S\r\n]?/)                # and no third part follows: 23/6/2022, 108/2020/NĐ-CP
"""

# Every form ends with a four-digit year: extractor.candidates runs DATE_RE only in a block
# where a year-like number stands (_YEAR); a form without a year must change that guard too.
_DATE = r"""
    (?<![\w/.,])                                   # not inside a word, number, symbol or fraction
    (?:
        (?: %(day)s \s+ )?                         # optional "ngày"
        (?P<day>3[01]|[12][0-9]|0?[1-9])           # day first
        (?P<sep>[/.-])                             # "/" (usual), "-" or "."
        (?P<month>1[0-2]|0?[1-9])                  # month
        (?P=sep)                                   # the same separator again
        (?P<year>[12][0-9]{3})                     # four-digit year
        (?![\w/]) (?![.,-][0-9])                   # not followed by more of a symbol or number
      |
        %(day)s %(gap)s                            # "ngày", then spaces or a blank filler
        (?: (?P<wday>3[01]|[12][0-9]|0?[1-9]) %(gap)s )?    # the day, or a blank
        %(month)s %(gap)s                          # "tháng"
        (?: (?P<wmonth>1[0-2]|0?[1-9]) %(gap)s )?  # the month, or a blank
        %(year)s %(gap)s                           # "năm"
        (?P<wyear>[12][0-9]{3}) (?![0-9])          # four-digit year
      |                                            # "15 tháng 10 năm 2025": no "ngày", so
        (?P<bday>3[01]|[12][0-9]|0?[1-9]) \s+      # every part must be written (no blanks)
        %(month)s \s+ (?P<bmonth>1[0-2]|0?[1-9]) \s+
        %(year)s \s+ (?P<byear>[12][0-9]{3}) (?![0-9])
    )
"""

_P_DATES = r"""
        (?: %(day)s \s+ )? (?P<fd>%(dnum)s) [/.-] (?P<fm>%(mnum)s) [/.-] (?P<fy>%(ynum)s)   # 01/01/2023
      | %(day)s \s+ (?P<pd>%(dnum)s) [/.-] (?P<pm>%(mnum)s) (?![/.-]?[0-9])   # "ngày 01/01", year elsewhere
      | %(day)s \s+ (?P<wd>%(dnum)s) \s+ %(month)s \s+ (?P<wm>%(mnum)s)     # "ngày 01 tháng 01"
        (?: ,?\s+ %(year)s \s+ (?P<wy>%(ynum)s) )?                        # "năm 2023"
"""
_P_MONTH = r"%(month)s \s+ (?P<mm>%(mnum)s) (?: " + _ysuf("my") + r" )?   # tháng 5/2024, tháng 5 năm 2024"
_P_QUARTER = r"%(quarter)s \s+ (?P<qn>%(qnum)s) (?!\w) (?: " + _ysuf("qy") + r" )?   # Quý I/2024, quý 3 năm 2023"
_P_HALF = r"(?P<hw>%(half)s) (?: " + _ysuf("hy", bare=True) + r" )?   # nửa đầu năm 2024"
_P_YEAR = r"%(year)s \s+ (?P<yy>%(ynum)s)   # năm 2023"
_SIDE = "(?:" + "\n|".join([_P_DATES, _P_MONTH, _P_QUARTER, _P_HALF, _P_YEAR]) + "\n)"
_SIMPLE = "(?:" + "\n|".join([_P_MONTH, _P_QUARTER, _P_HALF, "%(not_after_month)s " + _P_YEAR]) + "\n)"

_PERIOD = r"""
    (?<!\w)
    (?:
        (?P<range>                                               # từ ... đến ...
            %(from)s \s+ (?: %(day)s \s+ )?                      # "từ ngày ngày 21/3/2023" (a typo seen)
            (?P<r_from>""" + _unnamed(_SIDE) + r""")
            \s* (?: %(to)s | [-\u2013] ) \s*                          # "đến", "tới" or a dash
            (?: %(through)s \s+ )?                               # "đến hết ..."
            (?: (?P<r_to>""" + _unnamed(_SIDE) + r""")
              | (?P<r_open>%(open_end)s) (?!\w) )                # or "đến nay": open end
        )
      | (?P<asof>                                                # "tính đến 31/5/2024"
            %(as_of)s \s+ (?: %(through)s \s+ )? (?P<a_side>""" + _unnamed(_SIDE) + r""")
        )
      | (?P<span>                                                # "tháng 11-12 năm 2023"
            %(month)s \s+ (?P<s_a>%(mnum)s) \s*[-\u2013]\s* (?P<s_b>%(mnum)s)
            (?: """ + _ysuf("s_y") + r""" )?
        )
      | (?P<count>                                               # "9 tháng đầu năm 2023"
            %(not_after_day)s (?P<n>%(mnum)s) \s+
            (?: (?P<n_w>%(first_months)s|%(last_months)s) (?: """ + _ysuf("n_y", bare=True) + r""" )?
              | %(months_of_year)s \s+ (?P<n_y2>%(ynum)s) )      # "10 tháng năm 2023" needs its year
        )
      | (?P<simple>                                              # a month, quarter, half or year
            (?<![0-9][^\S\r\n])                                  # not the month/year of "ngày 20 tháng 5 năm 2024"
            """ + _unnamed(_SIMPLE) + r"""
        )
    )
"""

# Opens with a digit (the number): extractor.candidates starts its AMOUNT_RE scan at a block's
# first digit.
_AMOUNT = r"""
    (?<!\w) (?<![0-9][.,])                 # the start of a numeral
    (?P<num>%(num)s) (?![.,][0-9])         # the number
    \s*
    (?:
        (?P<scale>%(scale)s) (?!\w)        # "nghìn tỷ", "tỷ", "triệu", "nghìn"
        (?: \s* (?P<cur>%(currency)s) )?   # an optional currency after it
      | (?P<cur_only>%(currency)s)         # or a currency alone: "500.000 đồng"
    )
"""


def _substitutions(v: Vocabulary) -> dict[str, str]:
    d, p = v.date_words, v.period_words
    return {
        "num": _NUM, "day": _alt(d.day), "month": _alt(d.month), "year": _alt(d.year),
        "gap": r"[\s.…_]+", "dnum": r"(?:3[01]|[12][0-9]|0?[1-9])(?![0-9])",
        "mnum": r"(?:1[0-2]|0?[1-9])(?![0-9])", "ynum": r"[12][0-9]{3}(?![0-9])",
        "quarter": _alt(p.quarter), "qnum": "(?:" + _alt(v.roman_numerals) + "|[1-4])",
        "half": _alt(h.words for h in v.halves), "from": _alt(p.range_from), "to": _alt(p.range_to),
        "through": _alt(p.through), "open_end": _alt(p.open_end), "as_of": _alt(p.as_of),
        "first_months": _alt(p.first_months), "last_months": _alt(p.last_months),
        "months_of_year": _alt(p.months_of_year), "not_after_day": _not_after(d.day),
        "not_after_month": _not_after(d.month),
        "not_after_unit": _not_after([*d.day, *d.month, *p.quarter]),
        "scale": _alt(s.word for s in v.scales), "currency": _currency_alt(v.currencies),
    }


_W = _substitutions(vocabulary())
NUMBER_RE = re.compile(_NUMBER % _W, _FLAGS)
FRACTION_RE = re.compile(_FRACTION % _W, _FLAGS)
DATE_RE = re.compile(_DATE % _W, _FLAGS)
PERIOD_RE = re.compile(_PERIOD % _W, _FLAGS)
AMOUNT_RE = re.compile(_AMOUNT % _W, _FLAGS)
_SIDE_RE = re.compile(_SIDE % _W, _FLAGS)


# ---------------------------------------------------------------- numbers

class Number(BaseModel, frozen=True):
    """A number as written: its value, how many decimals were written, and how it was read."""

    value: float
    decimals: int
    text: str
    convention: Convention


class _Reading(NamedTuple):
    value: Decimal
    decimals: int
    convention: Literal["vi", "en", "plain"]
    flagged: bool = False  # an ambiguous "15,739" read as vi by default only


_SHAPE = re.compile(r"([+\-\u2212]?)([0-9]+(?:[.,][0-9]+)*)")  # optional sign (also U+2212 minus)


def _grouped(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _read(int_part: str, frac: str, convention: Literal["vi", "en", "plain"]) -> _Reading:
    return _Reading(Decimal(f"{int_part}.{frac}" if frac else int_part), len(frac), convention)


def _readings(body: str) -> list[_Reading]:
    """Every sensible reading of an unsigned numeral, the default (auto) reading first."""
    if not _SHAPE.fullmatch(body) or body[0] in "+-\u2212":
        raise NumberFormatError(f"not a number: {body[:40]!r}")
    if "." in body and "," in body:  # both marks: the last one is the decimal mark
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        head, _, frac = body.rpartition(mark)
        groups = head.split("." if mark == "," else ",")
        if mark in head or not _grouped(groups):
            raise NumberFormatError(f"mixed separators in no known convention: {body[:40]!r}")
        return [_read("".join(groups), frac, "vi" if mark == "," else "en")]
    sep = "." if "." in body else "," if "," in body else ""
    if not sep:
        return [_read(body, "", "plain")]
    parts = body.split(sep)
    grouping: Literal["vi", "en"] = "vi" if sep == "." else "en"
    if len(parts) > 2:  # several marks of one kind group thousands
        if not _grouped(parts):
            raise NumberFormatError(f"badly grouped thousands: {body[:40]!r}")
        return [_read("".join(parts), "", grouping)]
    head, tail = parts
    decimal = _read(head, tail, "en" if sep == "." else "vi")
    if len(tail) != 3 or not _grouped([head]) or not head.strip("0"):
        return [decimal]  # cannot be a thousands mark ("9.5", "89,4", "0.250")
    grouped = _read(head + tail, "", grouping)
    return [grouped, decimal] if sep == "." else [decimal._replace(flagged=True), grouped]


def _number(reading: _Reading, text: str, negative: bool = False, decided: bool = False) -> Number:
    value = float(-reading.value if negative else reading.value)
    if not math.isfinite(value):
        raise NumberFormatError(f"number out of range: {text[:40]!r}")
    label: Convention = "ambiguous" if reading.flagged and not decided else reading.convention
    return Number(value=value, decimals=reading.decimals, text=text, convention=label)


def written_convention(text: str) -> Literal["vi", "en"] | None:
    """The convention a numeral shows beyond doubt ("1.234.567", "89,4" vi; "1,234,567", "92.83"
    en), or None when it could be either ("91.651", "15,739") or is plain ("2024").

    >>> written_convention("89,4"), written_convention("92.83"), written_convention("91.651")
    ('vi', 'en', None)
    """
    try:
        readings = _readings(text.strip().lstrip("+-\u2212"))
    except NumberFormatError:
        return None
    if len(readings) != 1 or readings[0].convention == "plain":
        return None
    return readings[0].convention  # type: ignore[return-value]


def is_ambiguous(text: str) -> bool:
    """A numeral whose '.' or ',' may group thousands or mark decimals ("91.651", "151,535")."""
    try:
        return len(_readings(text.strip().lstrip("+-\u2212"))) > 1
    except NumberFormatError:
        return False


def _choose(readings: list[_Reading], convention: Literal["auto", "vi", "en"]) -> tuple[_Reading, bool]:
    if convention != "auto":
        for reading in readings:
            if reading.convention == convention:
                return reading, True
    return readings[0], len(readings) == 1


def parse_number(text: str, *, convention: Literal["auto", "vi", "en"] = "auto") -> Number:
    """Read one numeral; ``convention`` settles only what the text leaves open.

    '.' followed by exactly three digits groups thousands (unless the integer part is 0); any other
    single '.' is a decimal point. A single ',' followed by exactly three digits is read as a vi
    decimal mark but labelled "ambiguous" under "auto"; "en" reads it as thousands.

    >>> parse_number("20.845").value, parse_number("89,4").value, parse_number("9.5").value
    (20845.0, 89.4, 9.5)
    >>> parse_number("68,20")
    Number(value=68.2, decimals=2, text='68,20', convention='vi')
    >>> parse_number("15,739").convention, parse_number("15,739", convention="en").value
    ('ambiguous', 15739.0)
    """
    raw = text.strip()
    match = _SHAPE.fullmatch(raw)
    if match is None:
        raise NumberFormatError(f"not a number: {text[:40]!r}")
    reading, decided = _choose(_readings(match[2]), convention)
    return _number(reading, raw, negative=match[1] in ("-", "\u2212"), decided=decided)


class Fraction(BaseModel, frozen=True):
    """A score, a ranking or a count out of a total: "9.5/17", "11/63"."""

    numerator: Number
    denominator: Number


def _consistent(a: _Reading, b: _Reading) -> bool:
    return {a.convention, b.convention} != {"vi", "en"}


def parse_fraction(text: str) -> Fraction:
    """Read "a/b", letting each side settle the other's ambiguity.

    Among the readings of both sides, prefer those that agree on the convention, then those with
    numerator <= denominator; if still undecided, each side keeps its own default reading.

    >>> f = parse_fraction("9.500/17.5")
    >>> f.numerator.value, f.denominator.value
    (9.5, 17.5)
    >>> parse_fraction("1.836/1.836").numerator.value
    1836.0
    """
    left, slash, right = text.strip().partition("/")
    if not slash:
        raise NumberFormatError(f"not a fraction: {text[:40]!r}")
    left, right = left.strip(), right.strip()
    combos = [(a, b) for a in _readings(left) for b in _readings(right)]
    for keep in (_consistent, lambda a, b: a.value <= b.value):
        narrowed = [c for c in combos if keep(*c)]
        combos = narrowed or combos
    num, den = combos[0]
    decided = len(combos) == 1
    return Fraction(numerator=_number(num, left, decided=decided), denominator=_number(den, right, decided=decided))


# ---------------------------------------------------------------- dates

class DateValue(BaseModel, frozen=True):
    """A calendar date as written; parts left blank in the source are None and listed in ``missing``.

    ``granularity`` is the finest part known together with every coarser part.
    """

    year: int | None
    month: int | None
    day: int | None
    granularity: Literal["day", "month", "year", "none"]
    missing: list[str]
    text: str

    def iso(self) -> str | None:
        """ISO 8601 down to the granularity, never inventing a part.

        >>> parse_date("ngày tháng 5 năm 2024").iso()
        '2024-05'
        """
        if self.granularity == "none":
            return None
        parts = [f"{self.year:04d}", f"{self.month or 0:02d}", f"{self.day or 0:02d}"]
        return "-".join(parts[: {"year": 1, "month": 2, "day": 3}[self.granularity]])


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _date_value(year: int | None, month: int | None, day: int | None, text: str) -> DateValue | None:
    if year and month and day:
        try:
            dt.date(year, month, day)
        except ValueError:
            return None
    missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if v is None]
    gran = "none" if year is None else "year" if month is None else "month" if day is None else "day"
    return DateValue(year=year, month=month, day=day, granularity=gran, missing=missing, text=text)


def parse_date(text: str) -> DateValue | None:
    """Read a day-first date; return None for anything else, impossible dates and 2-digit years.

    >>> parse_date("ngày 09 tháng 01 năm 2023").iso()
    '2023-01-09'
    >>> parse_date("ngày   tháng   năm 2023").missing
    ['day', 'month']
    >>> parse_date("31/2/2024") is None
    True
    """
    match = DATE_RE.fullmatch(_nfc(text).strip())
    if match is None:
        return None
    if match["year"]:
        return _date_value(int(match["year"]), int(match["month"]), int(match["day"]), text.strip())
    if match["byear"]:
        return _date_value(int(match["byear"]), int(match["bmonth"]), int(match["bday"]),
                           text.strip())
    return _date_value(int(match["wyear"]), _int(match["wmonth"]), _int(match["wday"]), text.strip())


# ---------------------------------------------------------------- periods

class PeriodValue(BaseModel, frozen=True):
    """A reporting period; ``start``/``end`` are ISO dates, None when the text does not fix them.

    ``year`` is the calendar year the period lies in (None if unknown or spanning several years).
    """

    kind: PeriodKind
    start: str | None
    end: str | None
    year: int | None
    granularity: Granularity
    text: str


class _Side(NamedTuple):
    year: int | None
    first: tuple[int, int]  # (month, day) of the first day
    last: tuple[int, int | None]  # (month, day) of the last day; None = the month's last day
    granularity: Granularity


class _ImpossibleDate(ValueError):
    """A day the calendar does not have, such as 30/2."""


def _iso(year: int, month: int, day: int | None) -> str:
    last = calendar.monthrange(year, month)[1]
    if day is not None and day > last:
        raise _ImpossibleDate(f"{day}/{month}/{year}")
    return dt.date(year, month, last if day is None else day).isoformat()


def _side(text: str) -> _Side:
    m = _SIDE_RE.fullmatch(text)
    assert m is not None, text  # only called on text PERIOD_RE matched with the same pattern
    if m["fd"] or m["pd"] or m["wd"]:
        day, month = int(m["fd"] or m["pd"] or m["wd"]), int(m["fm"] or m["pm"] or m["wm"])
        return _Side(_int(m["fy"] or m["wy"]), (month, day), (month, day), "day")
    if m["mm"]:
        return _Side(_int(m["my"]), (int(m["mm"]), 1), (int(m["mm"]), None), "month")
    if m["qn"]:
        q = int(m["qn"]) if m["qn"].isdigit() else _ROMAN[m["qn"].upper()]
        return _Side(_int(m["qy"]), (3 * q - 2, 1), (3 * q, None), "quarter")
    if m["hw"]:
        h = _HALVES[_key(m["hw"])]
        return _Side(_int(m["hy"]), (6 * h - 5, 1), (6 * h, None), "half")
    return _Side(int(m["yy"]), (1, 1), (12, None), "year")


_ROMAN = {k.upper(): n for k, n in vocabulary().roman_numerals.items()}
_HALVES = {_key(h.words): h.half for h in vocabulary().halves}
_LAST_MONTHS = {_key(w) for w in vocabulary().period_words.last_months}


def _period(kind: PeriodKind, side: _Side, year: int | None, text: str, *, as_of: bool = False) -> PeriodValue:
    start = None if as_of or year is None else _iso(year, *side.first)
    end = None if year is None else _iso(year, *side.last)
    return PeriodValue(kind=kind, start=start, end=end, year=year, granularity=side.granularity, text=text)


def _range(m: re.Match[str], default_year: int | None, text: str) -> PeriodValue | None:
    a = _side(m["r_from"])
    b = None if m["r_open"] else _side(m["r_to"])
    ya = a.year or (b.year if b else None) or default_year
    yb = (b.year or ya) if b else None
    start = _iso(ya, *a.first) if ya else None
    end = _iso(yb, *b.last) if b and yb else None
    if start and end and start > end and a.year is None and ya:  # "từ tháng 11 đến tháng 2/2024"
        ya -= 1
        start = _iso(ya, *a.first)
    if start and end and start > end:
        return None
    gran = min(a.granularity, b.granularity if b else a.granularity, key=_FINEST.index)
    year = ya if b and ya == yb else None
    return PeriodValue(kind="range", start=start, end=end, year=year, granularity=gran, text=text)


def _count(m: re.Match[str], default_year: int | None, text: str) -> PeriodValue:
    n, year = int(m["n"]), _int(m["n_y"] or m["n_y2"]) or default_year
    if m["n_w"] and _key(m["n_w"]) in _LAST_MONTHS:
        return _period("range", _Side(year, (13 - n, 1), (12, None), "month"), year, text)
    return _period("months_to_date", _Side(year, (1, 1), (n, None), "month"), year, text)


def _from_date(text: str) -> PeriodValue | None:
    date = parse_date(text)
    gran = date.granularity if date else "none"
    if date is None or date.year is None or gran == "none":
        return None
    side = _Side(date.year, (date.month or 1, date.day or 1), (date.month or 12, date.day), gran)
    return _period(gran, side, date.year, text)


def parse_period(text: str, *, default_year: int | None = None) -> PeriodValue | None:
    """Read a reporting period; ``default_year`` fills a year the text leaves out.

    A bare date is a one-day period (or a month/year one if its day/month is blank).

    >>> p = parse_period("9 tháng đầu năm 2023")
    >>> p.kind, p.start, p.end
    ('months_to_date', '2023-01-01', '2023-09-30')
    >>> parse_period("Quý I/2024").end
    '2024-03-31'
    """
    t = _nfc(text).strip()
    m = PERIOD_RE.fullmatch(t)
    try:
        if m is None:
            return _from_date(text.strip())
        if m["range"]:
            return _range(m, default_year, text.strip())
        if m["asof"]:
            side = _side(m["a_side"])
            return _period("as_of", side, side.year or default_year, text.strip(), as_of=True)
        if m["span"]:
            a, b, year = int(m["s_a"]), int(m["s_b"]), _int(m["s_y"]) or default_year
            return None if a > b else _period("range", _Side(year, (a, 1), (b, None), "month"), year, text.strip())
        if m["count"]:
            return _count(m, default_year, text.strip())
        side = _side(m["simple"])
        return _period(side.granularity, side, side.year or default_year, text.strip())
    except _ImpossibleDate:
        return None


# ---------------------------------------------------------------- amounts

class Amount(BaseModel, frozen=True):
    """Money or a scaled quantity: "1,5 tỷ đồng" -> 1.5e9, currency "VND", scale_word "tỷ"."""

    value: float
    currency: str | None
    scale_word: str | None
    text: str


_SCALES = {_key(s.word): s for s in vocabulary().scales}
_CURRENCIES = {_key(c.word): c.code for c in vocabulary().currencies}


def parse_amount(text: str) -> Amount | None:
    """Read "<number> [scale word] [currency]" (one of the two at least); None otherwise.

    >>> parse_amount("12,3 nghìn tỷ đồng").value
    12300000000000.0
    >>> parse_amount("5 triệu USD").currency
    'USD'
    """
    m = AMOUNT_RE.fullmatch(_nfc(text).strip())
    if m is None:
        return None
    reading, _ = _choose(_readings(m["num"]), "auto")
    scale = _SCALES[_key(m["scale"])] if m["scale"] else None
    value = reading.value * (scale.multiplier if scale else 1)
    if not math.isfinite(float(value)):
        raise NumberFormatError(f"amount out of range: {text[:40]!r}")
    cur = m["cur"] or m["cur_only"]
    return Amount(
        value=float(value),
        currency=_CURRENCIES[_key(cur)] if cur else None,
        scale_word=scale.word if scale else None,
        text=text.strip(),
    )


def currency_words() -> list[str]:
    """The currency words of ``numbers.yaml`` ("đồng", "USD", ...)."""
    return [c.word for c in vocabulary().currencies]


def unit_scale(unit: str) -> Amount | None:
    """A unit phrase read as an amount of one: "tỷ đồng" -> 1e9 VND, "nghìn" -> 1000, else None.

    >>> unit_scale("tỷ đồng").value, unit_scale("tỷ đồng").currency
    (1000000000.0, 'VND')
    >>> unit_scale("hồ sơ") is None
    True
    """
    try:
        return parse_amount(f"1 {unit}")
    except NumberFormatError:
        return None


def ordinal_words() -> tuple[str, dict[str, int]]:
    """The ordinal marker ("thứ") and the ordinal number words ("nhất" = 1, "hai" = 2, ...)."""
    v = vocabulary()
    return v.ordinal_word, dict(v.ordinals)
