"""Units as the extractor knows them, for facts a reviewer types in.

The vocabulary is the extractor's (``unit_families``, ``units``, ``score_units``,
``percent_units`` of ``extractor/data/cues.yaml``; ``generic_units`` and ``unit_kinds`` of
``extractor/data/relations.yaml``), read through its loaders: nothing is repeated here. A unit
typed without diacritics, in capitals or with extra spaces is matched to its spelling there,
so an added fact joins the relations of its unit family ("bộ hồ sơ" with "hồ sơ").
"""

from __future__ import annotations

import unicodedata
from functools import cache


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Hồ  Sơ" and "ho so" fold alike."""
    text = unicodedata.normalize("NFD", " ".join(text.split()).lower()).replace("đ", "d")
    return "".join(c for c in text if not unicodedata.combining(c))


@cache
def _spellings() -> dict[str, str]:
    """Folded unit → the vocabulary's spelling (first seen wins: families first)."""
    from baocao.extractor.relations import relation_words
    from baocao.extractor.vocab import cues

    c, r = cues(), relation_words()
    units = [u for family in c.unit_families for u in family]
    units += [*c.units, *c.score_units, *c.percent_units, *r.generic_units]
    units += [u for kind in r.unit_kinds for u in (*kind.names, *kind.members)]
    out: dict[str, str] = {}
    for unit in units:
        out.setdefault(fold(unit), unicodedata.normalize("NFC", unit))
    return out


@cache
def _families() -> dict[str, str]:
    """Folded unit → the first unit of its family (as ``extractor.checks.family`` groups)."""
    from baocao.extractor.vocab import cues

    return {fold(u): family[0].lower() for family in cues().unit_families for u in family}


def known_unit(typed: str) -> str | None:
    """The vocabulary's spelling of ``typed`` (None when the unit is not in the vocabulary)."""
    return _spellings().get(fold(typed))


def unit_family(unit: str | None) -> str:
    """The family a unit belongs to (its own folded self when it has none)."""
    folded = fold(unit or "")
    return _families().get(folded, folded)


def same_family(a: str | None, b: str | None) -> bool:
    return unit_family(a) == unit_family(b)
