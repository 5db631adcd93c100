"""Tests for extractor.numbers: numbers, fractions, dates, periods, amounts and their regexes."""

from __future__ import annotations

import contextlib
import doctest
import time
from decimal import Decimal
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baocao.extractor import numbers
from baocao.extractor.numbers import (
    AMOUNT_RE,
    DATE_RE,
    FRACTION_RE,
    NUMBER_RE,
    PERIOD_RE,
    NumberFormatError,
    VocabularyError,
    load_vocabulary,
    parse_amount,
    parse_date,
    parse_fraction,
    parse_number,
    parse_period,
)

# Excerpts of the seed documents (shared/seeds), kept here so the tests stand alone.
SEED_TEXT = """\
Bình Phước, ngày tháng 5 năm 2024
Căn cứ Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ; Nghị định 108/2020/NĐ-CP.
| 1 | Công khai minh bạch | 11,1/18 |
| 5.1 | Tỷ lệ hồ sơ cấp kết quả điện tử | 67,67 |
| 5.2 | Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa | 68,20 |
| | | Tính đến tháng 5/2024 |
Kết quả hồ sơ xử lý đúng hạn đạt **96,9%** (DVC tỉnh đạt 99,7%); hồ sơ trễ hạn chiếm tỷ lệ **3,1%**.
- Quý I/2024: Hài lòng chiếm 99,8%, bình thường chiếm 0,2%, không hài lòng 0%.
Kế hoạch (ban hành kèm theo Quyết định số 14/QĐ-UBND ngày 09 tháng 01 năm 2023)
Tổng số hồ sơ giải quyết từ ngày 01/01/2023 đến ngày 20/9/2023 cụ thể như sau:
Tổng số hồ sơ tiếp nhận 20.845, trong đó tồn kỳ trước từ năm 2022 chuyển qua là 1.728 hồ sơ; đúng hạn
15.739 hồ sơ chiếm tỷ lệ 89,4%; có 02 nhiệm vụ; 3. Cải cách Thủ tục hành chính: 9.5/17
4. Cải cách tổ chức bộ máy hành chính: 5.5/7.5 điểm; đạt 0.25/0.5 điểm; 1.836/1.836 TTHC; 350.343 hồ sơ
Việc đánh giá chỉ số CCHC năm 2023 thực hiện tháng 11-12 năm 2023; 3 tháng cuối năm 2023; 10 tháng năm 2023
Kết quả từ ngày ngày 21/3/2023 đến nay đã giải quyết 776 hồ sơ; dự án 1,5 tỷ đồng; 02 đồng chí dự họp.
"""


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value", "decimals", "convention"),
    [
        ("20.845", 20845.0, 0, "vi"),
        ("89,4", 89.4, 1, "vi"),
        ("9.5", 9.5, 1, "en"),
        ("02", 2.0, 0, "plain"),
        ("1.836", 1836.0, 0, "vi"),
        ("350.343", 350343.0, 0, "vi"),
        ("0.250", 0.25, 3, "en"),
        ("0.25", 0.25, 2, "en"),
        ("15.5", 15.5, 1, "en"),
        ("1.234.567", 1234567.0, 0, "vi"),
        ("1.234,5", 1234.5, 1, "vi"),
        ("1,234.5", 1234.5, 1, "en"),
        ("1,234,567", 1234567.0, 0, "en"),
        ("67,67", 67.67, 2, "vi"),
        ("68,20", 68.2, 2, "vi"),
        ("99,27", 99.27, 2, "vi"),
        ("15,739", 15.739, 3, "ambiguous"),
        ("1234.567", 1234.567, 3, "en"),
        ("007", 7.0, 0, "plain"),
    ],
)
def test_numbers_parse_number_examples(text: str, value: float, decimals: int, convention: str) -> None:
    number = parse_number(text)
    assert (number.value, number.decimals, number.convention, number.text) == (value, decimals, convention, text)


