"""Accounts, password hashing, sessions and who may see which document.

Passwords are hashed with **argon2id** (argon2-cffi, RFC 9106 parameters: 3 passes, 64 MiB,
4 lanes, a random 16-byte salt per hash). Why argon2id rather than ``hashlib.scrypt``: it is
OWASP's first recommendation, it is memory-hard like scrypt, and its PHC string carries the
salt and the cost parameters with the hash, so raising the cost later only needs
``check_needs_rehash`` at the next login; no parameters or salts to store alongside.

Sessions live in the database (``store.models.SessionRow``), not in signed cookies: logout
and expiry then really end a session, whoever holds a copy of the cookie. The cookie carries a
random token; the table keeps its SHA-256. A session ends ``ttl`` after login or after
``idle`` without a request, whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from baocao.store.models import ROLES, AuditRow, LoginAttemptRow, SessionRow, UserRow, utcnow

_HASHER = PasswordHasher()
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
LAST_SEEN_STEP = timedelta(seconds=60)  # write last_seen at most once a minute per session


class AccountError(ValueError):
    """A user could not be created as asked (bad name, role, password, or a duplicate)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the routes see it (no ORM object outlives its session)."""

    id: int
    name: str
    role: str
    places: tuple[str, ...] = ()
    session_id: str = ""
    csrf: str = ""
    all_places: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_every_place(self) -> bool:
        """Admins, and reviewers granted "every place" explicitly (``all_places``)."""
        return self.is_admin or self.all_places

    def may_see(self, place: str | None) -> bool:
        """Every place for admins and explicit all-places grants; otherwise only the user's
        places. No places and no grant sees nothing (fail-closed); an unplaced document only
        with every place (or an assignment, checked by the caller)."""
        if self.sees_every_place:
            return True
        return place is not None and place in self.places


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def add_user(session: Session, name: str, role: str, password: str,
             places: list[str] | None = None, *, actor: str = "cli",
             all_places: bool = False) -> UserRow:
    """Create a user (audited). Raises AccountError when the request is not acceptable: a bad
    name or role, a weak password (``review.accounts.check_password``), a place that is not
    known as spelled, or a reviewer with neither places nor ``all_places`` (who would see
    nothing)."""
    from baocao.review.accounts import _check_known, check_password

    places = sorted({" ".join(p.split()) for p in places or [] if p.strip()})
    if not name or len(name) > 128 or not set(name) <= NAME_CHARS:
        raise AccountError("a name is 1-128 letters, digits or . _ - @")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password, name, role)
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise AccountError(f"user {name!r} already exists")
    if role == "admin":
        places, all_places = [], True
    elif not places and not all_places:
        raise AccountError("a reviewer needs --places or --all-places")
    _check_known(session, places)
    user = UserRow(name=name, role=role, password_hash=hash_password(password),
                   allowed_places=places, active=True, all_places=all_places,
                   password_changed_at=utcnow(), failed_logins=0)
    session.add(user)
    session.flush()
    session.add(AuditRow(actor=actor, action="user.add", entity="user", entity_id=str(user.id),
                         before=None, after={"name": name, "role": role, "places": places,
                                "all_places": all_places}))
    return user


def list_users(session: Session) -> list[dict[str, object]]:
    """Every account, without its hash (``baocao users list``; ``review.accounts``)."""
    from baocao.review.accounts import list_users as listed

    return listed(session)


def authenticate(session: Session, name: str, password: str) -> UserRow | None:
    """The active user with this name and password, else None (same cost either way)."""
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def start_session(session: Session, user: UserRow, ttl: timedelta,
                  client: str | None = None) -> str:
    """A new session for ``user`` opened from ``client``; returns the cookie's token (only its
    hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SessionRow(id=token_id(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                           created_at=now, last_seen_at=now, expires_at=now + ttl,
                           client=client[:64] if client else None))
    session.flush()
    return token


