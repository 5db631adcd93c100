"""The reviewer's desk beyond one document's facts.

- ``/``: the queue (search, sort, filters, reports grouped with their renderings).
- ``/history``: the whole history, for admins.
- ``/admin/unplaced``: documents without a plausible place (admins), with assignment.
- ``/admin/assign`` (POST): assign or unassign a document to a reviewer (admins).
- ``/doc/{id}/meta``: a document's metadata, corrected by a reviewer who may see it or an
  admin (409 on a concurrent correction, the typed values and reason kept); admins also
  assign the document there.
- ``/doc/{id}/flags``: differences a re-ingest found against reviewers' corrections, each
  applied again or dropped (POST ``/doc/{id}/flags/{flag_id}``).
- ``/admin/stats``: decisions per reviewer and day, agreement of second reviews (admins).
- ``/review/second``: other reviewers' corrections to agree or disagree with (POST
  ``/review/second/{correction_id}``).

Routes only; what they read and write is in ``review.queue``, ``review.history``,
``review.meta``, ``review.flags`` and ``review.stats``; who may see a document is
``review.access.may_see_document`` (a document one may not see answers 404, like one that
does not exist).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from baocao.review.access import (
    effective_meta,
    may_see_document,
    place_choices,
    plausible_place,
)
from baocao.review.actions import Conflict, InvalidInput
from baocao.review.app import render, scope
from baocao.review.auth import Principal
from baocao.review.deps import Post, User
from baocao.review.flags import decide, flag_views
from baocao.review.history import all_history
from baocao.review.meta import (
    assign,
    assignees,
    read_meta,
    reviewers,
    save_meta,
    unassign,
    unplaced,
)
from baocao.review.queue import SORTS, QueueFilters, queue_page
from baocao.review.sources import Current, current
from baocao.review.stats import pending, reviewer_stats, second_review
from baocao.review.words import WORDS

router = APIRouter()
META_FORM = ("place", "doc_type", "number", "date_value", "title")


MAX_ID = 2**31 - 1   # ids and versions are 32-bit integers in the database


def _int(form: dict[str, str], name: str) -> int:
    value = form.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        raise HTTPException(400, f"{name}: số nguyên")
    return int(value)


def _known_id(value: int) -> int:
    """A path id that can name a row (anything else is a page that does not exist)."""
    if not 0 < value <= MAX_ID:
        raise HTTPException(404, "không có trang này")
    return value


def _reason(form: dict[str, str]) -> str | None:
    return form.get("reason", "").replace("\x00", "").strip()[:1000] or None


def _open(session: Session, user: Principal, document_id: int) -> Current:
    """The document's current extraction if it exists and ``user`` may see it (else 404)."""
    cur = current(session, document_id) if 0 < document_id <= MAX_ID else None
    if cur is None or not may_see_document(session, user, document_id, cur.place):
        raise HTTPException(404, "không có văn bản này")
    return cur


def _admin(user: Principal) -> None:
    if not user.is_admin:
        raise HTTPException(403, "chỉ quản trị viên mở được trang này")


def _page(request: Request, name: str, user: Principal, status: int = 200,
          **context: Any) -> Response:
    return render(request, name, status, user=user, L=WORDS, plausible=plausible_place,
                  **context)


# ── queue and history ──────────────────────────────────────────────────────────────────

@router.get("/", response_class=HTMLResponse)
def queue(request: Request, user: User, place: str = "", period: str = "",
          indicator: str = "", state: str = "", page: Annotated[int, Query(ge=1, le=10**6)] = 1,
          q: str = "", sort: str = "state") -> Response:
    def text(value: str, size: int) -> str:   # NUL is refused by PostgreSQL: never a match
        return value.replace("\x00", "")[:size]

    filters = QueueFilters(text(place, 200), text(period, 100), text(indicator, 64),
                           text(state, 16), page, text(q, 200),
                           sort if sort in SORTS else "state")
    with scope(request) as session:
        found = queue_page(session, user, filters)
    return _page(request, "queue.html", user, q=found, f=filters)


@router.get("/history", response_class=HTMLResponse)
def everything(request: Request, user: User) -> Response:
    _admin(user)
    with scope(request) as session:
        entries = all_history(session)
    return _page(request, "history.html", user, cur=None, x=None, entries=entries)


# ── unplaced documents and assignments ─────────────────────────────────────────────────

@router.get("/admin/unplaced", response_class=HTMLResponse)
def unplaced_documents(request: Request, user: User) -> Response:
    _admin(user)
    with scope(request) as session:
        rows = unplaced(session)
        people = reviewers(session)
    return _page(request, "unplaced.html", user, rows=rows, reviewers=people)


@router.post("/admin/assign")
def assignment(request: Request, p: Post) -> Response:
    _admin(p.user)
    document_id, user_id = _int(p.form, "document_id"), _int(p.form, "user_id")
    back = "/admin/unplaced" if p.form.get("back") == "unplaced" else f"/doc/{document_id}/meta"
    try:
        with scope(request) as session:
            if p.form.get("action") == "unassign":
                unassign(session, p.user, document_id, user_id, _reason(p.form))
            else:
                assign(session, p.user, document_id, user_id, _reason(p.form))
    except InvalidInput as e:
        return _page(request, "error.html", p.user, 422, code=422, message=str(e), back=back)
    return RedirectResponse(back, 303)