@pytest.mark.parametrize(
    ("text", "convention", "value", "label"),
    [
        ("15,739", "en", 15739.0, "en"),
        ("15,739", "vi", 15.739, "vi"),
        ("1.836", "en", 1.836, "en"),
        ("1.836", "vi", 1836.0, "vi"),
        ("9.5", "vi", 9.5, "en"),  # unambiguous text is read as written whatever the convention
    ],
)
def test_numbers_explicit_convention_settles_ambiguity(text: str, convention: str, value: float, label: str) -> None:
    number = parse_number(text, convention=convention)  # type: ignore[arg-type]
    assert (number.value, number.convention) == (value, label)


def test_numbers_sign_and_surrounding_space() -> None:
    assert parse_number(" -1.234,5 ").value == -1234.5
    assert parse_number(" -1.234,5 ").text == "-1.234,5"


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "1..2", ".5", "5.", "1.23.4", "1,2,3", "1.234,5,6", "1,234.5.6", "12 34", "1/2", "٣"]
)
def test_numbers_garbage_raises_number_format_error(text: str) -> None:
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_numbers_number_format_error_is_value_error() -> None:
    assert issubclass(NumberFormatError, ValueError)


def test_numbers_huge_number_raises_instead_of_infinity() -> None:
    with pytest.raises(NumberFormatError):
        parse_number("9" * 400)


# ---------------------------------------------------------------- fractions


@pytest.mark.parametrize(
    ("text", "num", "den"),
    [
        ("11,1/18", 11.1, 18.0),
        ("9.5/17", 9.5, 17.0),
        ("1.836/1.836", 1836.0, 1836.0),
        ("0,25/0.5", 0.25, 0.5),
        ("78,49/100", 78.49, 100.0),
        ("5.5/7.5", 5.5, 7.5),
        ("0.25/0.5", 0.25, 0.5),
        ("86,57/100", 86.57, 100.0),
        ("11/63", 11.0, 63.0),
        ("9/15.5", 9.0, 15.5),
        ("5 / 7", 5.0, 7.0),
    ],
)
def test_numbers_parse_fraction_examples(text: str, num: float, den: float) -> None:
    fraction = parse_fraction(text)
    assert (fraction.numerator.value, fraction.denominator.value) == (num, den)


def test_numbers_fraction_side_with_decimal_point_settles_other_side() -> None:
    fraction = parse_fraction("9.500/17.5")
    assert (fraction.numerator.value, fraction.numerator.convention) == (9.5, "en")


def test_numbers_fraction_numerator_not_above_denominator_settles_comma() -> None:
    fraction = parse_fraction("15,739/20")
    assert (fraction.numerator.value, fraction.numerator.convention) == (15.739, "vi")


def test_numbers_fraction_undecidable_stays_ambiguous() -> None:
    fraction = parse_fraction("15,739/17,604")
    assert fraction.numerator.convention == fraction.denominator.convention == "ambiguous"


def test_numbers_fraction_keeps_decimals_per_side() -> None:
    fraction = parse_fraction("68,20/100")
    assert (fraction.numerator.decimals, fraction.denominator.decimals) == (2, 0)


@pytest.mark.parametrize("text", ["", "11", "1/2/3", "a/b", "/5", "5/", "1..2/3"])
def test_numbers_fraction_garbage_raises_number_format_error(text: str) -> None:
    with pytest.raises(NumberFormatError):
        parse_fraction(text)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("23/6/2022", "2022-06-23"),
        ("04/11/2023", "2023-11-04"),
        ("ngày 23/6/2022", "2022-06-23"),
        ("ngày 09 tháng 01 năm 2023", "2023-01-09"),
        ("Ngày 04 tháng 10 năm 2025", "2025-10-04"),
        ("09-01-2023", "2023-01-09"),
        ("9.1.2023", "2023-01-09"),
        ("ngày 29/2/2024", "2024-02-29"),
        ("NGÀY 18 THÁNG 10 NĂM 2022", "2022-10-18"),
        ("ngày 11 tháng 6 năm 2024", "2024-06-11"),
        ("15 tháng 10 năm 2025", "2025-10-15"),      # no "ngày": every part written
    ],
)
def test_numbers_parse_date_examples(text: str, iso: str) -> None:
    date = parse_date(text)
    assert date is not None and date.iso() == iso and date.granularity == "day" and date.missing == []


