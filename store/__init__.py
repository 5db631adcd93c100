"""Storage of extractions: file → parsers → Document → extractor → Extraction → store.

``store.ingest`` walks inputs and extracts in worker processes, ``store.repository`` saves
each Extraction idempotently, ``store.export`` reads the database back as pandas DataFrames,
``store.dask_engine`` runs the same ingest on a Dask cluster. ``store.db`` resolves the
database URL and migrates it (``store/migrations``, Alembic).

``resolve_url`` and ``upgrade`` are imported when first asked for: a worker process imports
``store.worker`` and never needs SQLAlchemy, whose import was a tenth of its warm-up.
"""

from typing import Any

__all__ = ["resolve_url", "upgrade"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from baocao.store import db

        return getattr(db, name)
    raise AttributeError(f"module 'baocao.store' has no attribute {name!r}")
