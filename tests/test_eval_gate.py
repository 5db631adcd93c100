"""The quality gate: precision and recall per kind and for labels may not fall below the floors.

Floors live in tests/eval_floors.json and only move up: raising one after an improvement is a
one-line reviewed diff; lowering one is a visible regression in review.
"""

from __future__ import annotations

import json

import pytest

from baocao.extractor.evaluate import evaluate_corpus, label_matches
from tests.conftest import CORPUS, ROOT, extraction_of

_ALL_FLOORS = json.loads((ROOT / "tests/eval_floors.json").read_text(encoding="utf-8"))
FLOORS_RELATIONS = _ALL_FLOORS.pop("relations")
_ALL_FLOORS.pop("devsets")  # tests/test_devset.py
FLOORS = _ALL_FLOORS


@pytest.fixture(scope="module")
def table():  # noqa: ANN201 - pandas DataFrame
    table, _ = evaluate_corpus(CORPUS, extract=extraction_of)
    return table


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_eval_floor(table, measure: str) -> None:  # noqa: ANN001
    row = table.loc[measure]
    floor = FLOORS[measure]
    assert row["precision"] >= floor["precision"], (measure, row.to_dict())
    assert row["recall"] >= floor["recall"], (measure, row.to_dict())


def test_eval_every_corpus_document_is_scored(table) -> None:  # noqa: ANN001
    from baocao.extractor.evaluate import corpus_files

    assert len(corpus_files(CORPUS)) == len(list((CORPUS / "seeds").glob("*"))) + len(
        list((CORPUS / "docs").glob("*")))
    assert table.loc["all facts", "tp"] > 1000


def test_eval_label_match_rule() -> None:
    assert label_matches("số điểm", "số điểm chưa đạt")
    assert not label_matches("Năm 2022", "Cải cách thủ tục hành chính")
    assert not label_matches(None, "đúng hạn")


def test_eval_relations_found_checked_and_no_false_alarm() -> None:
    from baocao.extractor.evaluate import evaluate_relations, relations_table

    totals = relations_table(evaluate_relations(CORPUS, extract=extraction_of)).loc["all"]
    floor = FLOORS_RELATIONS
    assert totals["found"] / totals["gold"] >= floor["found"], totals.to_dict()
    assert totals["checked correctly"] / totals["gold"] >= floor["checked correctly"], totals.to_dict()
    assert totals["false alarms"] <= floor["false alarms"], totals.to_dict()
