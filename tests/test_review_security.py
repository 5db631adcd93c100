"""The review app's safety: login everywhere, CSRF on every POST, escaping, no path from a
request reaching the disk, security headers, places, session expiry — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select, update

from baocao.review.auth import add_user, authenticate, hash_password, verify_password
from baocao.store.db import session_scope
from baocao.store.models import AuditRow, SessionRow, UserRow, utcnow
from tests.review_support import PASSWORD, ReviewDB, csrf_of, review_db  # noqa: F401

pytest_plugins = ["tests.conftest_db"]

KEY = "0" * 40


def _flat(routes: list[Any]) -> Iterator[APIRoute]:
    """APIRoutes, included routers opened (FastAPI wraps them in recent versions)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None) or getattr(route, "routes", None)
        if inner is not None:
            yield from _flat(getattr(inner, "routes", inner))


def _routes(db: ReviewDB) -> list[tuple[str, str]]:
    """Every route of the app as (method, a concrete path)."""
    out = []
    for route in _flat(db.app.routes):
        path = (route.path.replace("{document_id}", "1").replace("{key}", KEY)
                .replace("{page}", "1").replace("{name}", "review.css"))
        out.extend((method, path) for method in route.methods)
    return out


def test_every_route_but_login_and_static_requires_a_login(review_db: ReviewDB) -> None:
    client = review_db.client()
    checked = 0
    for method, path in _routes(review_db):
        if path in ("/login", "/static/review.css"):
            continue
        response = client.request(method, path, follow_redirects=False,
                                  data={"csrf": "x"} if method == "POST" else None)
        if method == "GET":
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next="), path
        else:
            assert response.status_code == 401, (method, path)
        assert "Đắk Song" not in response.text and "hồ sơ" not in response.text
        checked += 1
    assert checked >= 10


