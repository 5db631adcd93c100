"""The Vietnamese words of the document, fact and history pages (``review/data/document_vi.yaml``).

Loaded once and validated: every fact kind, review status, check status and review state the
code can produce must have a label (a missing one is an error at start, not an English word
on a reviewer's screen). ``label(group, code)`` falls back to the code itself for free-text
codes (a rule or strategy added to the extractor later), which the tests catch for rules.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from baocao.datafile import load_yaml
from baocao.schemas.extraction import CheckStatus, FactKind
from baocao.store.models import REVIEW_STATES

DATA = Path(__file__).resolve().parent / "data" / "document_vi.yaml"
STATUSES = ("extracted", "accepted", "corrected", "rejected", "added")


class LabelsError(ValueError):
    """review/data/document_vi.yaml is malformed or misses a code."""


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    statuses: dict[str, str]
    kinds: dict[str, str]
    check_statuses: dict[str, str]
    rules: dict[str, str]
    states: dict[str, str]
    actions: dict[str, str]
    strategies: dict[str, str]
    fields: dict[str, str]

    def of(self, group: str, code: Any) -> str:
        """The label of ``code`` in ``group`` (the code itself when unknown; '' for None).

        States, statuses, audit actions and fields are the app's shared words first
        (``review/data/labels_vi.yaml`` through ``review.words``), so every page says the
        same; this file's entries are the fallback for codes that file lacks."""
        if code is None:
            return ""
        shared = SHARED.get(group)
        if shared is not None:
            word = _shared_label(shared, code)
            if word is not None:
                return word
        found: dict[str, str] = getattr(self, group)
        return found.get(str(code), str(code))


# this file's group → the group of review/data/labels_vi.yaml with the same codes
SHARED = {"states": "state", "statuses": "fact_status", "check_statuses": "check",
          "actions": "audit", "fields": "field"}


def _shared_label(group: str, code: Any) -> str | None:
    try:
        from baocao.review.words import label
    except ImportError:  # the shared vocabulary is optional for these pages
        return None
    word = label(group, code)
    return word if word != str(code) else None


def _require(labels: Labels) -> None:
    wanted = {"statuses": STATUSES, "fields": ("kind", "value", "denominator", "unit", "label",
                                                "indicator", "period", "subject"), "kinds": [k.value for k in FactKind],
              "check_statuses": [s.value for s in CheckStatus], "states": REVIEW_STATES}
    for group, codes in wanted.items():
        missing = sorted(set(codes) - set(getattr(labels, group)))
        if missing:
            raise LabelsError(f"{DATA.name}: {group} without a Vietnamese label: {missing}")
    for group in ("statuses", "kinds", "check_statuses", "rules", "states", "actions",
                  "strategies", "fields"):
        empty = [k for k, v in getattr(labels, group).items() if not str(v).strip()]
        if empty:
            raise LabelsError(f"{DATA.name}: {group}: empty label for {empty}")


def load(path: Path = DATA) -> Labels:
    """Read and validate a labels file (``LabelsError`` naming the file when it is wrong)."""
    try:
        labels = Labels.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise LabelsError(f"{path.name}: {e}") from e
    _require(labels)
    return labels


@cache
def labels() -> Labels:
    """The labels of the review pages, loaded once per process."""
    return load()
