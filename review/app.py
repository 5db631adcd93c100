"""The app factory: ``create_app(db_url)`` → a FastAPI app serving the review pages.

Why FastAPI + Jinja2: server-rendered pages keep the JavaScript to what the features need
(keyboard, text selection, page image), FastAPI's typed path and form parameters reject a
malformed id before any code runs, and its TestClient lets the unit tests drive the app in
process. Routes are plain ``def`` functions (SQLAlchemy is synchronous), run in a thread pool.

Everything is served from memory or the database: templates and static files are read once
at start-up from the package (never from a path in a request), there is no CDN and no web
font, so the app works offline.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from baocao.review.auth import LoginGate, Throttle
from baocao.review.security import HEADERS, SESSION_COOKIE, SecurityHeaders
from baocao.review.sources import Sources
from baocao.store.db import resolve_url, session_scope

HERE = Path(__file__).resolve().parent
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


@dataclass(frozen=True)
class Settings:
    """How the app runs; ``ttl``: a session's whole life, ``idle``: its life without requests;
    ``secure_cookies``: cookies only over HTTPS (set behind a TLS proxy); ``trusted_proxy``:
    the client address is the last of ``X-Forwarded-For`` (only behind a proxy that sets it);
    ``throttle``: lockout limits; ``login_slots``/``login_wait``: password checks at once
    (default: the cores) and how long an attempt waits for a slot."""

    db_url: str
    ttl: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)
    secure_cookies: bool = False
    trusted_proxy: bool = False
    throttle: Throttle = field(default_factory=Throttle)
    login_slots: int | None = None
    login_wait: float = 2.0


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, other requests get 401."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


def load_static() -> dict[str, StaticFile]:
    """The files of ``review/static``, read once; a request names one of these keys only."""
    files = {}
    for path in sorted((HERE / "static").iterdir()):
        if path.is_file():
            body = path.read_bytes()
            media = STATIC_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            files[path.name] = StaticFile(body, media or "application/octet-stream",
                                          hashlib.sha256(body).hexdigest()[:16])
    return files


def templates(static: dict[str, StaticFile]) -> Environment:
    """Jinja2 with autoescaping on for every template, whatever its name."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["static"] = lambda name: f"/static/{name}?v={static[name].etag}"
    env.filters["local_time"] = local_time
    env.filters["vi_number"] = vi_number
    from baocao.review.doc_labels import labels

    env.globals["words"] = labels  # the Vietnamese words of codes, for partials shared by pages
    return env


# Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975), so a fixed offset is exact
# and needs no tz database on the server.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_time(value: datetime | None, fmt: str = "%H:%M:%S %d/%m/%Y") -> str:
    """A stored UTC timestamp as a reviewer reads it: Vietnam's time, day first."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands timestamps back without their zone; they are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VIETNAM).strftime(fmt)


def vi_number(value: float | int | None, decimals: int | None = None) -> str:
    """A figure in vi-VN style: ``.`` between thousands, ``,`` before decimals (17.604; 89,4)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}" if decimals is not None else (
        f"{value:,}" if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15
        else f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}")
    if isinstance(value, float) and value.is_integer() and decimals is None:
        text = f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.env
    html = env.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def create_app(db_url: str | None = None, *, ttl: timedelta | None = None,
               idle: timedelta | None = None, secure_cookies: bool = False,
               **options: Any) -> FastAPI:
    """The review app over ``db_url`` (``--db`` > ``BAOCAO_DB`` > ``baocao.db``); ``options``:
    the other fields of ``Settings`` (trusted_proxy, throttle, login_slots, login_wait)."""
    from baocao.review import login, pages, posts, workflow

    settings = replace(Settings(resolve_url(db_url), ttl or Settings.ttl, idle or Settings.idle,
                                secure_cookies), **options)
    app = FastAPI(title="baocao review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.login_gate = LoginGate(settings.login_slots, settings.login_wait)
    app.state.static = load_static()
    app.state.env = templates(app.state.static)
    app.state.sources = Sources()
    _warm(app.state.env)
    app.add_middleware(SecurityHeaders)
    app.include_router(login.router)
    app.include_router(workflow.router)
    app.include_router(pages.router)
    app.include_router(posts.router)
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)

    @app.get("/static/{name}", include_in_schema=False)
    def static_file(name: str, request: Request) -> Response:
        found = app.state.static.get(name)
        if found is None:
            raise HTTPException(404, "no such file")
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers={"ETag": found.etag})
        return Response(found.body, media_type=found.media_type,
                        headers={"ETag": found.etag, "Cache-Control": "public, max-age=86400"})

    return app


