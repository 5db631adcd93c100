"""Route dependencies: who is signed in, which document they may open, and checked forms.

Every route but the login form and the static files depends on ``principal``; every POST on
``posted``, which refuses a foreign ``Origin``, a body over 64 KiB, and a ``csrf`` field that
is not the session's token, before the route's own code runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from baocao.review.access import may_see_document
from baocao.review.app import LoginRequired, scope
from baocao.review.auth import Principal, resume_session, same_token
from baocao.review.security import SESSION_COOKIE, foreign_origin
from baocao.review.sources import Current, current
from baocao.store.models import ExtractionRow

MAX_FORM_BYTES = 64 * 1024


def principal(request: Request) -> Principal:
    """The signed-in user; raises LoginRequired (expired=True when a session just ended)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        raise LoginRequired()
    settings = request.app.state.settings
    with scope(request) as session:
        user = resume_session(session, token, settings.idle)
    if user is None:
        raise LoginRequired(expired=True)
    request.state.user = user
    return user


User = Annotated[Principal, Depends(principal)]


@dataclass(frozen=True)
class Posted:
    """A checked POST: its user and its text fields."""

    user: Principal
    form: dict[str, str]


async def read_form(request: Request) -> dict[str, str]:
    """The form's text fields, after the Origin and size checks."""
    if foreign_origin(request.headers.get("origin"), request.headers.get("host")):
        raise HTTPException(403, "yêu cầu từ trang khác bị từ chối (Origin)")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > MAX_FORM_BYTES:
        raise HTTPException(413, "biểu mẫu quá lớn")
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def posted(request: Request, user: User) -> Posted:
    form = await read_form(request)
    if not same_token(form.get("csrf"), user.csrf):
        raise HTTPException(403, "thiếu hoặc sai mã CSRF: hãy tải lại trang")
    return Posted(user, form)


Post = Annotated[Posted, Depends(posted)]


MAX_ID = 2**63 - 1  # the largest id a database column holds; beyond it nothing exists


def may_open(session: Session, user: Principal, document_id: int) -> Current:
    """The document's current extraction, if it exists and ``user`` may see it. A document
    ``user`` may not see answers exactly as one that does not exist (404, same message), so
    the answer never tells that it exists; an id no column can hold is a 404 too."""
    cur = current(session, document_id) if 0 < document_id <= MAX_ID else None
    if cur is None or not may_see_document(session, user, cur.document_id, cur.place):
        raise HTTPException(404, "không có văn bản này")
    return cur


def extraction(session: Session, cur: Current) -> ExtractionRow:
    row = session.scalar(select(ExtractionRow).where(ExtractionRow.id == cur.extraction_id))
    assert row is not None
    return row
