"""Arithmetic helpers for the checks: tolerances from written precision, Vietnamese number style.

A figure written with d decimals is known to within half a unit of its last decimal; a sum of
n rounded figures to within n such half-units. Counts written as integers are exact.
"""

from __future__ import annotations

from collections.abc import Sequence

from baocao.schemas.extraction import Fact


def num(f: Fact) -> float:
    """The numeric value of a count, score, rank, percentage or amount fact."""
    if not isinstance(f.value, (int, float)):
        raise TypeError(f"fact {f.id} ({f.kind.value}) has no numeric value")
    return float(f.value)


def half_unit(decimals: int | None) -> float:
    """Half a unit of the last written decimal: 89,4 → 0.05; 17.604 → 0 (an exact count)."""
    return 0.5 * 10 ** -decimals if decimals else 0.0


def sum_tolerance(facts: Sequence[Fact]) -> float:
    """n half-units of the components, plus the total's own rounding when given with it."""
    return sum(half_unit(f.decimals) for f in facts)


def vi(value: float, decimals: int | None = None) -> str:
    """A number in Vietnamese style: '.' groups thousands, ',' marks decimals.

    >>> vi(17604)
    '17.604'
    >>> vi(89.4047, 2)
    '89,40'
    >>> vi(8.7)
    '8,7'
    """
    if decimals is None:
        decimals = 0 if float(value).is_integer() else min(len(repr(float(value)).split(".")[1]), 4)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def written(f: Fact) -> str:
    """The fact's number as the document wrote it, without % or /y."""
    return vi(float(f.value), f.decimals) if isinstance(f.value, float) else str(f.value)


def close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9


def typo_of(written_value: float, intended: float) -> bool:
    """``written_value`` is ``intended`` with one slip of the pen: one digit changed, two adjacent
    digits swapped, or a separator in the wrong place (a factor of ten).

    >>> typo_of(15789, 15739), typo_of(15379, 15739), typo_of(1573.9, 15739), typo_of(15000, 15739)
    (True, True, True, False)
    >>> typo_of(2, 5)   # too short to tell a slip from another number
    False
    """
    if written_value <= 0 or intended <= 0:
        return False
    for factor in (10.0, 0.1, 100.0, 0.01):
        if abs(written_value * factor - intended) < 1e-6 * intended:
            return True
    a, b = _digits(written_value), _digits(intended)
    if len(a) != len(b) or len(a) < 3:
        return False   # with fewer digits, any change looks like a slip: no evidence at all
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _digits(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", "").lstrip("0") or "0"
