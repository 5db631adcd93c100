"""Arithmetic helpers for the checks: tolerances from written precision, Vietnamese number style.

A figure written with d decimals is known to within half a unit of its last decimal; a sum of
n rounded figures to within n such half-units. Counts written as integers are exact.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.extraction import Fact


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
