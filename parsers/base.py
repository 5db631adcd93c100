"""The reader contract every format module implements, and the safety limits they honour.

A reader is ``read(path, source, limits) -> Document``: it reads the file at ``path`` (whose
format was already sniffed into ``source.format``), feeds a ``DocumentBuilder`` and returns
its Document, or raises one of the typed errors of ``parsers.errors``. Nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from baocao.schemas.document import Document, Source


@dataclass(frozen=True)
class Limits:
    """Safety limits against hostile or broken input; every reader checks the ones that apply."""

    max_bytes: int = 200 * 1024 * 1024          # a larger file is refused before reading
    max_unzipped_bytes: int = 500 * 1024 * 1024  # DOCX: sum of declared member sizes
    max_zip_ratio: int = 200                     # DOCX: decompressed/compressed beyond this is a bomb
    max_table_cells: int = 200_000               # one table larger than this is refused
    max_pages: int = 5_000                       # PDF pages read
    max_html_depth: int = 512                    # HTML nesting beyond this is flattened


class Reader(Protocol):
    def __call__(self, path: Path, source: Source, limits: Limits) -> Document: ...