@pytest.mark.parametrize(
    ("text", "missing", "granularity", "iso"),
    [
        ("ngày tháng 5 năm 2024", ["day"], "month", "2024-05"),
        ("ngày   tháng   năm 2023", ["day", "month"], "year", "2023"),
        ("ngày ... tháng ... năm 2024", ["day", "month"], "year", "2024"),
        ("ngày 20 tháng năm 2024", ["month"], "year", "2024"),
    ],
)
def test_numbers_date_blanks_are_missing_not_invented(
    text: str, missing: list[str], granularity: str, iso: str
) -> None:
    date = parse_date(text)
    assert date is not None
    assert (date.missing, date.granularity, date.iso()) == (missing, granularity, iso)


def test_numbers_date_keeps_written_day_when_month_blank() -> None:
    date = parse_date("ngày 20 tháng năm 2024")
    assert date is not None and (date.day, date.month, date.year) == (20, None, 2024)


@pytest.mark.parametrize(
    "text", ["31/2/2024", "29/2/2023", "1/13/2024", "32/1/2024", "23/6/22", "ngày 23/6", "hôm nay",
             "108/2020/NĐ-CP", "15 tháng năm 2025", "30 tháng 2 năm 2025"]
)
def test_numbers_invalid_or_unsupported_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


def test_numbers_date_text_is_as_written() -> None:
    assert parse_date("  ngày 23/6/2022 ").text == "ngày 23/6/2022"  # type: ignore[union-attr]


def test_numbers_date_accepts_decomposed_unicode() -> None:
    import unicodedata

    date = parse_date(unicodedata.normalize("NFD", "ngày 09 tháng 01 năm 2023"))
    assert date is not None and date.iso() == "2023-01-09"


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "year", "granularity"),
    [
        ("năm 2023", "year", "2023-01-01", "2023-12-31", 2023, "year"),
        ("tháng 5/2024", "month", "2024-05-01", "2024-05-31", 2024, "month"),
        ("tháng 5 năm 2024", "month", "2024-05-01", "2024-05-31", 2024, "month"),
        ("tháng 02/2024", "month", "2024-02-01", "2024-02-29", 2024, "month"),
        ("Quý I/2024", "quarter", "2024-01-01", "2024-03-31", 2024, "quarter"),
        ("Quý I năm 2024", "quarter", "2024-01-01", "2024-03-31", 2024, "quarter"),
        ("quý 3/2023", "quarter", "2023-07-01", "2023-09-30", 2023, "quarter"),
        ("Quý IV/2023", "quarter", "2023-10-01", "2023-12-31", 2023, "quarter"),
        ("nửa đầu năm 2024", "half", "2024-01-01", "2024-06-30", 2024, "half"),
        ("6 tháng đầu năm 2024", "months_to_date", "2024-01-01", "2024-06-30", 2024, "month"),
        ("9 tháng đầu năm 2023", "months_to_date", "2023-01-01", "2023-09-30", 2023, "month"),
        ("09 tháng đầu năm 2023", "months_to_date", "2023-01-01", "2023-09-30", 2023, "month"),
        ("10 tháng năm 2023", "months_to_date", "2023-01-01", "2023-10-31", 2023, "month"),
        ("3 tháng cuối năm 2023", "range", "2023-10-01", "2023-12-31", 2023, "month"),
        ("từ ngày 01/01/2023 đến ngày 20/9/2023", "range", "2023-01-01", "2023-09-20", 2023, "day"),
        ("từ tháng 4 đến tháng 6 năm 2023", "range", "2023-04-01", "2023-06-30", 2023, "month"),
        ("từ ngày 01/01 đến ngày 20/9/2023", "range", "2023-01-01", "2023-09-20", 2023, "day"),
        ("từ tháng 11 đến tháng 2/2024", "range", "2023-11-01", "2024-02-29", None, "month"),
        ("tháng 11-12 năm 2023", "range", "2023-11-01", "2023-12-31", 2023, "month"),
        ("tính đến 31/5/2024", "as_of", None, "2024-05-31", 2024, "day"),
        ("tính đến tháng 5/2024", "as_of", None, "2024-05-31", 2024, "month"),
        ("Tính đến hết năm 2023", "as_of", None, "2023-12-31", 2023, "year"),
        ("ngày 23/6/2022", "day", "2022-06-23", "2022-06-23", 2022, "day"),
        ("ngày tháng 5 năm 2024", "month", "2024-05-01", "2024-05-31", 2024, "month"),
    ],
)
def test_numbers_parse_period_examples(
    text: str, kind: str, start: str | None, end: str, year: int | None, granularity: str
) -> None:
    period = parse_period(text)
    assert period is not None
    assert (period.kind, period.start, period.end, period.year, period.granularity) == (
        kind,
        start,
        end,
        year,
        granularity,
    )