def resume_session(session: Session, token: str, idle: timedelta) -> Principal | None:
    """The signed-in user of ``token``, or None if it is unknown, ended, expired or idle."""
    row = session.get(SessionRow, token_id(token))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if aware(row.expires_at) <= now or aware(row.last_seen_at) + idle <= now:
        row.ended_at = now
        return None
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        return None
    if now - aware(row.last_seen_at) >= LAST_SEEN_STEP:
        row.last_seen_at = now
    return Principal(user.id, user.name, user.role, tuple(user.allowed_places or ()),
                     row.id, row.csrf, bool(user.all_places))


def end_session(session: Session, session_id: str) -> None:
    session.execute(update(SessionRow).where(SessionRow.id == session_id,
                                             SessionRow.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens; an empty or missing one never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


# ── signing in: lockout, throttling, the argon2 gate ─────────────────────────────────────────
#
# Every attempt is a row of ``login_attempts`` (name, client address, result), kept apart from
# the audit of decisions. A name is locked for ``lock_for`` after ``lock_after`` wrong
# passwords within ``window`` (``users.failed_logins``/``locked_until``; an unknown name is
# refused the same way from its attempts, so the answer does not tell which names exist); a
# client address with ``client_limit`` failures within ``window`` is refused whatever the
# name. A refused attempt costs no argon2 work. The argon2 work itself (64 MiB and ~0.1 s of a
# core a try) goes through ``LoginGate``: as many at once as the machine has cores, a short
# wait for a slot, then "busy" rather than an unbounded queue of 64 MiB hashes; the checks run
# in threads of lower CPU priority, so the pages of signed-in reviewers keep the cores.

FAILURES = ("password", "unknown", "inactive")  # reasons that count towards a name's lock
# an address is throttled on those and on attempts turned away busy (a flood's mark), while a
# name is never locked because the server was busy
CLIENT_FAILURES = (*FAILURES, "busy")


@dataclass(frozen=True)
class Throttle:
    """Lockout and throttling limits (``Settings.throttle``)."""

    lock_after: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    client_limit: int = 20
    keep_sessions: timedelta = timedelta(days=30)   # ended/expired rows deleted after this
    keep_attempts: timedelta = timedelta(days=365)


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before its password is even checked, and until when."""

    reason: str  # "locked" | "throttled"
    until: datetime


def refusal(session: Session, name: str, client: str, throttle: Throttle) -> Refusal | None:
    """A lockout of ``name`` or a throttle of ``client`` in force now, else None."""
    now = utcnow()
    since = now - throttle.window
    a = LoginAttemptRow
    failed = (a.ok.is_(False), a.reason.in_(FAILURES), a.at >= since)
    count, oldest = session.execute(select(func.count(), func.min(a.at)).where(
        a.client == client, a.ok.is_(False), a.reason.in_(CLIENT_FAILURES), a.at >= since)).one()
    if count >= throttle.client_limit:
        return Refusal("throttled", aware(oldest) + throttle.window)
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is not None:
        if user.locked_until is not None and aware(user.locked_until) > now:
            return Refusal("locked", aware(user.locked_until))
        return None
    count, latest = session.execute(select(func.count(), func.max(a.at))
                                    .where(a.name == name, *failed)).one()
    if count >= throttle.lock_after:
        return Refusal("locked", aware(latest) + throttle.lock_for)
    return None


def record_attempt(session: Session, name: str, client: str, ok: bool, reason: str,
                   user_id: int | None = None) -> None:
    session.add(LoginAttemptRow(name=name[:128], client=client[:64], ok=ok, reason=reason,
                                user_id=user_id, at=utcnow()))


def _count_failure(session: Session, user: UserRow, throttle: Throttle) -> None:
    """One more wrong password for ``user``: restart the count when the last one is older
    than the window; lock at ``lock_after``."""
    now = utcnow()
    last = session.scalar(select(func.max(LoginAttemptRow.at)).where(
        LoginAttemptRow.user_id == user.id, LoginAttemptRow.ok.is_(False),
        LoginAttemptRow.reason.in_(FAILURES)))
    recent = last is not None and aware(last) >= now - throttle.window
    user.failed_logins = (user.failed_logins or 0) + 1 if recent else 1
    if user.failed_logins >= throttle.lock_after:
        user.locked_until = now + throttle.lock_for


@dataclass(frozen=True)
class SignIn:
    """The outcome of an attempt: a session token, or why not (``until`` for a refusal)."""

    token: str | None
    reason: str  # ok | password | unknown | inactive | locked | throttled
    until: datetime | None = None
    user_id: int | None = None


def sign_in(session: Session, name: str, password: str, client: str, throttle: Throttle,
            ttl: timedelta) -> SignIn:
    """Check a lockout, then the password (argon2: call it inside a ``LoginGate`` slot);
    record the attempt; on success start a session from ``client`` and clean old rows."""
    refused = refusal(session, name, client, throttle)
    if refused is not None:
        record_attempt(session, name, client, False, refused.reason)
        return SignIn(None, refused.reason, refused.until)
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)  # the same cost as a wrong password
        reason = "unknown" if user is None else "inactive"
        record_attempt(session, name, client, False, reason, user.id if user else None)
        return SignIn(None, reason)
    if not verify_password(user.password_hash, password):
        _count_failure(session, user, throttle)
        record_attempt(session, name, client, False, "password", user.id)
        return SignIn(None, "password", user_id=user.id)
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    record_attempt(session, name, client, True, "ok", user.id)
    token = start_session(session, user, ttl, client)
    clean_old_rows(session, throttle)
    return SignIn(token, "ok", user_id=user.id)


def clean_old_rows(session: Session, throttle: Throttle) -> tuple[int, int]:
    """Delete sessions ended or expired ``keep_sessions`` ago and attempts older than
    ``keep_attempts`` (done at each successful login); how many of each."""
    now = utcnow()
    cut = now - throttle.keep_sessions
    s = SessionRow
    sessions = session.execute(delete(s).where(
        or_(s.ended_at < cut, s.expires_at < cut))).rowcount  # type: ignore[attr-defined]
    attempts = session.execute(delete(LoginAttemptRow).where(
        LoginAttemptRow.at < now - throttle.keep_attempts)).rowcount  # type: ignore[attr-defined]
    return int(sessions or 0), int(attempts or 0)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxy: bool) -> str:
    """The client's address: the TCP peer, or, only when the peer is a proxy we trust
    (``--trusted-proxy``), the last address of ``X-Forwarded-For`` (the one it appended)."""
    if trusted_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last[:64]
    return (peer or "?")[:64]


LOGIN_NICE = 10  # how much lower the password checks' threads run than the pages'


def _lower_priority() -> None:
    """Run this thread (and the threads argon2 starts from it) at a lower CPU priority: on
    Linux the nice value is per thread, so pages keep the cores during a login flood."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGIN_NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority
        pass


class LoginGate:
    """At most ``slots`` password checks at once, in threads of their own at a lower CPU
    priority (``run``); a request waits up to ``wait`` seconds for a slot (polling, so no
    thread is held while waiting) and at most ``queue`` wait at once; else ``enter`` is False
    and the caller answers "busy". ``peak``: the most checks ever run at once; ``refused``:
    attempts turned away."""

    def __init__(self, slots: int | None = None, wait: float = 2.0,
                 queue: int | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        # each check also holds a database connection (the pool has 15): at most 8 by default
        self.slots = max(1, slots or min(os.cpu_count() or 1, 8))
        self.wait = wait
        self.queue = queue if queue is not None else 8 * self.slots
        self._free = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self.active = self.peak = self.waiting = self.refused = 0
        self.executor = ThreadPoolExecutor(self.slots, thread_name_prefix="login",
                                           initializer=_lower_priority)

    async def run(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` in one of the gate's low-priority threads (after ``enter``)."""
        import asyncio
        import functools

        return await asyncio.get_running_loop().run_in_executor(
            self.executor, functools.partial(fn, *args))

    async def enter(self) -> bool:
        import anyio

        with self._lock:
            if self.waiting >= self.queue:
                self.refused += 1
                return False
            self.waiting += 1
        deadline = time.monotonic() + self.wait
        try:
            while not self._free.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    with self._lock:
                        self.refused += 1
                    return False
                await anyio.sleep(0.02)
        finally:
            with self._lock:
                self.waiting -= 1
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        return True

    def leave(self) -> None:
        with self._lock:
            self.active -= 1
        self._free.release()
