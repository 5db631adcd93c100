"""The section outline: numbered headings (I., 1., 4.1., a), -, +) as a tree.

Vietnamese official documents (Decree 30/2020/NĐ-CP) number their parts in a fixed order of
styles: roman, then arabic (with dotted sub-levels), then letters, then dashes, then pluses.
A new marker closes every open section of the same or a deeper style; that single rule gives
the tree without trusting heading styles, which web copies and PDFs do not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from baocao.schemas.document import BlockKind, Document, Section

_MARKER = re.compile(
    r"""^(?:
        (?P<roman>[IVX]{1,5})\.                 # I.  II.  IV.
      | (?P<arabic>\d{1,2}(?:\.\d{1,2}){1,3}\.?   # 4.1.  4.1  (dotted sub-levels)
                  | \d{1,2}\.)                      # 1.  (a single level needs its dot)
        (?=\s)
      | (?P<letter>[a-zđ])\)                    # a)  b)
      | (?P<dash>[-–—•])                        # -  – •
      | (?P<plus>\+)                            # +
    )\s+""",
    re.VERBOSE,
)
_STYLE_RANK = {"roman": 0, "arabic": 1, "letter": 10, "dash": 11, "plus": 12}
_OUTLINED = {BlockKind.heading, BlockKind.paragraph, BlockKind.list_item}
_STOP = re.compile(r"^Nơi nhận\b", re.IGNORECASE)
_TITLE_MAX = 120


@dataclass
class _Open:
    rank: int
    section: Section
    children: list[Section] = field(default_factory=list)


def marker_of(text: str) -> tuple[str, str, int] | None:
    """(number as written, style, rank) of a numbered block, or None.

    >>> marker_of("4.1. Kết quả đạt được")
    ('4.1.', 'arabic', 2)
    >>> marker_of("1.836/1.836 TTHC") is None
    True
    """
    m = _MARKER.match(text)
    if m is None:
        return None
    style = next(k for k, v in m.groupdict().items() if v is not None)
    number = m.group(0).strip()
    rank = _STYLE_RANK[style]
    if style == "arabic":
        rank += m.group("arabic").count(".")
    return number, style, rank


def _title(text: str, number: str) -> str:
    body = text[len(number):].strip()
    head = re.split(r"(?<=\w)\. ", body, maxsplit=1)[0]
    head = head.split(": ", 1)[0] if ": " in head[:_TITLE_MAX] else head
    return head[:_TITLE_MAX].rstrip(" :;,.")


def build_outline(doc: Document) -> list[Section]:
    """Sections of ``doc`` as a tree; each span runs to the start of the next sibling or ancestor."""
    roots: list[Section] = []
    stack: list[_Open] = []
    end_of_body = next((b.span[0] for b in doc.blocks if b.kind is BlockKind.footnote),
                       len(doc.text))
    for block in doc.blocks:
        if block.kind not in _OUTLINED:
            continue
        text = doc.text[block.span[0]:block.span[1]]
        if _STOP.match(text):
            end_of_body = block.span[0]
            break
        found = marker_of(text)
        if found is None:
            continue
        number, style, rank = found
        _close(stack, rank, block.span[0])
        section = Section(number=number, style=style, depth=len(stack) + 1,  # type: ignore[arg-type]
                          title=_title(text, number), heading_block=block.id,
                          span=(block.span[0], block.span[1]))
        (stack[-1].section.children if stack else roots).append(section)
        stack.append(_Open(rank, section))
    _close(stack, -1, end_of_body)
    return roots


def _close(stack: list[_Open], rank: int, end: int) -> None:
    while stack and stack[-1].rank >= rank:
        done = stack.pop().section
        done.span = (done.span[0], max(done.span[1], end))
