"""Inline Markdown leftovers of the seeds: ``**bold**``, ``*italic*`` and ``[n]`` markers.

The seeds were converted from Word/HTML with a Markdown tool, so emphasis survives as
asterisks and footnote references as ``[n]``. Every writer needs the same runs, so
they are parsed once here into :class:`~corpus.builder.model.Span` lists.
"""

from __future__ import annotations

import re

from .model import Span

_TOKEN = re.compile(r"\*\*(?P<bold>.+?)\*\*|\*(?P<italic>[^*\s][^*]*?)\*|\[(?P<note>\d+)\]")


def parse_inline(text: str, footnote_ids: frozenset[int] = frozenset()) -> list[Span]:
    """Split ``text`` into runs; ``[n]`` becomes a footnote span only when note n exists.

    A bracketed number that is not a known footnote stays literal text, so a
    citation like "[2]" in an article without notes is not swallowed.
    """
    spans: list[Span] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        note = match.group("note")
        if note is not None and int(note) not in footnote_ids:
            continue
        if match.start() > pos:
            spans.append(Span(text[pos : match.start()]))
        if match.group("bold") is not None:
            spans.append(Span(match.group("bold"), bold=True))
        elif match.group("italic") is not None:
            spans.append(Span(match.group("italic"), italic=True))
        else:
            spans.append(Span("", footnote=int(note)))
        pos = match.end()
    if pos < len(text):
        spans.append(Span(text[pos:]))
    return _merge_plain(spans)


def _merge_plain(spans: list[Span]) -> list[Span]:
    """Join neighbouring runs with identical formatting (after skipped markers)."""
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if (
            last is not None
            and span.footnote is None
            and last.footnote is None
            and (last.bold, last.italic) == (span.bold, span.italic)
        ):
            merged[-1] = Span(last.text + span.text, last.bold, last.italic)
        else:
            merged.append(span)
    return merged


def plain(text: str) -> str:
    """``text`` with the Markdown emphasis removed (footnote markers stay literal)."""
    return "".join(span.text for span in parse_inline(text))
