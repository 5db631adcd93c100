"""Every reviewed data file loads, validates, and holds together (extractor/data, parsers/data)."""

from __future__ import annotations

import re
from pathlib import Path

from baocao.extractor.catalog import frameworks
from baocao.extractor.context import is_named_subject, places
from baocao.extractor.meta import layout
from baocao.extractor.numbers import vocabulary
from baocao.extractor.relations import facets_of, relation_words
from baocao.extractor.vocab import cues, load_yaml
from baocao.parsers.grid import table_words

ROOT = Path(__file__).resolve().parents[1]


def test_every_data_file_loads_and_validates() -> None:
    assert cues().units and vocabulary().currencies and frameworks() and layout()
    assert relation_words().facets and table_words().unit_lines and places().provinces


def test_facet_phrases_are_listed_once_and_never_a_single_loose_syllable() -> None:
    for name, facet in relation_words().facets.items():
        for value, phrases in facet.values.items():
            assert len({p.lower() for p in phrases}) == len(phrases), (name, value)
        for partition in facet.partitions:
            assert len(set(partition)) == len(partition) >= 2, (name, partition)
    # a bare "sở" or "ban" would make "cơ sở" and "ban hành" a level
    assert not facets_of("cơ sở ban hành") and facets_of("tuyến huyện") == {"level": {"district"}}


def test_every_why_key_used_in_code_has_its_message() -> None:
    keys = set(load_yaml("messages.yaml")["why"])
    used = set()
    for path in (ROOT / "extractor").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'why\("(\w+)"\)', text))
        used |= set(re.findall(r'\(UNSURE, "(\w+)"\)', text))
    assert used and used <= keys, used - keys


def test_province_names_are_subjects_on_their_own() -> None:
    assert is_named_subject("Lào Cai") and is_named_subject("Bà Rịa - Vũng Tàu")
    assert not is_named_subject("Lào") and not is_named_subject("cơ sở")
