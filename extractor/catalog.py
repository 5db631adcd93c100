"""The indicator catalog: frameworks (PAR Index, the 766 index, SIPAS, local variants) as data.

Each framework is a YAML file in ``extractor/data/frameworks/``; a user adds one without
touching code by dropping a file there or in the folder named by ``BAOCAO_FRAMEWORKS``.
Files are validated at load: a malformed framework stops the run with its file name.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from baocao.datafile import load_yaml
from baocao.extractor.vocab import VocabularyError


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    aliases: list[str]
    max: float | None = None
    group: str | None = None


class Pool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    since: str | None = Field(None, alias="from")
    until: str | None = None
    size: int
    name: str


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    aliases: list[str]
    unit: str
    max: float | None = None
    self_assessed_max: float | None = None
    applies_when: list[str] = Field(default_factory=list)
    pools: list[Pool] = Field(default_factory=list)
    indicators: list[Indicator]

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)


def _fold(s: str) -> str:
    return unicodedata.normalize("NFC", s).lower().replace("hoá", "hóa").strip()


def _framework_files() -> list[tuple[str, str]]:
    out = [(f"extractor/data/frameworks/{p.name}", p.read_text(encoding="utf-8"))
           for p in sorted(files("baocao.extractor").joinpath("data/frameworks").iterdir(),
                           key=lambda p: p.name) if p.name.endswith(".yaml")]
    extra = os.environ.get("BAOCAO_FRAMEWORKS")
    if extra:
        out += [(str(p), p.read_text(encoding="utf-8")) for p in sorted(Path(extra).glob("*.yaml"))]
    return out


@cache
def frameworks() -> tuple[Framework, ...]:
    loaded: list[Framework] = []
    for name, text in _framework_files():
        try:
            loaded.append(Framework.model_validate(load_yaml(text)))
        except (yaml.YAMLError, ValidationError) as e:
            raise VocabularyError(f"{name}: {e}") from e
    ids = [f.id for f in loaded]
    if len(set(ids)) != len(ids):
        raise VocabularyError(f"duplicate framework ids: {sorted(ids)}")
    return tuple(loaded)


def frameworks_for(text: str) -> list[Framework]:
    """Frameworks a document speaks of, most specific first (a local variant before its parent)."""
    folded = _fold(text)
    scored: list[tuple[int, Framework]] = []
    for fw in frameworks():
        named = sum(folded.count(_fold(a)) for a in fw.aliases)
        local = any(_fold(w) in folded for w in fw.applies_when)
        if fw.applies_when and not (local and named):
            continue  # a local variant needs its place and its own name in the document
        scored.append((named + (1000 if local else 0), fw))
    return [fw for score, fw in sorted(scored, key=lambda x: -x[0]) if score > 0] or \
        [fw for fw in frameworks() if not fw.applies_when]


_ALIASES: dict[int, tuple[Framework, list[tuple[Indicator, str]]]] = {}


def _folded_aliases(fw: Framework) -> list[tuple[Indicator, str]]:
    """Every non-empty folded alias of the framework's indicators, in order, folded once."""
    kept = _ALIASES.get(id(fw))
    if kept is None or kept[0] is not fw:
        kept = _ALIASES[id(fw)] = (fw, [(ind, a) for ind in fw.indicators
                                        for a in map(_fold, ind.aliases) if a])
    return kept[1]


def match_indicator(label: str | None, context: str, candidates: list[Framework],
                    denominator: float | None = None) -> str | None:
    """``framework.indicator`` id whose alias the label (or its section context) names."""
    for haystack in (label or "", context):
        folded = _fold(haystack)
        if not folded:
            continue
        best: tuple[int, str] | None = None
        for fw in candidates:
            for ind, a in _folded_aliases(fw):
                if a in folded:
                    score = len(a) + (50 if denominator is not None and ind.max == denominator else 0)
                    if best is None or score > best[0]:
                        best = (score, f"{fw.id}.{ind.id}")
        if best is not None:
            return best[1]
    return None


def lookup(indicator: str) -> tuple[Framework, Indicator] | None:
    fw_id, _, ind_id = indicator.partition(".")
    for fw in frameworks():
        if fw.id == fw_id:
            ind = fw.indicator(ind_id)
            return (fw, ind) if ind else None
    return None