# ── a document's metadata ──────────────────────────────────────────────────────────────

def _meta_page(request: Request, user: Principal, document_id: int, status: int = 200,
               **extra: Any) -> Response:
    with scope(request) as session:
        cur = _open(session, user, document_id)
        meta = effective_meta(session, document_id)
        given = assignees(session, [document_id])[document_id] if user.is_admin else []
        people = reviewers(session) if user.is_admin else []
    form = extra.pop("form", None) or {n: meta.get(n) or "" for n in META_FORM}
    return _page(request, "meta.html", user, status, cur=cur, meta=meta, form=form,
                 places=place_choices(), assigned=given, reviewers=people, **extra)


@router.get("/doc/{document_id}/meta", response_class=HTMLResponse)
def meta_form(request: Request, user: User, document_id: int) -> Response:
    return _meta_page(request, user, document_id)


@router.post("/doc/{document_id}/meta")
def meta_save(request: Request, p: Post, document_id: int) -> Response:
    expected = _int(p.form, "version")
    typed = {n: p.form.get(n, "")[:1000] for n in META_FORM}
    reason = _reason(p.form)
    try:
        with scope(request) as session:
            cur = _open(session, p.user, document_id)
            save_meta(session, p.user, document_id, read_meta(typed), expected, reason)
            still = may_see_document(session, p.user, document_id, cur.place)
    except Conflict as e:
        return _meta_page(request, p.user, document_id, 409, form=typed, reason=reason,
                          conflict=str(e))
    except InvalidInput as e:
        return _meta_page(request, p.user, document_id, 422, form=typed, reason=reason,
                          error=str(e))
    if not still:   # moved to a place of someone else: back to the queue
        return RedirectResponse("/", 303)
    return RedirectResponse(f"/doc/{document_id}/meta?saved=1", 303)


# ── flags of a re-ingest ───────────────────────────────────────────────────────────────

@router.get("/doc/{document_id}/flags", response_class=HTMLResponse)
def flags(request: Request, user: User, document_id: int) -> Response:
    return _flags_page(request, user, document_id)


def _flags_page(request: Request, user: Principal, document_id: int, status: int = 200,
                **extra: Any) -> Response:
    with scope(request) as session:
        cur = _open(session, user, document_id)
        views = flag_views(session, cur)
        meta = effective_meta(session, document_id)
    return _page(request, "flags.html", user, status, cur=cur, meta=meta, flags=views, **extra)


@router.post("/doc/{document_id}/flags/{flag_id}")
def flag_decision(request: Request, p: Post, document_id: int, flag_id: int) -> Response:
    expected = _int(p.form, "version")
    sources = request.app.state.sources
    try:
        with scope(request) as session:
            cur = _open(session, p.user, document_id)
            decide(session, p.user, cur, _known_id(flag_id), p.form.get("decision", ""), expected,
                   _reason(p.form))
            _rerun_checks(session, sources, cur)
    except Conflict as e:
        return _flags_page(request, p.user, document_id, 409, error=str(e))
    except InvalidInput as e:
        return _flags_page(request, p.user, document_id, 422, error=str(e))
    return RedirectResponse(f"/doc/{document_id}/flags", 303)


def _rerun_checks(session: Session, sources: Any, cur: Current) -> None:
    """Rerun the checks with the corrections as they now stand (when the source is at hand)."""
    from baocao.review.deps import extraction
    from baocao.review.recheck import recheck

    doc = sources.document(session, cur, extraction(session, cur).text)
    if doc is not None:
        recheck(session, cur.extraction_id, doc)


# ── statistics and second review ───────────────────────────────────────────────────────

@router.get("/admin/stats", response_class=HTMLResponse)
def stats(request: Request, user: User) -> Response:
    _admin(user)
    with scope(request) as session:
        people, days = reviewer_stats(session)
    return _page(request, "stats.html", user, people=people, days=days)


@router.get("/review/second", response_class=HTMLResponse)
def second(request: Request, user: User) -> Response:
    return _second_page(request, user)


def _second_page(request: Request, user: Principal, status: int = 200, **extra: Any
                 ) -> Response:
    with scope(request) as session:
        items = pending(session, user)
    return _page(request, "second.html", user, status, items=items, **extra)


@router.post("/review/second/{correction_id}")
def second_verdict(request: Request, p: Post, correction_id: int) -> Response:
    expected = _int(p.form, "version")
    reason = _reason(p.form)
    try:
        with scope(request) as session:
            second_review(session, p.user, _known_id(correction_id), expected,
                          p.form.get("verdict", ""),
                          reason)
    except Conflict as e:
        return _second_page(request, p.user, 409, error=str(e))
    except InvalidInput as e:
        return _second_page(request, p.user, 422, error=str(e), kept={correction_id: reason})
    return RedirectResponse("/review/second", 303)