def _warm(env: Environment) -> None:
    """Pay at start what the first request would: mapper configuration, template compiling."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def _login_required(request: Request, exc: LoginRequired) -> Response:
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = "?expired=1&next=" if exc.expired else "?next="
        response: Response = RedirectResponse("/login" + query + quote(target, safe=""), 303)
    else:
        response = render(request, "error.html", 401, code=401,
                          message="Phiên đăng nhập đã hết hạn hoặc chưa đăng nhập.", user=None)
    if exc.expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# What a reviewer reads for the errors Starlette raises with its English phrase.
MESSAGES = {400: "Yêu cầu không hợp lệ.", 401: "Chưa đăng nhập.", 403: "Bạn không có quyền xem trang này.",
            404: "Không có trang này.", 405: "Trang này không nhận yêu cầu kiểu này.",
            413: "Yêu cầu quá lớn.", 422: "Tham số không hợp lệ.",
            429: "Quá nhiều yêu cầu; hãy thử lại sau ít phút.",
            500: "Máy chủ gặp lỗi; lỗi đã được ghi lại, hãy thử lại hoặc báo quản trị viên.",
            503: "Máy chủ đang bận; hãy thử lại sau giây lát."}


def _message(code: int, detail: object) -> str:
    """The Vietnamese message of an error: the route's own, else ``MESSAGES``."""
    from http import HTTPStatus

    text = str(detail or "")
    try:
        default = HTTPStatus(code).phrase
    except ValueError:
        default = ""
    if not text or text == default:
        return MESSAGES.get(code, f"Lỗi {code}.")
    return text


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    response = render(request, "error.html", exc.status_code, code=exc.status_code,
                      message=_message(exc.status_code, exc.detail),
                      user=getattr(request.state, "user", None))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A malformed path, query or form value (``/doc/abc``, ``?version=²``): a Vietnamese
    page, never FastAPI's JSON; a path that is not one of ours is a 404. The value itself is
    not echoed."""
    errors = exc.errors()
    on_path = any(e.get("loc", ("",))[0] == "path" for e in errors)
    code = 404 if on_path else 422
    fields = sorted({str(e["loc"][-1]) for e in errors if len(e.get("loc", ())) > 1})
    message = MESSAGES[code] if on_path else (
        "Tham số không hợp lệ: " + ", ".join(fields) + "." if fields else MESSAGES[422])
    return render(request, "error.html", code, code=code, message=message,
                  user=getattr(request.state, "user", None))


def _server_error(request: Request, exc: Exception) -> Response:
    """Any other exception: a plain Vietnamese 500 page with the security headers (Starlette
    sends this one outside the middleware, so it sets them itself). The exception is still
    raised on for the server's log."""
    try:
        response: Response = render(request, "error.html", 500, code=500, message=MESSAGES[500],
                                    user=None)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        response = HTMLResponse("<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">"
                                f"<title>Lỗi 500</title><p>{MESSAGES[500]}</p></html>", 500)
    response.headers.update(HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response


def db(request: Request) -> str:
    return str(request.app.state.settings.db_url)


def scope(request: Request) -> Any:
    """A database session for one request (commits at the end of the block)."""
    return session_scope(db(request))
