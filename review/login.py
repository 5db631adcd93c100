"""Signing in and out: the login form, the login POST and logout.

The login form carries its own CSRF token (a cookie scoped to ``/login``), since there is no
session yet; every attempt is recorded, and a successful one starts a server-side session
(``review.auth``).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baocao.review.app import render, scope
from baocao.review.auth import authenticate, end_session, same_token, start_session
from baocao.review.deps import Post, read_form
from baocao.review.security import LOGIN_COOKIE, SESSION_COOKIE, safe_next
from baocao.store.models import AuditRow

router = APIRouter()


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


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    if not same_token(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
        raise HTTPException(403, "thiếu hoặc sai mã CSRF: hãy tải lại trang")
    from starlette.concurrency import run_in_threadpool

    name, password = form.get("name", "")[:128], form.get("password", "")[:1024]
    token = await run_in_threadpool(_sign_in, request, name, password)
    if token is None:
        return render(request, "login.html", 401, csrf=form["csrf"],
                      next=safe_next(form.get("next")), expired=False, user=None,
                      error="Tên đăng nhập hoặc mật khẩu không đúng.")
    response = RedirectResponse(safe_next(form.get("next")), 303)
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=settings.secure_cookies,
                        max_age=int(settings.ttl.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _sign_in(request: Request, name: str, password: str) -> str | None:
    """A new session token for valid credentials (audited either way), else None."""
    settings = request.app.state.settings
    with scope(request) as session:
        user = authenticate(session, name, password)
        if user is None:
            session.add(AuditRow(actor=name or "?", action="session.login_failed",
                                 entity="user", entity_id=name[:64] or "?"))
            return None
        token = start_session(session, user, settings.ttl)
        session.add(AuditRow(user_id=user.id, actor=user.name, action="session.login",
                             entity="user", entity_id=str(user.id)))
        return token



@router.post("/logout")
def logout(request: Request, p: Post) -> Response:
    with scope(request) as session:
        end_session(session, p.user.session_id)
        session.add(AuditRow(user_id=p.user.id, actor=p.user.name, action="session.logout",
                             entity="user", entity_id=str(p.user.id)))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
