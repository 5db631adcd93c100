"""Signing in and out: the login form, the login POST, logout, and the admins' login log.

The login form carries its own CSRF token (a cookie scoped to ``/login``), since there is no
session yet. Every attempt is a row of ``login_attempts`` with its client address (the TCP
peer; ``X-Forwarded-For`` only with ``--trusted-proxy``), shown to admins at
``/admin/logins``; successful logins and logouts are also in the audit. Lockout, per-address
throttling and the cap on concurrent password checks (in low-priority threads of their own,
so pages keep the CPU during a flood of logins) are in ``review.auth``.
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from baocao.review.app import VIETNAM, local_time, render, scope
from baocao.review.auth import (
    SignIn,
    client_address,
    end_session,
    record_attempt,
    refusal,
    same_token,
    sign_in,
)
from baocao.review.deps import Post, User, read_form
from baocao.review.security import LOGIN_COOKIE, SESSION_COOKIE, safe_next
from baocao.store.models import AuditRow, LoginAttemptRow

router = APIRouter()
PAGE_SIZE = 50
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
BUSY = "Máy chủ đang bận xử lý nhiều lượt đăng nhập; hãy thử lại sau vài giây."


def client_of(request: Request) -> str:
    settings = request.app.state.settings
    return client_address(request.client.host if request.client else None,
                          request.headers.get("x-forwarded-for"), settings.trusted_proxy)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", expired: int = 0) -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", csrf=token, next=safe_next(next),
                      expired=bool(expired), error=None, user=None)
    _login_cookie(request, response, token)
    return response


def _login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.app.state.settings.secure_cookies, max_age=3600)


def _clean(text: str, limit: int) -> str:
    """A form value fit for the database: no control characters (NUL), at most ``limit``."""
    return "".join(c for c in text if c.isprintable())[:limit]


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    if not same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        raise HTTPException(403, "thiếu hoặc sai mã CSRF: hãy tải lại trang")
    name, password = _clean(form.get("name", ""), 128), form.get("password", "")[:1024]
    client = client_of(request)
    settings = request.app.state.settings
    refused = await run_in_threadpool(_refused, request, name, client)
    if refused is not None:  # locked or throttled: no password check at all
        return _answer(request, form, refused)
    gate = request.app.state.login_gate
    if not await gate.enter():
        await run_in_threadpool(_record_busy, request, name, client)
        return _answer(request, form, SignIn(None, "busy"))
    outcome: SignIn = await gate.run(_sign_in, request, name, password, client)
    if outcome.token is None:
        return _answer(request, form, outcome)
    response = RedirectResponse(safe_next(form.get("next")), 303)
    response.set_cookie(SESSION_COOKIE, outcome.token, httponly=True, samesite="strict",
                        path="/", secure=settings.secure_cookies,
                        max_age=int(settings.ttl.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _refused(request: Request, name: str, client: str) -> SignIn | None:
    with scope(request) as session:
        found = refusal(session, name, client, request.app.state.settings.throttle)
        if found is None:
            return None
        record_attempt(session, name, client, False, found.reason)
        return SignIn(None, found.reason, found.until)


def _record_busy(request: Request, name: str, client: str) -> None:
    with scope(request) as session:
        record_attempt(session, name, client, False, "busy")


def _sign_in(request: Request, name: str, password: str, client: str) -> SignIn:
    """Inside a gate slot, released here when the check ends (even if the request was
    cancelled meanwhile: the thread still runs the check to its end)."""
    settings = request.app.state.settings
    try:
        with scope(request) as session:
            outcome = sign_in(session, name, password, client, settings.throttle, settings.ttl)
            if outcome.token is not None:
                session.add(AuditRow(user_id=outcome.user_id, actor=name,
                                     action="session.login", entity="user",
                                     entity_id=str(outcome.user_id), after={"client": client}))
            return outcome
    finally:
        request.app.state.login_gate.leave()


def _answer(request: Request, form: dict[str, str], outcome: SignIn) -> Response:
    """The login form again with why: 401 wrong, 429 locked or throttled, 503 busy."""
    status, retry = 401, None
    message = WRONG
    if outcome.reason in ("locked", "throttled") and outcome.until is not None:
        status = 429
        retry = max(1, math.ceil((outcome.until - datetime.now(VIETNAM)).total_seconds()))
        at = local_time(outcome.until, "%H:%M")
        message = (f"Tài khoản này đang tạm khoá vì đăng nhập sai nhiều lần. Hãy thử lại sau "
                   f"{at} (giờ Việt Nam) hoặc nhờ quản trị viên mở khoá."
                   if outcome.reason == "locked" else
                   f"Có quá nhiều lần đăng nhập sai từ địa chỉ này. Hãy thử lại sau {at} "
                   "(giờ Việt Nam).")
    elif outcome.reason == "busy":
        status, retry, message = 503, 5, BUSY
    response = render(request, "login.html", status, csrf=form.get("csrf", ""),
                      next=safe_next(form.get("next")), expired=False, user=None,
                      error=message)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    return response


@router.post("/logout")
def logout(request: Request, p: Post) -> Response:
    with scope(request) as session:
        end_session(session, p.user.session_id)
        session.add(AuditRow(user_id=p.user.id, actor=p.user.name, action="session.logout",
                             entity="user", entity_id=str(p.user.id),
                             after={"client": client_of(request)}))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ── /admin/logins: every attempt, paged and filtered ─────────────────────────────────────────

@router.get("/admin/logins", response_class=HTMLResponse)
def logins(request: Request, user: User, name: str = "", client: str = "", failed: int = 0,
           day: str = "", page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """Login attempts, newest first, 50 a page; filters: name, client address, failed only,
    a day (Vietnam time, YYYY-MM-DD). Admins only."""
    if not user.is_admin:
        raise HTTPException(403, "chỉ quản trị viên xem được nhật ký đăng nhập")
    name, client = _clean(name.strip(), 128), _clean(client.strip(), 64)
    a = LoginAttemptRow
    where: list[Any] = []
    if name:
        where.append(a.name == name)
    if client:
        where.append(a.client == client)
    if failed:
        where.append(a.ok.is_(False))
    if day:
        try:
            start = datetime.combine(date.fromisoformat(day[:10]), datetime.min.time(),
                                     VIETNAM).astimezone(UTC)  # SQLite compares UTC text
        except ValueError:
            raise HTTPException(422, "ngày không hợp lệ: hãy viết theo dạng YYYY-MM-DD") from None
        where += [a.at >= start, a.at < start + timedelta(days=1)]
    with scope(request) as session:
        total = session.scalar(select(func.count()).select_from(a).where(*where)) or 0
        rows = session.scalars(select(a).where(*where).order_by(a.at.desc(), a.id.desc())
                               .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    filters = {k: v for k, v in (("name", name), ("client", client),
                                 ("failed", "1" if failed else ""), ("day", day[:10])) if v}

    def link(to: int) -> str:
        return "/admin/logins?" + urlencode({**filters, "page": to})

    return render(request, "logins.html", user=user, rows=rows, total=total, page=page,
                  pages=pages, f={"name": name, "client": client, "failed": bool(failed),
                                  "day": day[:10]},
                  prev=link(page - 1) if page > 1 else None,
                  next=link(page + 1) if page < pages else None)
