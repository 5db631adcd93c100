"""Storage of extractions: file → parsers → Document → extractor → Extraction → store.

``store.ingest`` walks inputs and extracts in worker processes, ``store.repository`` saves
each Extraction idempotently, ``store.export`` reads the database back as pandas DataFrames,
``store.dask_engine`` runs the same ingest on a Dask cluster. ``store.db`` resolves the
database URL and migrates it (``store/migrations``, Alembic).
"""

from baocao.store.db import resolve_url, upgrade

__all__ = ["resolve_url", "upgrade"]
