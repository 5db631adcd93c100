"""Lookups that replaced whole-list scans (which made a long report's extraction quadratic in
its figures) give what the scans gave: the same nodes, facts and answers, in the same order,
on every corpus document. The extraction's output as a whole is compared before and after
such a change by ``benchmarks/extract_equivalence.py``; these pin each lookup on its own."""

from __future__ import annotations

from bisect import bisect_left

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baocao.extractor.checks import Checker
from baocao.extractor.pipeline import extract_document
from baocao.extractor.relations import Graph, _Placed
from baocao.parsers import parse
from tests.conftest import CORPUS

FILES = sorted((CORPUS / "seeds").glob("*")) + sorted((CORPUS / "docs").glob("*.pdf"))


@pytest.fixture(scope="module")
def graphs() -> list[Graph]:
    if not FILES:
        pytest.skip("the corpus is not built (make corpus)")
    out = []
    for path in FILES:
        doc = parse(path)
        out.append(Graph(extract_document(doc), doc))
    return out


def test_placed_lookups_are_the_scans_they_replace(graphs: list[Graph]) -> None:
    looked = 0
    for g in graphs:
        nodes = [n for n in g.nodes if n.cell is None]
        placed = _Placed(nodes)
        for n in nodes:
            assert placed.in_sentence(n.sent) == [c for c in nodes if c.sent == n.sent]
            for lo, hi in ((n.block - 3, n.block), (n.block - 1, n.block + 3)):
                assert placed.in_blocks(lo, hi) == [c for c in nodes if lo <= c.block <= hi]
            assert placed.first_from(n.fact.span[1]) is next(
                (c for c in nodes if c.fact.span[0] >= n.fact.span[1]), None)
            looked += 1
        assert placed.plain == [c for c in nodes if c.fact.denominator is None]
    assert looked > 500


def test_placed_plus_adds_the_node_in_document_order(graphs: list[Graph]) -> None:
    g = max(graphs, key=lambda g: len(g.nodes))
    nodes = [n for n in g.nodes if n.cell is None]
    for left_out in nodes[1:-1:7]:
        rest = _Placed([n for n in nodes if n is not left_out])
        lo, hi = left_out.block - 1, left_out.block + 1
        assert rest.plus(left_out).in_blocks(lo, hi) == [c for c in nodes if lo <= c.block <= hi]


def test_checker_indexes_are_the_scans_they_replace(graphs: list[Graph]) -> None:
    for g in graphs:
        checker = Checker(g.ex, g.doc)
        for f in checker.facts:
            assert checker._fact(f.id) is f
            same_block = [x for x in checker.facts if x.location.block == f.location.block]
            assert checker._by_block[f.location.block] == same_block
            i = bisect_left(checker._starts, f.span[0])
            assert checker.facts[:i] == [x for x in checker.facts if x.span[0] < f.span[0]]


_TEXTS = st.text(alphabet=st.sampled_from(list(" \t\n\u00a0\u2003aAbBđĐ ĂăΣσςİi.,")), max_size=30)


@given(_TEXTS, st.integers(min_value=0, max_value=35), _TEXTS)
def test_next_words_are_reads_what_the_rest_of_the_text_would(text: str, pos: int,
                                                              words: str) -> None:
    checker = Checker.__new__(Checker)
    checker.text = text
    expected = text[pos:].lstrip().lower().startswith(words.lower())
    assert checker._next_words_are(pos, words) is expected
