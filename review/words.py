"""The Vietnamese words of the app's codes (states, actions, statuses, audit actions).

The words live in ``review/data/labels_vi.yaml`` (reviewed, commented); code and database
keep English codes. ``label(group, code)`` falls back to the code itself, so a new code shows
up as it is rather than breaking a page (tests/test_review_desk.py lists the codes that must
have a word).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from baocao.datafile import load_yaml

DATA = Path(__file__).resolve().parent / "data" / "labels_vi.yaml"


class WordsError(ValueError):
    """labels_vi.yaml is not a mapping of groups to {code: word}."""


@cache
def words() -> dict[str, Any]:
    """The whole file, checked once: every group a mapping of text to non-empty text."""
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise WordsError(f"{DATA}: expected a mapping with version: 1")
    for group, entries in data.items():
        if group == "version" or isinstance(entries, str):
            continue
        if not isinstance(entries, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip()
                for k, v in entries.items()):
            raise WordsError(f"{DATA}: {group}: every entry is code: Vietnamese words")
    return data


def label(group: str, code: Any) -> str:
    """The Vietnamese word of ``code`` in ``group`` (the code itself when none is known)."""
    if code is None:
        return ""
    entries = words().get(group)
    if isinstance(entries, dict):
        return str(entries.get(str(code), code))
    return str(code)


class Words:
    """``L.state('reviewed')`` in templates: one callable per group."""

    def __getattr__(self, group: str) -> Any:
        if group.startswith("__"):
            raise AttributeError(group)
        return lambda code: label(group, code)

    @property
    def unplaced(self) -> str:
        return str(words().get("unplaced", "chưa rõ địa bàn"))


WORDS = Words()
