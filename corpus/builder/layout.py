"""Layout decisions shared by the DOCX and PDF writers (column widths, cell alignment)."""

from __future__ import annotations

import re

from .model import Table

_MIN_CHARS = 5  # room for "Stt" and "1.1" on one line
_MAX_CHARS = 150
_COMPACT = re.compile(r"^[\d.,/%\s]*$|^\S{1,6}$")


def column_weights(table: Table, line_chars: int = 72) -> list[float]:
    """Fractions of the text width per column, as a clerk would size them.

    Each column first gets room for its longest word (so "STT" or "78,49/100" never
    breaks inside), then the rest of the line (``line_chars`` characters of cell
    text) goes to the columns in proportion to how much more their longest cell
    wants, capped so one long prose column cannot squeeze the others.
    """
    minimum = [_MIN_CHARS] * table.columns
    desired = [_MIN_CHARS] * table.columns
    for row in table.rows:
        for col, cell in enumerate(row):
            if cell is None or cell.colspan > 1 or not cell.text:
                continue
            longest_word = max(len(word) for word in cell.text.split())
            minimum[col] = max(minimum[col], longest_word + 4)
            desired[col] = max(desired[col], min(len(cell.text), _MAX_CHARS))
    desired = [max(d, m) for d, m in zip(desired, minimum, strict=True)]
    spare = line_chars - sum(minimum)
    wants = [d - m for d, m in zip(desired, minimum, strict=True)]
    if sum(desired) <= line_chars or spare <= 0 or not sum(wants):
        widths = [float(d) for d in desired]
    else:
        widths = [m + spare * w / sum(wants) for m, w in zip(minimum, wants, strict=True)]
    total = sum(widths)
    return [w / total for w in widths]


def is_compact_cell(text: str) -> bool:
    """Numbers, scores and short codes are centred in their cell."""
    return bool(_COMPACT.match(text))
