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
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from baocao.store.models import ROLES, AuditRow, SessionRow, UserRow, utcnow

_HASHER = PasswordHasher()
MIN_PASSWORD = 8
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
    """Create a user (audited). Raises AccountError when the request is not acceptable."""
    places = sorted({p.strip() for p in places or [] if p.strip()})
    if not name or len(name) > 128 or not set(name) <= NAME_CHARS:
        raise AccountError("a name is 1-128 letters, digits or . _ - @")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise AccountError(f"user {name!r} already exists")
    user = UserRow(name=name, role=role, password_hash=hash_password(password),
                   allowed_places=places, active=True, all_places=all_places or role == "admin")
    session.add(user)
    session.flush()
    session.add(AuditRow(actor=actor, action="user.add", entity="user", entity_id=str(user.id),
                         before=None, after={"name": name, "role": role, "places": places,
                                "all_places": all_places or role == "admin"}))
    return user


def list_users(session: Session) -> list[dict[str, object]]:
    """Every account, without its hash (``baocao users list``)."""
    return [{"id": u.id, "name": u.name, "role": u.role, "places": list(u.allowed_places or []),
             "active": u.active, "created_at": u.created_at.isoformat() if u.created_at else None}
            for u in session.scalars(select(UserRow).order_by(UserRow.name))]


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


def start_session(session: Session, user: UserRow, ttl: timedelta) -> str:
    """A new session for ``user``; returns the cookie's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SessionRow(id=token_id(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                           created_at=now, last_seen_at=now, expires_at=now + ttl))
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
