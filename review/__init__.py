"""``baocao review``: the reviewers' web app over the database that ``baocao ingest`` fills.

Server-rendered pages (FastAPI + Jinja2, autoescaped) and one small script for the keyboard,
the selection of text and the page images. Reviewers find the documents whose checks fail,
see every figure where it stands in the document, correct it at its source; the checks rerun
at once and every change is written to the append-only ``audit`` table.

Layout: ``app`` (the app factory, middleware, static files), ``deps`` (who is signed in,
checked forms), ``pages`` (GET routes, login) and ``posts`` (the forms), ``auth`` (accounts,
password hashing, sessions), ``security`` (headers, CSRF rules), ``queue``, ``view`` and
``render`` (what the pages show), ``actions`` (corrections, with optimistic versioning),
``recheck`` (checks rerun with the corrections applied), ``sources`` (the parsed Document and
PDF page images, looked up by id), ``history`` (the audit log), ``demo`` (a filled database
and a server in a thread, for the end-to-end tests, screenshots and benchmark).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``review.create_app`` without importing FastAPI for ``baocao users`` (lazy)."""
    if name == "create_app":
        from baocao.review.app import create_app

        return create_app
    raise AttributeError(name)