def test_numbers_period_without_year_uses_default_year() -> None:
    period = parse_period("6 tháng đầu năm", default_year=2024)
    assert period is not None and (period.start, period.end, period.year) == ("2024-01-01", "2024-06-30", 2024)


def test_numbers_period_without_year_or_default_leaves_dates_unknown() -> None:
    period = parse_period("6 tháng đầu năm")
    assert period is not None
    assert (period.kind, period.start, period.end, period.year) == ("months_to_date", None, None, None)


def test_numbers_period_range_open_end() -> None:
    period = parse_period("từ ngày ngày 21/3/2023 đến nay")
    assert period is not None and (period.kind, period.start, period.end) == ("range", "2023-03-21", None)


@pytest.mark.parametrize(
    "text", ["", "hôm nay", "tháng 13/2024", "từ ngày 20/9/2023 đến ngày 01/01/2023", "tháng 12-11 năm 2023", "năm 23"]
)
def test_numbers_invalid_periods_are_none(text: str) -> None:
    assert parse_period(text) is None


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "value", "currency", "scale_word"),
    [
        ("1,5 tỷ đồng", 1.5e9, "VND", "tỷ"),
        ("350 triệu đồng", 3.5e8, "VND", "triệu"),
        ("2.000 tỷ đồng", 2e12, "VND", "tỷ"),
        ("12,3 nghìn tỷ đồng", 1.23e13, "VND", "nghìn tỷ"),
        ("5 triệu USD", 5e6, "USD", "triệu"),
        ("500.000 đồng", 5e5, "VND", None),
        ("1,5 tỉ", 1.5e9, None, "tỉ"),
        ("20 ngàn VNĐ", 2e4, "VND", "ngàn"),
    ],
)
def test_numbers_parse_amount_examples(text: str, value: float, currency: str | None, scale_word: str | None) -> None:
    amount = parse_amount(text)
    assert amount is not None and (amount.value, amount.currency, amount.scale_word) == (value, currency, scale_word)


@pytest.mark.parametrize("text", ["02 đồng chí", "350", "tỷ đồng", "5 đồng bộ", "hôm nay"])
def test_numbers_non_amounts_are_none(text: str) -> None:
    assert parse_amount(text) is None


# ---------------------------------------------------------------- regexes in running text


def _found(regex, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.group(0) for m in regex.finditer(text)]


def test_numbers_number_re_keeps_grouped_and_decimal_numbers_whole() -> None:
    assert _found(NUMBER_RE, "tiếp nhận 20.845 hồ sơ, đạt 89,4%; 9.5/17 điểm") == ["20.845", "89,4", "9.5", "17"]


def test_numbers_number_re_skips_unparseable_section_numbers() -> None:
    assert _found(NUMBER_RE, "mục 4.1.2 và 1. Tổng") == ["1"]


def test_numbers_date_re_skips_symbols_and_fractions() -> None:
    assert _found(DATE_RE, "Nghị định 108/2020/NĐ-CP; đạt 11,1/18 điểm; Số 12/5/2024/QĐ") == []


def test_numbers_date_re_finds_word_dates_and_blanks() -> None:
    assert _found(DATE_RE, "Đắk Song, ngày   tháng   năm 2023. Quyết định ngày 09 tháng 01 năm 2023") == [
        "ngày   tháng   năm 2023",
        "ngày 09 tháng 01 năm 2023",
    ]


def test_numbers_date_re_day_without_ngay_needs_every_part() -> None:
    assert _found(DATE_RE, "hoàn thành trước 15 tháng 10 năm 2025; 9 tháng đầu năm 2023; "
                           "6 tháng năm 2024; trong 3 tháng 10 ngày") == ["15 tháng 10 năm 2025"]


