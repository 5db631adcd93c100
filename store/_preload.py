"""Imported once by the fork server of ``store.pool``: warm the extractor before forking.

Best effort: a failure here only means workers start cold, so it is never raised.
"""

from __future__ import annotations

try:
    from baocao.store.worker import warm_up

    warm_up()
except Exception:  # noqa: BLE001 - the fork server must start whatever happens here
    pass
