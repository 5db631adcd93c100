"""The review app's safety: login everywhere, CSRF on every POST, escaping, no path from a
request reaching the disk, security headers, places, session expiry — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select, update

from baocao.review.auth import add_user, authenticate, hash_password, verify_password
from baocao.store.db import session_scope
from baocao.store.models import AuditRow, LoginAttemptRow, SessionRow, UserRow, utcnow
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


def test_wrong_password_and_unknown_user_are_refused_and_recorded_apart(
        review_db: ReviewDB) -> None:
    client = review_db.client()
    for name, password in (("an", "wrong-password"), ("nobody", PASSWORD)):
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"csrf": token, "name": name,
                                               "password": password})
        assert response.status_code == 401
        assert "không đúng" in response.text
    with session_scope(review_db.url) as session:
        attempts = session.execute(select(LoginAttemptRow.name, LoginAttemptRow.client,
                                          LoginAttemptRow.ok, LoginAttemptRow.reason)
                                   .order_by(LoginAttemptRow.id)).all()
        audited = set(session.scalars(select(AuditRow.action)))
    assert [tuple(a) for a in attempts] == [("an", "testclient", False, "password"),
                                            ("nobody", "testclient", False, "unknown")]
    assert "session.login_failed" not in audited  # failures stay out of the audit


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


def test_reviewer_limited_to_a_place_gets_the_404_of_a_missing_document(
        review_db: ReviewDB) -> None:
    chi = review_db.client("chi")  # Đắk Song only: seed 004 and its PDF
    own = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    other = review_db.doc_id("001_422e18ebd3f30e83.txt")  # Bình Phước
    missing = max(review_db.ids.values()) + 1000
    assert chi.get(f"/doc/{own}").status_code == 200
    token = review_db.csrf(chi, f"/doc/{own}")
    for path in ("/doc/{}", "/doc/{}/history", "/export.csv?document={}",
                 "/doc/{}/fact/" + KEY):
        hidden, absent = chi.get(path.format(other)), chi.get(path.format(missing))
        assert hidden.status_code == absent.status_code == 404, path
        # nothing tells a document the reviewer may not see from one that does not exist
        assert hidden.text == absent.text, path
        assert "Bình Phước" not in hidden.text
    hidden = chi.post(f"/doc/{other}/reviewed", data={"csrf": token, "version": "1"})
    absent = chi.post(f"/doc/{missing}/reviewed", data={"csrf": token, "version": "1"})
    assert hidden.status_code == absent.status_code == 404 and hidden.text == absent.text
    queue = chi.get("/").text
    assert f'href="/doc/{own}"' in queue and f'href="/doc/{other}"' not in queue
    assert chi.get("/history").status_code == 403
    export = chi.get("/export.csv").text
    assert "Bình Phước" not in export and "Đắk Song" in export


def test_users_add_hashes_with_argon2id_and_audits(review_db: ReviewDB) -> None:
    with session_scope(review_db.url) as session:
        user = add_user(session, "dung", "reviewer", "mot-mat-khau", ["Đắk Song", " "])
        assert user.password_changed_at is not None and not user.all_places
        assert user.password_hash.startswith("$argon2id$")
        assert user.allowed_places == ["Đắk Song"]
        assert authenticate(session, "dung", "mot-mat-khau") is not None
        assert authenticate(session, "dung", "sai-mat-khau") is None
        row = session.scalar(select(AuditRow).where(AuditRow.action == "user.add"))
        assert row is not None and "hash" not in str(row.after)
    assert verify_password(hash_password("x" * 8), "x" * 8)


@pytest.mark.parametrize("name,role,password,places,why", [
    ("", "reviewer", "bon-mua-thu-ha", ["Đắk Song"], "a name is"),
    ("a b", "reviewer", "bon-mua-thu-ha", ["Đắk Song"], "a name is"),
    ("ok", "boss", "bon-mua-thu-ha", ["Đắk Song"], "role must"),
    ("ok", "reviewer", "short", ["Đắk Song"], "at least 10"),
    ("ok", "admin", "mua-thu-ha", [], "at least 12"),  # 10 is enough for a reviewer only
    ("ok", "admin", "12345678", [], "at least 12"),
    ("ok", "admin", "123456789012", [], "sequence"),
    ("ok", "reviewer", "Password2024!", ["Đắk Song"], "common"),
    ("ok", "reviewer", "bon-mua-thu-ha", [], "needs --places or --all-places"),
    ("ok", "reviewer", "bon-mua-thu-ha", ["Dak Song"], "not spelled as stored"),
    ("ok", "reviewer", "bon-mua-thu-ha", ["Đak Sông Xa"], "unknown place"),
    ("an", "reviewer", "bon-mua-thu-ha", ["Đắk Song"], "already exists")])
def test_users_add_refuses_bad_requests(review_db: ReviewDB, name: str, role: str,
                                        password: str, places: list[str], why: str) -> None:
    from baocao.review.auth import AccountError

    with pytest.raises(AccountError, match=why), session_scope(review_db.url) as session:
        add_user(session, name, role, password, places)
    with session_scope(review_db.url) as session:  # nothing was written
        assert session.scalar(select(UserRow.id).where(UserRow.name == "ok")) is None
        assert not session.scalars(select(AuditRow).where(AuditRow.action == "user.add")).all()


def test_inactive_user_cannot_log_in(review_db: ReviewDB) -> None:
    with session_scope(review_db.url) as session:
        session.execute(update(UserRow).where(UserRow.name == "binh").values(active=False))
    client = review_db.client()
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"csrf": token, "name": "binh",
                                       "password": PASSWORD}).status_code == 401


# ── issue 15, items 9 and 10 and the low ones: lockout, throttling, the argon2 cap, the login
#    log, Secure cookies, caching, error pages, old sessions ───────────────────────────────────

def _try(client: Any, name: str, password: str, **headers: str) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password},
                       headers=headers, follow_redirects=False)


def test_a_name_is_locked_after_five_wrong_passwords(review_db: ReviewDB) -> None:
    from baocao.review.accounts import unlock

    client = review_db.client()
    for _ in range(5):
        assert _try(client, "an", "sai-mat-khau").status_code == 401
    locked = _try(client, "an", PASSWORD)  # the right password during the lockout
    assert locked.status_code == 429
    assert "tạm khoá" in locked.text and "quản trị viên mở khoá" in locked.text
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "bc_session" not in client.cookies
    with session_scope(review_db.url) as session:
        user = session.scalar(select(UserRow).where(UserRow.name == "an"))
        assert user is not None and user.failed_logins == 5 and user.locked_until is not None
        reasons = session.scalars(select(LoginAttemptRow.reason).order_by(LoginAttemptRow.id))
        assert list(reasons) == ["password"] * 5 + ["locked"]
        assert unlock(session, "an") is True  # `baocao users unlock an`
    assert _try(client, "an", PASSWORD).status_code == 303
    with session_scope(review_db.url) as session:
        user = session.scalar(select(UserRow).where(UserRow.name == "an"))
        assert user is not None and user.failed_logins == 0 and user.locked_until is None


def test_a_lockout_ends_by_itself_and_old_failures_do_not_count(review_db: ReviewDB) -> None:
    client = review_db.client()
    for _ in range(5):
        _try(client, "chi", "sai-mat-khau")
    assert _try(client, "chi", PASSWORD).status_code == 429
    with session_scope(review_db.url) as session:  # fifteen minutes later
        session.execute(update(UserRow).where(UserRow.name == "chi")
                        .values(locked_until=utcnow() - timedelta(seconds=1)))
        session.execute(update(LoginAttemptRow).values(at=utcnow() - timedelta(minutes=16)))
    for _ in range(4):  # four new failures, the old ones out of the window: no lock
        assert _try(client, "chi", "sai-mat-khau").status_code == 401
    assert _try(client, "chi", PASSWORD).status_code == 303


def test_unknown_names_are_locked_alike(review_db: ReviewDB) -> None:
    client = review_db.client()
    for _ in range(5):
        assert _try(client, "khong-co", "sai-mat-khau").status_code == 401
    refused = _try(client, "khong-co", "sai-mat-khau")
    assert refused.status_code == 429 and "tạm khoá" in refused.text  # as for a real name


def test_one_address_is_throttled_whatever_the_names(review_db: ReviewDB) -> None:
    from baocao.review.app import create_app
    from baocao.review.auth import Throttle

    review_db.app = create_app(review_db.url, throttle=Throttle(client_limit=3))
    client = review_db.client()
    for name in ("x1", "x2", "an"):
        assert _try(client, name, "sai-mat-khau").status_code == 401
    refused = _try(client, "binh", PASSWORD)  # right credentials, from the same address
    assert refused.status_code == 429 and "từ địa chỉ này" in refused.text
    # X-Forwarded-For is not believed without --trusted-proxy: still the same address
    assert _try(client, "binh", PASSWORD, **{"X-Forwarded-For": "10.1.1.1"}).status_code == 429


def test_forwarded_address_only_behind_a_trusted_proxy(review_db: ReviewDB) -> None:
    from baocao.review.app import create_app

    for trusted, expected in ((False, "testclient"), (True, "10.1.1.7")):
        review_db.app = create_app(review_db.url, trusted_proxy=trusted)
        client = review_db.client()
        forwarded = {"X-Forwarded-For": "203.0.113.9, 10.1.1.7"}
        assert _try(client, "an", PASSWORD, **forwarded).status_code == 303
        with session_scope(review_db.url) as session:
            attempt = session.scalars(select(LoginAttemptRow.client)
                                      .order_by(LoginAttemptRow.id.desc())).first()
            opened = session.scalars(select(SessionRow.client)
                                     .order_by(SessionRow.created_at.desc())).first()
            login = session.scalars(select(AuditRow).where(AuditRow.action == "session.login")
                                    .order_by(AuditRow.id.desc())).first()
        assert attempt == opened == expected
        assert login is not None and login.after == {"client": expected}
    token = review_db.csrf(client)
    client.post("/logout", data={"csrf": token}, headers=forwarded)
    with session_scope(review_db.url) as session:
        out = session.scalar(select(AuditRow).where(AuditRow.action == "session.logout"))
    assert out is not None and out.after == {"client": "10.1.1.7"}


def test_password_checks_run_at_most_slots_at_once(review_db: ReviewDB,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """40 parallel wrong logins against a real server: the argon2 checks actually running at
    once (counted around the real verify) never exceed the gate's slots; the rest wait, and
    those that find no slot in time get a Vietnamese 503 page."""
    import os
    import threading

    import httpx

    from baocao.review import auth
    from baocao.review.app import create_app
    from baocao.review.auth import Throttle
    from baocao.review.demo import Server

    lock, running, most, nice = threading.Lock(), [0], [0], set()
    real = auth.verify_password

    def counted(password_hash: str, password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            nice.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        try:
            return real(password_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(auth, "verify_password", counted)
    app = create_app(review_db.url, login_slots=2, login_wait=0.3,
                     throttle=Throttle(client_limit=1000))  # the address throttle aside
    statuses: list[int] = []
    texts: list[str] = []

    def attempt(base: str, i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            token = csrf_of(c.get("/login").text)
            r = c.post("/login", data={"csrf": token, "name": f"ke-la-{i}",
                                       "password": "sai-mat-khau"})
            with lock:
                statuses.append(r.status_code)
                texts.append(r.text)

    with Server(app) as base:
        threads = [threading.Thread(target=attempt, args=(base, i)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert len(statuses) == 40 and set(statuses) <= {401, 503}
    assert 1 <= most[0] <= 2  # never more argon2 work at once than slots
    # ... and it runs below the pages' priority (Linux: nice is per thread)
    assert nice == {min(19, os.getpriority(os.PRIO_PROCESS, 0) + auth.LOGIN_NICE)}
    gate = app.state.login_gate
    assert gate.peak <= 2 and statuses.count(503) == gate.refused
    assert statuses.count(401) >= 2
    busy = [t for s, t in zip(statuses, texts, strict=True) if s == 503]
    assert all("Máy chủ đang bận" in t for t in busy)
    with session_scope(review_db.url) as session:
        reasons = list(session.scalars(select(LoginAttemptRow.reason)))
    assert reasons.count("busy") == statuses.count(503) and len(reasons) == 40


def test_a_full_gate_answers_busy_then_lets_logins_through(review_db: ReviewDB) -> None:
    import anyio

    from baocao.review.app import create_app

    review_db.app = create_app(review_db.url, login_slots=1, login_wait=0.05)
    gate = review_db.app.state.login_gate
    assert anyio.run(gate.enter)  # someone else's password check holds the only slot
    client = review_db.client()
    busy = _try(client, "an", PASSWORD)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert "Máy chủ đang bận" in busy.text and busy.headers["x-frame-options"] == "DENY"
    gate.leave()
    assert _try(client, "an", PASSWORD).status_code == 303


def test_an_address_turned_away_busy_is_throttled_but_no_name_is_locked(
        review_db: ReviewDB) -> None:
    import anyio

    from baocao.review.app import create_app
    from baocao.review.auth import Throttle

    review_db.app = create_app(review_db.url, login_slots=1, login_wait=0.05,
                               throttle=Throttle(client_limit=2))
    gate = review_db.app.state.login_gate
    assert anyio.run(gate.enter)
    client = review_db.client()
    assert [_try(client, "an", PASSWORD).status_code for _ in range(2)] == [503, 503]
    gate.leave()
    throttled = _try(client, "an", PASSWORD)
    assert throttled.status_code == 429 and "từ địa chỉ này" in throttled.text
    with session_scope(review_db.url) as session:
        an = session.scalar(select(UserRow).where(UserRow.name == "an"))
        assert an is not None and an.failed_logins == 0 and an.locked_until is None


def test_admin_login_log_pages_and_filters(review_db: ReviewDB) -> None:
    from baocao.review.app import VIETNAM, create_app

    review_db.app = create_app(review_db.url, trusted_proxy=True)
    client = review_db.client()
    _try(client, "<b>ke-la</b>", "x" * 12, **{"X-Forwarded-For": "198.51.100.4"})
    _try(client, "chi", "sai-mat-khau", **{"X-Forwarded-For": "198.51.100.4"})
    _try(client, "an", PASSWORD, **{"X-Forwarded-For": "192.0.2.1"})
    with session_scope(review_db.url) as session:  # older attempts, to page through
        for i in range(120):
            session.add(LoginAttemptRow(name=f"cu-{i:03}", client="192.0.2.50", ok=i % 2 == 0,
                                        reason="ok" if i % 2 == 0 else "password",
                                        at=utcnow() - timedelta(days=2, minutes=i)))
    page = client.get("/admin/logins")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "123 lượt đăng nhập" in page.text and "trang 1/3" in page.text
    rows = re.findall(r'<tr class="(ok|failed)">', page.text)
    assert len(rows) == 50
    first = page.text.index("&lt;b&gt;ke-la&lt;/b&gt;")  # newest first, escaped
    assert "<b>ke-la</b>" not in page.text and first < page.text.index("cu-000")
    assert "198.51.100.4" in page.text and "không có tài khoản này" in page.text
    assert "sai mật khẩu" in page.text and "thành công" in page.text
    last = client.get("/admin/logins?page=3").text
    assert len(re.findall(r'<tr class="(ok|failed)">', last)) == 23 and 'id="next"' not in last
    failed = client.get("/admin/logins?failed=1&client=198.51.100.4").text
    assert len(re.findall(r'<tr class="failed">', failed)) == 2 and 'class="ok"' not in failed
    named = client.get("/admin/logins?name=chi").text
    assert "1 lượt đăng nhập" in named
    today = datetime.now(VIETNAM).date().isoformat()
    assert "3 lượt đăng nhập" in client.get(f"/admin/logins?day={today}").text
    paged = client.get("/admin/logins?failed=1").text
    assert 'href="/admin/logins?failed=1&amp;page=2"' in paged
    bad = client.get("/admin/logins?day=9999-99-99")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    assert client.get("/admin/logins?page=0").status_code == 422
    for reviewer in ("chi", "binh"):
        other = review_db.client(reviewer)
        refused = other.get("/admin/logins")
        assert refused.status_code == 403 and "198.51.100.4" not in refused.text


@pytest.mark.parametrize("secure", [False, True])
def test_secure_cookies_setting(review_db: ReviewDB, secure: bool) -> None:
    from fastapi.testclient import TestClient

    from baocao.review.app import create_app

    review_db.app = create_app(review_db.url, secure_cookies=secure)
    client = TestClient(review_db.app, base_url="https://testserver")  # behind TLS
    review_db.clients.append(client)
    form = client.get("/login")
    assert ("; secure" in form.headers["set-cookie"].lower()) is secure
    signed = _try(client, "an", PASSWORD)
    cookies = [c for c in signed.headers.get_list("set-cookie") if c.startswith("bc_session=")]
    assert len(cookies) == 1 and ("; secure" in cookies[0].lower()) is secure
    assert "httponly" in cookies[0].lower() and "samesite=strict" in cookies[0].lower()


def test_pages_and_page_images_are_never_cached(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    pdf = review_db.doc_id("004_1ab22aee8a00dbb0.pdf")
    image = client.get(f"/doc/{pdf}/page/1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    for response in (image, client.get(f"/doc/{pdf}"), client.get("/export.csv"),
                     client.get("/login"), client.get("/doc/999999")):
        assert response.headers["cache-control"] == "no-store", response.url
    assert client.get("/static/review.css").headers["cache-control"].startswith("public")


def test_malformed_requests_get_vietnamese_pages_with_headers(review_db: ReviewDB) -> None:
    client = review_db.client("an")
    doc = review_db.doc_id("004_1ab22aee8a00dbb0.txt")
    for path, status in (("/export.csv?document=²", 422), ("/doc/²", 404),
                         ("/doc/99999999999999999999999", 404), (f"/doc/{2**63}", 404),
                         (f"/doc/{doc}/page/0", 404), ("/?page=0", 422),
                         ("/khong-co-trang-nay", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert '"detail"' not in response.text and "Not Found" not in response.text, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["cache-control"] == "no-store", path
        assert f"Lỗi {status}" in response.text, path
    assert "Tham số không hợp lệ: document." in client.get("/export.csv?document=²").text
    assert "Không có trang này." in client.get("/khong-co-trang-nay").text


def test_a_crash_is_a_vietnamese_500_page_with_headers(review_db: ReviewDB) -> None:
    from fastapi.testclient import TestClient

    @review_db.app.get("/thu-loi")
    def broken() -> None:
        raise RuntimeError("secret internals /etc/baocao")

    client = TestClient(review_db.app, raise_server_exceptions=False)
    response = client.get("/thu-loi")
    assert response.status_code == 500
    assert "Máy chủ gặp lỗi" in response.text and "secret internals" not in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    client.close()


def test_old_sessions_and_attempts_are_cleaned_at_login(review_db: ReviewDB) -> None:
    now = utcnow()
    with session_scope(review_db.url) as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.name == "chi"))
        for sid, ended, expires in (("a" * 64, now - timedelta(days=31), now),
                                    ("b" * 64, None, now - timedelta(days=31)),
                                    ("c" * 64, now - timedelta(days=1), now),
                                    ("d" * 64, None, now + timedelta(hours=1))):
            session.add(SessionRow(id=sid, user_id=user_id, csrf="x", created_at=now,
                                   last_seen_at=now, expires_at=expires, ended_at=ended))
        session.add(LoginAttemptRow(name="chi", client="x", ok=False, reason="password",
                                    at=now - timedelta(days=400)))
        session.add(LoginAttemptRow(name="chi", client="x", ok=False, reason="password",
                                    at=now - timedelta(days=40)))
    review_db.client("an")
    with session_scope(review_db.url) as session:
        kept = set(session.scalars(select(SessionRow.id)))
        ages = list(session.scalars(select(LoginAttemptRow.at)))
    assert {"c" * 64, "d" * 64} <= kept and not {"a" * 64, "b" * 64} & kept
    assert len(kept) == 3  # and the new session of "an"
    assert len(ages) == 2  # the 40-day-old failure and this login: the 400-day one is gone


def test_control_characters_in_the_login_form_are_refused_cleanly(review_db: ReviewDB) -> None:
    client = review_db.client()
    for name in ("an\x00", "\x00", "a" * 5000):
        response = _try(client, name, "pass\x00word-dai")
        assert response.status_code == 401 and "không đúng" in response.text
