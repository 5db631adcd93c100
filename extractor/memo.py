"""Answers of pure text functions kept for the current document only.

The relation finder and the labeller ask the same question of the same label many times over
one document (on the corpus ``facets_of`` sees each distinct label about seven times).
``document_memo`` gives a dictionary that ``forget`` empties; ``extractor.nlp.new_document``
(called by ``extractor.pipeline`` before each document) calls ``forget``, so nothing is carried
from one document to the next, and a benchmark over the same texts twice does the work twice.
Only for answers that depend on their argument alone (and the vocabulary, loaded once).
"""

from __future__ import annotations

from typing import Any

_MEMOS: list[dict[Any, Any]] = []


def document_memo() -> dict[Any, Any]:
    """A dictionary emptied at the start of every document."""
    memo: dict[Any, Any] = {}
    _MEMOS.append(memo)
    return memo


def forget() -> None:
    """Empty every document memo (a new document starts)."""
    for memo in _MEMOS:
        memo.clear()
