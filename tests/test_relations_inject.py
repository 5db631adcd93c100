"""The error-injection benchmark (``benchmarks/relations_inject.py``) on one synthetic report:
its mutations change a figure as described, it places figures in the raw file despite markup,
and a one-digit change in a stated breakdown is caught by a failing check."""

from __future__ import annotations

import dataclasses
import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_relations_inject", ROOT / "benchmarks" / "relations_inject.py")
ri = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = ri          # dataclasses look their module up while the class is built
_spec.loader.exec_module(ri)

REPORT = """BÁO CÁO
Kết quả giải quyết thủ tục hành chính năm 2023

Tổng số hồ sơ tiếp nhận 20.845 hồ sơ, trong đó tồn kỳ trước chuyển qua 1.728 hồ sơ, tiếp nhận mới 19.117 hồ sơ.
Đã giải quyết 17.604 hồ sơ, trong đó đúng hạn 15.739 hồ sơ, quá hạn 1.865 hồ sơ.
Các hồ sơ quá hạn đều có văn bản xin lỗi gửi tổ chức, công dân.
"""


def w(text: str, decimals: int = 0):  # noqa: ANN201
    parsed = ri.parse_written(text, decimals)
    assert parsed is not None, text
    return parsed


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


# -- the mutations ---------------------------------------------------------------------------

def test_parse_written_reads_the_marks() -> None:
    assert w("15.739").value == 15739 and w("15.739").thousands == "."
    assert w("89,4", 1).value == pytest.approx(89.4) and w("89,4", 1).mark == ","
    assert w("9.5", 1).value == pytest.approx(9.5) and w("9.5", 1).mark == "."
    assert w("1.234,56", 2).value == pytest.approx(1234.56)
    assert ri.parse_written("15.73", 0) is None        # not a grouping, and no decimals said


@pytest.mark.parametrize("seed", range(20))
def test_one_digit_changed(seed: int) -> None:
    new = ri.change_digit(w("15.739"), random.Random(seed))
    assert re.fullmatch(r"\d{2}\.\d{3}", new) and not new.startswith("0")
    assert sum(a != b for a, b in zip(digits(new), "15739")) == 1


@pytest.mark.parametrize("seed", range(20))
def test_two_adjacent_digits_swapped(seed: int) -> None:
    new = ri.swap_digits(w("15.739"), random.Random(seed))
    assert re.fullmatch(r"\d{2}\.\d{3}", new)
    d = digits(new)
    i = next(k for k in range(5) if d[k] != "15739"[k])
    assert d[i] == "15739"[i + 1] and d[i + 1] == "15739"[i] and d[i + 2:] == "15739"[i + 2:]
    assert ri.swap_digits(w("1.111"), random.Random(seed)) is None   # nothing to swap


def test_part_doubled() -> None:
    assert ri.double(w("1.865")) == "3.730"
    assert ri.double(w("865")) == "1.730"          # grouped as the document groups
    assert ri.double(w("04")) == "08"
    assert ri.double(w("2,5", 1)) == "5,0"
    assert ri.double(w("0.5", 1)) == "1.0"


@pytest.mark.parametrize("seed", range(10))
def test_decimal_comma_moved(seed: int) -> None:
    rng = random.Random(seed)
    assert ri.move_decimal(w("89,4", 1), rng) == "8,94"          # one decimal: only to the left
    assert ri.move_decimal(w("13,06", 2), rng) in ("1,306", "130,6")
    assert ri.move_decimal(w("0,5", 1), rng) == "0,05"
    assert ri.move_decimal(w("15.739"), rng) is None             # no decimal comma to move


def test_truncated_instead_of_rounded_and_back() -> None:
    assert ri.flip_rounding(w("13,06", 2), 13.058) == "13,05"
    assert ri.flip_rounding(w("13,05", 2), 13.058) == "13,06"
    assert ri.flip_rounding(w("89,4", 1), 89.4058) is None       # both give 89,4


def test_part_dropped_with_its_unit() -> None:
    raw = "trong đó đúng hạn 15.739 hồ sơ, quá hạn 1.865 hồ sơ."
    a = raw.index("15.739")
    cut = ri.drop_part(raw, a, a + 6, "hồ sơ")
    assert raw[:cut[0]] + raw[cut[1]:] == "trong đó đúng hạn, quá hạn 1.865 hồ sơ."
    assert ri.drop_part("đạt 9/15 điểm", 4, 5, "điểm") is None   # a fraction: awkward


def test_still_holds_tells_no_error_from_an_error(planner) -> None:  # noqa: ANN001
    check, fact = _sum_17604(planner)
    facts = [planner.facts[i] for i in check.facts]
    assert ri.still_holds(check, facts, fact.id, 15739.0, 0)
    assert not ri.still_holds(check, facts, fact.id, 15789.0, 0)
    assert not ri.still_holds(check, facts, fact.id, None, None)   # dropped


