"""The reviewer's desk beyond one document: the queue, and the whole history for admins.

Routes only; what they read is in ``review.queue`` and ``review.history``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from baocao.review.app import render, scope
from baocao.review.deps import User
from baocao.review.history import all_history
from baocao.review.queue import QueueFilters, queue_page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, user: User, place: str = "", period: str = "",
          indicator: str = "", state: str = "", page: Annotated[int, Query(ge=1)] = 1
          ) -> Response:
    filters = QueueFilters(place[:200], period[:100], indicator[:64], state[:16], page)
    with scope(request) as session:
        found = queue_page(session, user, filters)
    return render(request, "queue.html", user=user, q=found, f=filters)



@router.get("/history", response_class=HTMLResponse)
def everything(request: Request, user: User) -> Response:
    if not user.is_admin:
        raise HTTPException(403, "chỉ quản trị viên xem được toàn bộ lịch sử")
    with scope(request) as session:
        entries = all_history(session)
    return render(request, "history.html", user=user, cur=None, x=None, entries=entries)


