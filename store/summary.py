"""The text ``baocao ingest`` and ``baocao run`` print at the end, and ``baocao errors``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from baocao.render import fold_line
from baocao.store.ingest import IngestReport


def render_summary(report: IngestReport, totals: dict[str, Any]) -> str:
    """This run (files, new, skipped, unreadable, rate), then the database's totals."""
    rate = report.processed / report.seconds if report.seconds else 0.0
    pages = report.pages / report.seconds if report.seconds else 0.0
    lines = [
        f"{report.files} files: {report.new} new, {report.skipped} already stored"
        + (f" ({report.other_paths} of them at a new path, recorded)" if report.other_paths else "")
        + f", {report.failed} unreadable  ({report.engine}, {report.workers} workers)",
        f"{report.seconds:.1f} s: {rate:.1f} files/s, {pages:.1f} pages/s, "
        f"{report.facts} facts found, {sum(report.checks_failed.values())} checks failed"
        + (f", {report.flags} corrections flagged" if report.flags else ""),
        f"database {report.db}: {totals['documents']} documents, {totals['versions']} versions, "
        f"{totals['facts']} facts in current extractions"
        + (f", {totals['flags']} open flags" if totals.get("flags") else ""),
    ]
    if report.not_vietnamese:
        lines.append(f"{len(report.not_vietnamese)} files with no Vietnamese text (read, with a "
                     "warning; --exclude leaves such files out):")
        lines += [f"  {path}" for path in report.not_vietnamese[:20]]
    lines += _counts("checks failed by rule", totals["checks_failed"])
    lines += _counts("unreadable files by error code", totals["errors"])
    if report.errors:
        lines.append("unreadable in this run (all: baocao errors):")
        lines += [fold_line(f"  [{e['code']}] {e['path']}: {e['message']}", "      ")
                  for e in report.errors[:50]]
        if len(report.errors) > 50:
            lines.append(f"  ... and {len(report.errors) - 50} more")
    return "\n".join(lines)


def _counts(title: str, counts: dict[str, int]) -> list[str]:
    if not counts:
        return [f"{title}: none"]
    width = max(len(k) for k in counts)
    return [f"{title}:"] + [f"  {k:<{width}}  {n}" for k, n in counts.items()]


def render_errors(rows: list[dict[str, Any]]) -> str:
    """One line per unreadable file, as the CLI prints errors; then the count per code."""
    if not rows:
        return "no unreadable files"
    lines = [fold_line(f"[{r['code']}] {r['path']}: {r['message']}"
                       + (f" ({r['hint']})" if r["hint"] else "")
                       + (f" [{r['attempts']} attempts]" if r["attempts"] > 1 else ""))
             for r in rows]
    counts = pd.Series([r["code"] for r in rows]).value_counts().sort_index()
    return "\n".join(lines + [", ".join(f"{code}: {n}" for code, n in counts.items())
                              + f"  ({len(rows)} files)"])