def test_numbers_fraction_re_skips_dates_symbols_and_months() -> None:
    assert _found(FRACTION_RE, "ngày 23/6/2022, số 108/2020/NĐ-CP, tháng 5/2024, quý 3/2023, đạt 9.5/17") == ["9.5/17"]


def test_numbers_period_re_skips_parts_of_dates() -> None:
    assert _found(PERIOD_RE, "ngày 20 tháng 5 năm 2024; ngày tháng năm 2023") == []


def test_numbers_amount_re_finds_money_only() -> None:
    assert _found(AMOUNT_RE, "02 đồng chí duyệt 1,5 tỷ đồng và 350 triệu đồng") == ["1,5 tỷ đồng", "350 triệu đồng"]


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (
            DATE_RE,
            [
                "ngày tháng 5 năm 2024",
                "ngày 23/6/2022",
                "ngày 09 tháng 01 năm 2023",
                "ngày 01/01/2023",
                "ngày 20/9/2023",
                "ngày 21/3/2023",
            ],
        ),
        (FRACTION_RE, ["11,1/18", "9.5/17", "5.5/7.5", "0.25/0.5", "1.836/1.836"]),
        (
            PERIOD_RE,
            [
                "tháng 5 năm 2024",
                "Tính đến tháng 5/2024",
                "Quý I/2024",
                "từ ngày 01/01/2023 đến ngày 20/9/2023",
                "năm 2022",
                "năm 2023",
                "tháng 11-12 năm 2023",
                "3 tháng cuối năm 2023",
                "10 tháng năm 2023",
                "từ ngày ngày 21/3/2023 đến nay",
            ],
        ),
        (AMOUNT_RE, ["1,5 tỷ đồng"]),
    ],
)
def test_numbers_regexes_find_seed_expressions(regex, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _found(regex, SEED_TEXT) == expected


@pytest.mark.parametrize(
    ("regex", "parse"),
    [
        (NUMBER_RE, parse_number),
        (FRACTION_RE, parse_fraction),
        (DATE_RE, parse_date),
        (PERIOD_RE, parse_period),
        (AMOUNT_RE, parse_amount),
    ],
)
def test_numbers_every_seed_match_parses(regex, parse) -> None:  # type: ignore[no-untyped-def]
    for match in regex.finditer(SEED_TEXT):
        assert parse(match.group(0)) is not None, match.group(0)


def test_numbers_seed_counts_parse_as_thousands() -> None:
    found = {m.group(0): parse_number(m.group(0)).value for m in NUMBER_RE.finditer(SEED_TEXT)}
    assert (found["20.845"], found["1.728"], found["15.739"], found["350.343"], found["02"]) == (
        20845,
        1728,
        15739,
        350343,
        2,
    )


# ---------------------------------------------------------------- vocabulary


def test_numbers_packaged_vocabulary_loads() -> None:
    vocab = numbers.vocabulary()
    assert vocab.roman_numerals == {"I": 1, "II": 2, "III": 3, "IV": 4}
    assert {s.word: s.multiplier for s in vocab.scales}["nghìn tỷ"] == 10**12


def test_numbers_vocabulary_entries_all_carry_a_comment() -> None:
    text = (files("baocao.extractor") / "data" / "numbers.yaml").read_text(encoding="utf-8")
    entries = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert [ln for ln in entries if "#" not in ln] == []


def _packaged_yaml() -> str:
    return (files("baocao.extractor") / "data" / "numbers.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("scales: [", "not valid YAML"),
        ("- just a list", "schema"),
        (None, "spelling"),  # an unknown key
        ("", "schema"),
    ],
)
def test_numbers_malformed_vocabulary_raises_clear_error(broken: str | None, message: str) -> None:
    text = _packaged_yaml() + "\nspelling: [x]  # unknown\n" if broken is None else broken
    with pytest.raises(VocabularyError, match=message):
        load_vocabulary(text, source="test.yaml")


def test_numbers_vocabulary_rejects_bad_values() -> None:
    text = _packaged_yaml().replace("IV: 4 ", "IV: 5 ")
    with pytest.raises(VocabularyError, match=r"test\.yaml"):
        load_vocabulary(text, source="test.yaml")


def test_numbers_vocabulary_rejects_blank_word() -> None:
    text = _packaged_yaml().replace("- quý ", "- '  ' ")
    with pytest.raises(VocabularyError, match="blank"):
        load_vocabulary(text)


# ---------------------------------------------------------------- properties


def test_numbers_doctests_pass() -> None:
    result = doctest.testmod(numbers)
    assert result.attempted > 10 and result.failed == 0


@given(st.integers(min_value=0, max_value=10**15))
def test_numbers_dot_grouped_integer_round_trips(n: int) -> None:
    text = f"{n:,}".replace(",", ".")
    number = parse_number(text)
    assert (number.value, number.decimals) == (float(n), 0)


@given(st.integers(min_value=0, max_value=10**12), st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_numbers_vi_decimal_round_trips(n: int, frac: str) -> None:
    text = f"{n:,}".replace(",", ".") + "," + frac
    number = parse_number(text)
    assert (number.value, number.decimals) == (float(Decimal(f"{n}.{frac}")), len(frac))


PARSERS = [parse_number, parse_fraction, parse_date, parse_period, parse_amount]
_WORDS = "ngày tháng năm quý Quý I V từ đến đầu cuối nửa tỷ nghìn đồng chí nay hết".split() + ["tính đến"]
_VI_ALPHABET = st.sampled_from([*"0123456789.,/-\u2013: \n%", *_WORDS])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_VI_ALPHABET, max_size=25).map("".join)))
def test_numbers_random_text_never_raises_other_errors(text: str) -> None:
    for parse in PARSERS:
        start = time.perf_counter()
        with contextlib.suppress(NumberFormatError):
            parse(text)
        assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(st.lists(_VI_ALPHABET, max_size=30).map("".join))
