"""The extractor version stored with every extraction.

Ingest skips a file when its bytes (sha256) were already extracted *by this version*, so the
version must change whenever the output could: it is the package version plus a digest of the
code and vocabulary that produce an Extraction (parsers, extractor with its YAML data, schemas).
A new version of any of them makes the next ingest extract every file again, storing the new
extraction beside the old one, where reviewers' corrections are compared with it.

``BAOCAO_EXTRACTOR_VERSION`` pins the version (operators who deploy the same code on many
machines from different paths, and tests that simulate an upgrade in a subprocess).
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_PACKAGES = ("parsers", "extractor", "schemas")
_SUFFIXES = (".py", ".yaml", ".yml", ".json")


def extractor_version() -> str:
    """``0.1.0+1a2b3c4d5e6f``: what produced an extraction (env override first)."""
    pinned = os.environ.get("BAOCAO_EXTRACTOR_VERSION")
    return pinned if pinned else _computed_version()


def _computed_version() -> str:
    return _version_for(os.environ.get("BAOCAO_FRAMEWORKS") or "")


@cache
def _version_for(frameworks: str) -> str:
    try:
        release = metadata.version("baocao")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        release = "0"
    return f"{release}+{code_digest(frameworks)[:12]}"


def code_digest(frameworks: str = "") -> str:
    """sha256 over the sources and data of the packages that make an Extraction, and over
    the user's framework files (``BAOCAO_FRAMEWORKS``), which change what is extracted too."""
    digest = hashlib.sha256()
    folders = [ROOT / package for package in _PACKAGES]
    if frameworks and Path(frameworks).is_dir():
        folders.append(Path(frameworks))
    for base in folders:
        for path in sorted(p for p in base.rglob("*") if p.suffix in _SUFFIXES and p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(base.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