def test_every_post_requires_the_session_csrf_token(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    posts = [path.replace("/doc/1/", f"/doc/{doc}/") for method, path in _routes(review_db)
             if method == "POST" and path != "/login"]
    assert len(posts) >= 4
    for path in posts:
        for form in ({}, {"csrf": "forged"}, {"csrf": ""}):
            response = client.post(path, data={**form, "version": "0", "action": "accept"},
                                   follow_redirects=False)
            assert response.status_code == 403, (path, form)
    with session_scope(review_db.url) as session:  # nothing was written but the login
        actions = set(session.scalars(select(AuditRow.action)))
    assert actions == {"session.login"}


def test_login_form_needs_its_own_csrf_cookie(review_db: ReviewDB) -> None:
    client = review_db.client()
    token = csrf_of(client.get("/login").text)
    client.cookies.clear()  # a foreign site posting the form has no bc_login cookie
    response = client.post("/login", data={"csrf": token, "name": "an", "password": PASSWORD})
    assert response.status_code == 403


def test_foreign_origin_post_is_refused(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    token = review_db.csrf(client)
    response = client.post("/logout", data={"csrf": token},
                           headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_wrong_password_and_unknown_user_are_refused_and_audited(review_db: ReviewDB) -> None:
    client = review_db.client()
    for name, password in (("an", "wrong-password"), ("nobody", PASSWORD)):
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"csrf": token, "name": name,
                                               "password": password})
        assert response.status_code == 401
        assert "không đúng" in response.text
    with session_scope(review_db.url) as session:
        failed = session.scalars(select(AuditRow.actor).where(
            AuditRow.action == "session.login_failed")).all()
    assert sorted(failed) == ["an", "nobody"]


def test_logout_ends_the_session_server_side(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    cookie = client.cookies.get("bc_session")
    assert client.post("/logout", data={"csrf": review_db.csrf(client)},
                       follow_redirects=False).status_code == 303
    client.cookies.set("bc_session", cookie)  # a copy of the cookie is worth nothing now
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
def test_sessions_expire(review_db: ReviewDB, column: str) -> None:
    client = review_db.client("an")
    assert client.get("/", follow_redirects=False).status_code == 200
    with session_scope(review_db.url) as session:
        session.execute(update(SessionRow).values(**{column: utcnow() - timedelta(hours=9)}))
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?expired=1")
    assert "bc_session=" in response.headers.get("set-cookie", "")  # the cookie is dropped
    assert "hết hạn" in client.get(response.headers["location"]).text


def test_idle_timeout_setting(review_db: ReviewDB) -> None:
    from baocao.review.app import create_app

    review_db.app = create_app(review_db.url, idle=timedelta(seconds=-1))
    client = review_db.client()
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf": token, "name": "an", "password": PASSWORD})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_security_headers_on_pages_and_static(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    for path in ("/login", "/", "/static/review.js", "/doc/999999"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
    assert client.get("/").headers["cache-control"] == "no-store"


def test_html_in_a_document_is_escaped(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    doc = review_db.ids["script.html"]
    html = client.get(f"/doc/{doc}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "onclick" not in html and "onerror=" not in html.replace("&lt;img src=x onerror=", "")
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == [re.search(r'<script src="/static/review\.js\?v=\w+" defer>', html)[0]]
    queue = client.get("/").text
    assert "<script>alert" not in queue


def test_no_path_from_a_request_reaches_the_disk(review_db: ReviewDB, tmp_path) -> None:  # noqa: ANN001
    client = review_db.client("an")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.pdf")
    attempts = ["/static/../app.py", "/static/..%2Fapp.py", "/static/%2Fetc%2Fpasswd",
                f"/static/{secret}", "/static/..%2F..%2Fpyproject.toml",
                f"/doc/{doc}/page/..%2F..%2Fetc%2Fpasswd", f"/doc/{doc}/page/{secret}",
                f"/doc/{doc}/fact/..%2F..%2Fetc%2Fpasswd", f"/doc/{doc}?fact=../../etc/passwd",
                f"/doc/{doc}/page/1?path={secret}", f"/export.csv?document=../{secret}",
                f"/?place={secret}&period=../../etc&indicator=/etc/passwd",
                f"/login?next={secret}", "/doc/%2Fetc%2Fpasswd"]
    for path in attempts:
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (200, 303, 404, 422), path
        assert "TOP-SECRET" not in response.text and "root:" not in response.text, path
        assert "def create_app" not in response.text and "[project]" not in response.text
    login = client.get("/login?next=//evil.example/x").text
    assert 'name="next" value="/"' in login


def test_reviewer_limited_to_a_place_gets_403_elsewhere(review_db: ReviewDB) -> None:
    chi = review_db.client("chi")  # Đắk Song only: seed 004 and its PDF
    own = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    other = review_db.doc_id("001_422e18ebd3f30e83.txt")  # Bình Phước
    assert chi.get(f"/doc/{own}").status_code == 200
    token = review_db.csrf(chi, f"/doc/{own}")
    for path in (f"/doc/{other}", f"/doc/{other}/history", f"/export.csv?document={other}",
                 f"/doc/{other}/fact/{KEY}"):
        assert chi.get(path).status_code == 403, path
    assert chi.post(f"/doc/{other}/reviewed", data={"csrf": token, "version": "1"}
                    ).status_code == 403
    queue = chi.get("/").text
    assert f'href="/doc/{own}"' in queue and f'href="/doc/{other}"' not in queue
    assert chi.get("/history").status_code == 403
    export = chi.get("/export.csv").text
    assert "Bình Phước" not in export and "Đắk Song" in export


def test_users_add_hashes_with_argon2id_and_audits(review_db: ReviewDB) -> None:
    with session_scope(review_db.url) as session:
        user = add_user(session, "dung", "reviewer", "mot-mat-khau", ["Đắk Song", " "])
        assert user.password_hash.startswith("$argon2id$")
        assert user.allowed_places == ["Đắk Song"]
        assert authenticate(session, "dung", "mot-mat-khau") is not None
        assert authenticate(session, "dung", "sai-mat-khau") is None
        row = session.scalar(select(AuditRow).where(AuditRow.action == "user.add"))
        assert row is not None and "hash" not in str(row.after)
    assert verify_password(hash_password("x" * 8), "x" * 8)


@pytest.mark.parametrize("name,role,password", [("", "reviewer", "longenough"),
                                                ("a b", "reviewer", "longenough"),
                                                ("ok", "boss", "longenough"),
                                                ("ok", "reviewer", "short"),
                                                ("an", "reviewer", "longenough")])
def test_users_add_refuses_bad_requests(review_db: ReviewDB, name: str, role: str,
                                        password: str) -> None:
    from baocao.review.auth import AccountError

    with pytest.raises(AccountError), session_scope(review_db.url) as session:
        add_user(session, name, role, password)


def test_inactive_user_cannot_log_in(review_db: ReviewDB) -> None:
    with session_scope(review_db.url) as session:
        session.execute(update(UserRow).where(UserRow.name == "binh").values(active=False))
    client = review_db.client()
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"csrf": token, "name": "binh",
                                       "password": PASSWORD}).status_code == 401
