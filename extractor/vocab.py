"""Load and validate the reviewed vocabulary in ``extractor/data/cues.yaml``.

The file is data a Vietnamese-speaking reviewer edits; this module only checks its shape
(a malformed file is an error at start, not a silent gap) and hands it out, loaded once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from baocao.datafile import load_yaml as parse_yaml
from baocao.schemas.extraction import Qualifier


class VocabularyError(ValueError):
    """A data file of the extractor is malformed."""


def _clean(values: list[str]) -> list[str]:
    out = [unicodedata.normalize("NFC", v).strip() for v in values]
    if any(not v for v in out):
        raise ValueError("empty entry")
    if len(set(v.lower() for v in out)) != len(out):
        dupes = sorted({v for v in out if [w.lower() for w in out].count(v.lower()) > 1})
        raise ValueError(f"duplicate entries: {dupes}")
    return out


class Cues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    units: list[str]
    score_units: list[str]
    percent_units: list[str]
    score_unit_stops: list[str]
    not_counted: list[str]
    period_end_cues: list[str]
    score_cues: list[str]
    rank_cues: list[str]
    deadline_cues: list[str]
    qualifiers: dict[Qualifier, list[str]]
    target_sentence_cues: list[str]
    result_cues: list[str]
    identifier_cues: list[str]
    breakdown_cues: list[str]
    label_trim: list[str]
    head_stops: list[str]
    generic_titles: list[str]
    generic_labels: list[str]
    subject_prefixes: list[str]
    body_heads: list[str]
    predicate_markers: list[str]
    unit_families: list[list[str]]
    complement_sets: list[list[str]]
    share_cues: list[str]
    lost_points_cues: list[str]
    difference_cues: dict[Literal["lower", "higher"], list[str]]
    total_row_labels: list[str]
    table_kind_words: list[str]
    money_words: list[str]
    change_cues: dict[Literal["increase", "decrease"], list[str]]
    change_fillers: list[str]
    comparison_cues: dict[Literal["increase", "decrease"], list[str]]
    comparison_anchors: list[str]
    connectors: dict[str, list[str]]

    @field_validator("units", "score_units", "percent_units", "score_unit_stops", "not_counted",
                     "period_end_cues", "score_cues", "rank_cues", "deadline_cues",
                     "target_sentence_cues", "result_cues", "identifier_cues",
                     "breakdown_cues", "label_trim", "head_stops", "generic_titles", "generic_labels",
                     "subject_prefixes", "body_heads", "predicate_markers",
                     "share_cues", "lost_points_cues", "total_row_labels", "table_kind_words", "money_words",
                     "change_fillers", "comparison_anchors")
    @classmethod
    def _entries(cls, v: list[str]) -> list[str]:
        return _clean(v)

    @field_validator("qualifiers")
    @classmethod
    def _qualifier_entries(cls, v: dict[Qualifier, list[str]]) -> dict[Qualifier, list[str]]:
        return {k: _clean(words) for k, words in v.items()}


def load_yaml(name: str) -> Any:
    """A YAML file from ``extractor/data``; any syntax error becomes a VocabularyError."""
    try:
        return parse_yaml((files("baocao.extractor") / "data" / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise VocabularyError(f"extractor/data/{name}: {e}") from e


M = TypeVar("M", bound=BaseModel)


def load_model(model: type[M], name: str) -> M:
    """A YAML file of ``extractor/data`` validated as ``model``; an invalid entry becomes a
    VocabularyError naming the file."""
    try:
        return model.model_validate(load_yaml(name))
    except ValueError as e:
        raise VocabularyError(f"extractor/data/{name}: {e}") from e


@cache
def cues() -> Cues:
    """The cue vocabulary, validated once per process."""
    return load_model(Cues, "cues.yaml")


def alternation(phrases: list[str]) -> str:
    """A regex alternation of whole phrases, longest first, each escaped."""
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@cache
def words_re(*names: str) -> str:
    """The alternation of one or more ``connectors`` lists of cues.yaml, for use in a pattern."""
    phrases: list[str] = []
    for name in names:
        try:
            phrases += cues().connectors[name]
        except KeyError as e:
            raise VocabularyError(f"extractor/data/cues.yaml: no connectors.{name}") from e
    return alternation(phrases)


@cache
def why(reason: str) -> str:
    """The reviewer's sentence for an unverifiable check (``data/messages.yaml``)."""
    try:
        table = load_yaml("messages.yaml")["why"]
        return str(table[reason])
    except (KeyError, TypeError) as e:
        raise VocabularyError(f"extractor/data/messages.yaml: no why.{reason}") from e


@cache
def _fold_table() -> dict[int, str]:
    """Latin letters (Vietnamese included) to their base letter in lower case."""
    table = {}
    for code in [*range(0x250), *range(0x1E00, 0x1F00)]:
        c = chr(code)
        table[code] = unicodedata.normalize("NFD", c)[0].lower()[0]
    table[ord("Đ")] = table[ord("đ")] = "d"
    return table


def fold(s: str) -> str:
    """Lower case without diacritics, one character for one, so offsets carry over.

    >>> fold("Triệu Đồng")
    'trieu dong'
    """
    return s.translate(_fold_table())
