"""Security headers on every response, and the CSRF rules every form follows.

Headers: a Content-Security-Policy allowing only this origin (no inline script or style, so
even an escaping mistake could not run injected code), no framing (``frame-ancestors`` and
``X-Frame-Options`` for older browsers), no MIME sniffing, no referrer leaving the site
(``same-origin``; with ``no-referrer`` browsers send ``Origin: null`` on form posts, which
the Origin check below refuses), and ``no-store`` on everything but the static files: pages,
page images and exports show reviewers' data, and nothing of it may be served from a cache
after logout (a route's own ``Cache-Control`` is overridden). Error responses carry the
headers too (the 500 page sets them itself: ``review.app._server_error``).

CSRF: every POST carries a ``csrf`` form field. Signed-in forms carry the session's own token
(synchronizer token, stored server-side in ``sessions.csrf``); the login form, which has no
session yet, carries the value of a random ``bc_login`` cookie (double submit), so a foreign
site cannot log a reviewer into an account of its choosing. The session cookie is also
``SameSite=Strict``, and a POST whose ``Origin`` names another site is refused before
its token is even looked at.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
STATIC_PREFIX = "/static/"  # the only responses a browser may keep (no reviewer's data)
SESSION_COOKIE = "bc_session"
LOGIN_COOKIE = "bc_login"


class SecurityHeaders:
    """Pure ASGI middleware: sets ``HEADERS``, and ``no-store`` outside ``/static/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if not static or "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def foreign_origin(origin: str | None, host: str | None) -> bool:
    """True when a request's ``Origin`` header names a site other than this one."""
    if not origin:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != (host or "").lower()


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (never ``//host`` or ``http://``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
