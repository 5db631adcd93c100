"""The Python API: ``baocao.extract(path) -> Extraction``."""

from __future__ import annotations

from pathlib import Path

from baocao.extractor.pipeline import extract_document
from baocao.parsers import Limits, parse
from baocao.schemas.extraction import Extraction


def extract(path: str | Path, *, limits: Limits | None = None) -> Extraction:
    """Parse ``path`` (PDF, DOCX, HTML or text) and extract its facts, metadata and checks."""
    return extract_document(parse(path, limits=limits))
