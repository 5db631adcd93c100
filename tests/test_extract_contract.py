"""The output contract of `baocao extract`: spans, provenance, ids, schema, on every corpus file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baocao.schemas.extraction import Extraction, FactKind
from tests.conftest import ROOT, corpus_files, extraction_of, seed_id

FILES = corpus_files()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_contract_every_span_is_its_text(path: Path) -> None:
    ex = extraction_of(path)
    assert ex.facts, "a corpus document with no facts"
    for f in ex.facts:
        assert ex.text[f.span[0]:f.span[1]] == f.text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_contract_facts_point_at_their_block(path: Path) -> None:
    from baocao.parsers import parse

    doc = parse(path)
    ex = extraction_of(path)
    for f in ex.facts:
        block = doc.blocks[f.location.block]
        assert block.span[0] <= f.span[0] and f.span[1] <= block.span[1]
        if path.suffix == ".pdf":
            assert f.location.page is not None and f.location.bbox is not None
        if path.suffix == ".docx":
            assert f.location.body_index is not None or f.location.part is not None
        if path.suffix == ".txt":
            assert f.location.line is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_contract_ids_unique_and_values_typed(path: Path) -> None:
    ex = extraction_of(path)
    assert len({f.id for f in ex.facts}) == len(ex.facts)
    for f in ex.facts:
        if f.kind in (FactKind.date, FactKind.deadline):
            assert isinstance(f.value, str) and len(f.value) == 10, f
        else:
            assert isinstance(f.value, float), f
        assert 0 <= f.confidence <= 1


def test_contract_json_round_trip() -> None:
    ex = extraction_of(ROOT / "corpus/seeds/004_1ab22aee8a00dbb0.txt")
    data = json.loads(ex.model_dump_json())
    for key in ("schema_version", "source", "text", "meta", "facts", "checks", "warnings", "errors"):
        assert key in data
    for key in ("path", "sha256", "format"):
        assert key in data["source"]
    for key in ("doc_type", "number", "issuer", "place", "date", "title", "period"):
        assert key in data["meta"]
    fact_keys = {"id", "kind", "value", "denominator", "unit", "qualifier", "label", "indicator",
                 "period", "subject", "text", "span", "location", "confidence"}
    assert fact_keys <= set(data["facts"][0])
    assert Extraction.model_validate(data) == ex


def test_contract_published_schemas_are_current() -> None:
    from baocao.cli import json_schema

    for which in ("document", "extraction"):
        committed = json.loads((ROOT / f"schemas/{which}.schema.json").read_text(encoding="utf-8"))
        assert committed == json_schema(which), f"run: baocao schema {which} > schemas/{which}.schema.json"


def test_contract_same_facts_in_every_format() -> None:
    """The figures of a seed are the same facts whatever format it was rendered to."""
    by_seed: dict[str, set[tuple[str, object, object]]] = {}
    for path in FILES:
        ex = extraction_of(path)
        keys = {(f.kind.value, f.value, f.denominator) for f in ex.facts}
        by_seed.setdefault(seed_id(path), keys)
        assert keys == by_seed[seed_id(path)], path.name
