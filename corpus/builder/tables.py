"""Pipe tables of the seeds turned into a merged-cell grid.

The seeds' tables are Markdown renderings of Word tables: merged cells came out as
empty pipes and a table broken across a page came out as two tables with the
header repeated. This module restores what the original most likely had, so that
every writer can produce real merged cells and one table with repeating headers.
"""

from __future__ import annotations

import re

from .inline import parse_inline
from .model import Cell, Row, Table

_SEPARATOR = re.compile(r"^\|(\s*:?-*:?\s*\|)+\s*$")


def split_row(line: str) -> list[str]:
    """Cell texts of one ``| a | b |`` line, stripped."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return [cell.strip() for cell in inner.split("|")]


def parse_table(lines: list[str]) -> Table:
    """One Markdown table block (consecutive ``|`` lines) as a :class:`Table`.

    Header rows are the row before the ``|---|`` separator plus the rows right
    after it whose first cell is empty (a sub-header such as "Tính đến tháng 5/2024").
    """
    texts: list[list[str]] = []
    separator_at = None
    for line in lines:
        if _SEPARATOR.match(line.strip()):
            separator_at = len(texts)
        else:
            texts.append(split_row(line))
    width = max(len(row) for row in texts)
    texts = [row + [""] * (width - len(row)) for row in texts]
    header_rows = separator_at or 0
    while header_rows and header_rows < len(texts) and texts[header_rows][0] == "":
        header_rows += 1
    rows: list[Row] = [[Cell(parse_inline(text)) if text else Cell([]) for text in row] for row in texts]
    _merge_header(rows, header_rows)
    _merge_label_rows(rows, header_rows)
    return Table(rows=rows, header_rows=header_rows)


def _merge_header(rows: list[Row], header_rows: int) -> None:
    """An empty header cell under a filled one is the lower half of a vertical merge."""
    for col in range(len(rows[0]) if rows else 0):
        origin: Cell | None = None
        for r in range(header_rows):
            cell = rows[r][col]
            if cell is None:
                continue
            if cell.text:
                origin = cell
            elif origin is not None:
                origin.rowspan += 1
                rows[r][col] = None


def _merge_label_rows(rows: list[Row], header_rows: int) -> None:
    """A body row labelled in words ("Tổng hợp") followed by empty cells spans them.

    Numbered rows ("3 | Dịch vụ công trực tuyến | ") are left alone: their empty
    cell is a real empty value, not a merge.
    """
    for row in rows[header_rows:]:
        first = row[0]
        if first is None or not first.text or first.text[0].isdigit():
            continue
        col = 1
        while col < len(row) - 1 and row[col] is not None and not row[col].text:  # type: ignore[union-attr]
            col += 1
        if col > 1 and any(cell is not None and cell.text for cell in row[col:]):
            first.colspan = col
            for covered in range(1, col):
                row[covered] = None


def header_signature(table: Table) -> list[str]:
    """The header rows' texts, to recognise a table restarted on a new page."""
    return ["|".join(cell.text if cell else "" for cell in row) for row in table.rows[: table.header_rows]]


def join_continued(first: Table, second: Table) -> bool:
    """Append ``second`` to ``first`` when it repeats the same header; True if joined."""
    if first.columns != second.columns or header_signature(first) != header_signature(second):
        return False
    first.continued_at.append(len(first.rows))
    first.rows.extend(second.rows[second.header_rows :])
    return True