def test_numbers_regex_matches_in_random_text_parse(text: str) -> None:
    for regex, parse in [(NUMBER_RE, parse_number), (FRACTION_RE, parse_fraction)]:
        for match in regex.finditer(text):
            parse(match.group(0))  # raises if a match cannot be read
    for regex, parse in [(DATE_RE, parse_date), (PERIOD_RE, parse_period), (AMOUNT_RE, parse_amount)]:
        for match in regex.finditer(text):
            parse(match.group(0))  # may be None (e.g. 31/2/2024), never an exception


ADVERSARIAL = [
    "1." * 5000,
    "1/" * 5000,
    "ngày " * 5000,
    "1," * 5000,
    "từ " * 5000,
    "tháng 1-" * 3000,
    "1.000" * 3000,
    "9" * 5000,
    " " * 20000 + "x",
    "ngày" + " " * 20000,
    "ngày 1 tháng " * 3000,
    "Quý I " * 3000,
    "1.000" + ".000" * 5000 + "x",
    "từ ngày 1/1 đến " * 2000,
    "tính đến " * 3000,
    "1 " * 10000,
    "1 triệu " * 3000,
    "ngày" + ". " * 10000,
    "1/1/" * 3000,
    "1.1." * 3000,
    "năm " * 5000,
    "9 tháng đầu năm " * 2000,
]


REGEXES = {"number": NUMBER_RE, "fraction": FRACTION_RE, "date": DATE_RE, "period": PERIOD_RE, "amount": AMOUNT_RE}


@pytest.mark.parametrize("regex", REGEXES.values(), ids=REGEXES.keys())
def test_numbers_regexes_finish_fast_on_adversarial_text(regex) -> None:  # type: ignore[no-untyped-def]
    for text in ADVERSARIAL:
        start = time.perf_counter()
        list(regex.finditer(text))
        regex.fullmatch(text)
        assert time.perf_counter() - start < 2, text[:20]


@pytest.mark.parametrize("parse", PARSERS)
def test_numbers_parsers_finish_fast_on_adversarial_text(parse) -> None:  # type: ignore[no-untyped-def]
    for text in ADVERSARIAL:
        start = time.perf_counter()
        with contextlib.suppress(NumberFormatError):
            parse(text)
        assert time.perf_counter() - start < 2, text[:20]
