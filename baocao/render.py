"""Readable views for the terminal: the extraction table and the check list.

Every view fits the terminal's width (80 columns when it is not a terminal): long texts are
cut at a word, never inside a syllable, with "…"; explanations wrap under their line; figures
are written as the documents write them (1.448.000.000, 89,4), never in scientific notation.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from typing import Any

from baocao.schemas.extraction import Check, Extraction, Fact

MIN_WIDTH = 60


def width() -> int:
    """The terminal's columns (COLUMNS first), 80 when output is not a terminal."""
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def fold_line(text: str, indent: str = "    ", *, stream: Any = None) -> str:
    """One record a line for pipes and logs (grep finds it whole); on a terminal, wrapped to
    its width with the continuation indented."""
    stream = stream or sys.stdout
    if not stream.isatty():
        return text
    return textwrap.fill(text, width(), subsequent_indent=indent, break_on_hyphens=False)


def number(v: float | str | None) -> str:
    """1.448.000.000 and 89,4 as Vietnamese documents write them; never 8,3e+15."""
    if v is None:
        return ""
    if not isinstance(v, float | int):
        return str(v)
    if float(v).is_integer() and abs(v) < 1e21:
        text = f"{int(v):,}"
    else:
        text = f"{v:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def clip(text: str, room: int) -> str:
    """``text`` in ``room`` columns, cut at a space (a word, never inside a syllable)."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[:max(room - 1, 1)]
    if text[len(cut)] != " ":   # the cut falls inside a word: back to the word's start
        space = cut.rfind(" ")
        cut = cut[:space] if space > 0 else cut
    return cut.rstrip(" ,;:–-") + "…"


def _where(f: Fact) -> str:
    loc = f.location
    parts = [f"p{loc.page}" if loc.page else "", f"l{loc.line}" if loc.line else "",
             f"r{loc.cell[0]}c{loc.cell[1]}" if loc.cell else ""]
    return " ".join(p for p in parts if p)


def _cells(f: Fact) -> tuple[str, str, str, str, str]:
    value = number(f.value) + (f"/{number(f.denominator)}" if f.denominator else "")
    if f.qualifier.value != "exact":
        value = f"{f.qualifier.value} {value}"
    return f.id, f.kind.value, value, f.unit or "", _where(f)


def fact_lines(facts: list[Fact], columns: int) -> list[str]:
    """One line a fact: id, kind, value, unit, label, where; the columns as wide as their
    longest entry (value at most 18, unit at most 12), the label takes the rest."""
    cells = [_cells(f) for f in facts]
    if not cells:
        return ["(no facts)"]
    w_id, w_kind = (max(len(c[i]) for c in cells) for i in (0, 1))
    w_value = min(18, max(len(c[2]) for c in cells))
    w_unit = min(12, max(len(c[3]) for c in cells))
    w_where = max(len(c[4]) for c in cells)
    room = max(12, columns - (w_id + w_kind + w_value + w_unit + w_where + 5))
    return [f"{i:<{w_id}} {k:<{w_kind}} {clip(v, w_value):>{w_value}} {clip(u, w_unit):<{w_unit}} "
            f"{clip(f.label or '', room):<{room}} {where}".rstrip()
            for f, (i, k, v, u, where) in zip(facts, cells)]


def check_lines(checks: list[Check], columns: int) -> list[str]:
    if not checks:
        return []
    ident = max(len(c.id) for c in checks)
    lines = []
    for c in checks:
        head = f"{c.id:<{ident}} {c.status.value:<12} {c.rule:<20} "
        wrapped = textwrap.wrap(c.explanation, columns - len(head)) or [""]
        lines.append(head + wrapped[0])
        lines += [" " * len(head) + rest for rest in wrapped[1:]]
    return lines


def extraction_table(ex: Extraction, columns: int | None = None) -> str:
    """Metadata lines, one line per fact (id, kind, value, unit, label, where), the checks."""
    columns = columns or width()
    m = ex.meta
    head = [clip(f"{ex.source.path}  [{ex.source.format.value}]", columns),
            clip(f"{m.doc_type or '?'}  số {m.number or '—'}/{m.symbol or '—'}  {m.place or ''}"
                 f"  {m.date.value if m.date else ''}  {m.period.text if m.period else ''}",
                 columns)]
    head += textwrap.wrap(m.title or "", columns)
    body = fact_lines(ex.facts, columns)
    checks = check_lines(ex.checks, columns)
    warnings = [line for w in ex.warnings
                for line in textwrap.wrap(f"warning: {w}", columns, subsequent_indent="  ")]
    return "\n".join(head + body + (["checks:"] + checks if checks else []) + warnings)