# -- placing a figure ------------------------------------------------------------------------

def test_place_uses_the_context_across_markup() -> None:
    canonical = "đúng hạn 1.865 hồ sơ; quá hạn 1.865 hồ sơ trễ"
    raw = "**đúng hạn** 1.865 hồ sơ;\n**quá hạn** 1.865 hồ sơ trễ"
    at = canonical.rindex("1.865")
    pos, why = ri.place(raw, "1.865", *ri.context_of(canonical, at, at + 5))
    assert pos == raw.rindex("1.865") and why == ""


def test_place_refuses_an_ambiguous_figure() -> None:
    canonical = raw = "; đạt 100% kế hoạch năm" * 5    # the middle ones read alike for 20 characters
    at = [m.start() for m in re.finditer("100", canonical)][2]
    pos, why = ri.place(raw, "100", *ri.context_of(canonical, at, at + 3))
    assert pos is None and why == "ambiguous"


def test_place_never_takes_part_of_a_longer_number() -> None:
    assert ri._occurrences("15.739 và 115.739 và 15.7390", "15.739") == [0]


# -- the whole machinery on one synthetic report ---------------------------------------------

def _planner_on(text: str, folder: Path):  # noqa: ANN202
    path = folder / "bao-cao-tong-hop.txt"
    path.write_text(text, encoding="utf-8")
    return ri.Planner(path, seed=1)


def _sum_17604(planner):  # noqa: ANN001, ANN202
    check = next((c for c in planner.relations if c.rule == "sum"
                  and planner.facts[c.facts[0]].text == "17.604"), None)
    assert check is not None, [c.explanation for c in planner.relations]
    fact = next(planner.facts[i] for i in check.facts if planner.facts[i].text == "15.739")
    return check, fact


@pytest.fixture
def planner(tmp_path: Path):  # noqa: ANN201
    ri._init(str(tmp_path / "work"))
    return _planner_on(REPORT, tmp_path)


def test_plan_finds_the_relations_and_places_every_mutation(planner) -> None:  # noqa: ANN001
    check, _ = _sum_17604(planner)
    _, relations, mutants, na, skips = ri.plan_document(planner.path, None, 1)
    assert not skips
    assert {m.rel for m in mutants} >= {check.id}
    for m in mutants:
        assert planner.raw[m.figure.raw_start:m.figure.raw_end] == m.figure.text
        assert m.new_text != m.figure.text
        copy = ri.mutated_text(planner.raw, m)
        assert copy != planner.raw and len(copy.splitlines()) == len(planner.raw.splitlines())
    kinds = {m.type for m in mutants if m.rel == check.id}
    assert kinds == {"digit", "swap", "drop", "double"}      # no decimals, no percentages here


def test_seeded_digit_mutation_of_15739_changes_one_digit(planner) -> None:  # noqa: ANN001
    check, fact = _sum_17604(planner)
    m = planner.mutant(check, "digit", fact.id)
    assert isinstance(m, ri.Mutant) and m.figure.text == "15.739"
    assert sum(a != b for a, b in zip(digits(m.new_text), "15739")) == 1
    assert ri.mutated_text(planner.raw, m).count(m.new_text) == 1 and "15.739" not in ri.mutated_text(planner.raw, m)


def _run(planner, new_text: str):  # noqa: ANN001, ANN202
    check, fact = _sum_17604(planner)
    m = planner.mutant(check, "digit", fact.id)
    m = dataclasses.replace(m, new_text=new_text)
    return ri.run_mutant((0, planner.path.name, ri.mutated_text(planner.raw, m), m, ri.signatures(planner.ex)))


def test_one_digit_raised_in_15739_is_caught_by_a_fail(planner) -> None:  # noqa: ANN001
    outcome = _run(planner, "15.789")             # 15.789 + 1.865 = 17.654 ≠ 17.604
    assert outcome.found
    assert outcome.status == "caught", (outcome.status, outcome.by)
    assert outcome.by.startswith("sum:") and "15.789" in outcome.by
    assert outcome.alarms == []


@pytest.mark.xfail(strict=True, reason=(
    "checker: parts that fall short of their 'trong đó' total are unverifiable (why: partial_list) "
    "unless they split a facet completely, and extractor/data/relations.yaml no longer counts "
    "đúng hạn + quá hạn as a complete split (early ones may be left out): 15.719 + 1.865 = 17.584 "
    "≠ 17.604 comes out unverifiable, not fail; a raised digit (parts above the total) is a fail"))
def test_one_digit_lowered_in_15739_is_caught_by_a_fail(planner) -> None:  # noqa: ANN001
    outcome = _run(planner, "15.719")             # 15.719 + 1.865 = 17.584 ≠ 17.604
    assert outcome.found
    assert outcome.status == "caught", (outcome.status, outcome.by)
