"""baocao: sourced, cross-checked figures from Vietnamese administrative reports.

    >>> import baocao
    >>> extraction = baocao.extract("corpus/seeds/004_1ab22aee8a00dbb0.txt")  # doctest: +SKIP
    >>> baocao.facts_frame(extraction)            # one row per fact    # doctest: +SKIP
    >>> baocao.facts_frame("sqlite:///baocao.db")  # after `baocao ingest` # doctest: +SKIP

The DataFrame helpers import pandas and SQLAlchemy only when called, so ``import baocao``
stays as light as the extractor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from baocao.api import extract
from baocao.schemas.extraction import Extraction

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["extract", "Extraction", "facts_frame", "checks_frame", "documents_frame"]


def facts_frame(source: str | Extraction | Iterable[Extraction], **filters: Any) -> pd.DataFrame:
    """Facts as a DataFrame (columns: ``baocao schema export``), from Extraction(s) or a
    database URL (then with reviewers' corrected values beside the extracted ones).

    ``filters``: ``indicator``, ``period``, ``place``, ``status``, ``document``, each one value
    or a list of accepted values (``place="Đắk Song"`` or ``place=["Đắk Song", "Gia Nghĩa"]``).
    A database that does not exist raises ``DatabaseNotFoundError`` (BC207), never an empty
    frame; an unknown filter name raises ``TypeError`` naming the accepted ones.
    """
    from baocao.store.export import facts_frame as frame

    return frame(source, _filters(filters))


def _filters(given: dict[str, Any]) -> Any:
    from dataclasses import fields

    from baocao.store.export import Filters

    names = [f.name for f in fields(Filters)]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TypeError(f"unknown filter {', '.join(unknown)}: the filters are {', '.join(names)}")
    return Filters(**given)


def checks_frame(db_url: str, **filters: Any) -> pd.DataFrame:
    """The checks of every document in the database at ``db_url``."""
    from baocao.store.export import checks_frame as frame

    return frame(db_url, _filters(filters))


def documents_frame(db_url: str, **filters: Any) -> pd.DataFrame:
    """One row per document in the database at ``db_url``: metadata, versions, review state."""
    from baocao.store.export import documents_frame as frame

    return frame(db_url, _filters(filters))
