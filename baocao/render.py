"""Readable views for the terminal: the extraction table and the run summary."""

from __future__ import annotations

import pandas as pd

from baocao.schemas.extraction import Extraction


def _value(v: float | str | None) -> str:
    if isinstance(v, float):
        return f"{v:,.10g}".replace(",", "_").replace(".", ",").replace("_", ".")
    return "" if v is None else str(v)


def extraction_table(ex: Extraction) -> str:
    """Metadata lines, then one row per fact, then the checks."""
    m = ex.meta
    head = [f"{ex.source.path}  [{ex.source.format.value}]",
            f"{m.doc_type or '?'}  số {m.number or '—'}/{m.symbol or '—'}  {m.place or ''}"
            f"  {m.date.value if m.date else ''}  {m.period.text if m.period else ''}",
            f"{m.title or ''}"]
    rows = [{"id": f.id, "kind": f.kind.value,
             "value": _value(f.value) + (f"/{_value(f.denominator)}" if f.denominator else ""),
             "unit": f.unit or "", "qual": f.qualifier.value if f.qualifier.value != "exact" else "",
             "label": (f.label or "")[:48], "period": f.period.text if f.period else "",
             "where": _where(f.location.page, f.location.line, f.location.cell),
             "source": f.text} for f in ex.facts]
    body = pd.DataFrame(rows).to_string(index=False) if rows else "(no facts)"
    checks = [f"{c.id} {c.status.value:<12} {c.rule:<18} {c.explanation}" for c in ex.checks]
    return "\n".join(head + [body] + (["checks:"] + checks if checks else [])
                     + [f"warning: {w}" for w in ex.warnings])


def _where(page: int | None, line: int | None, cell: tuple[int, int] | None) -> str:
    parts = [f"p{page}" if page else "", f"l{line}" if line else "",
             f"r{cell[0]}c{cell[1]}" if cell else ""]
    return " ".join(p for p in parts if p)

