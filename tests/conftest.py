"""Shared fixtures: the corpus, the real documents (skipped where absent), cached extractions."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEEDS = sorted((CORPUS / "seeds").glob("*.txt"))
DOCS = sorted((CORPUS / "docs").glob("*"))
REALDOCS = ROOT.parent / "shared" / "realdocs"


def seed_id(path: Path) -> str:
    return path.name.split(".")[0]


def corpus_files() -> list[Path]:
    return [*SEEDS, *DOCS]


@cache
def extraction_of(path: Path):  # noqa: ANN201 - returns schemas.extraction.Extraction
    from baocao.api import extract

    return extract(path)


@pytest.fixture
def realdocs() -> Path:
    if not REALDOCS.is_dir():
        pytest.skip(f"real documents not available: {REALDOCS} is absent (fresh clone)")
    return REALDOCS
