"""Account management behind ``baocao users``: passwords, places, disabling, sessions, lockout.

Every change is written to the audit (``AuditRow``) with the state before and after, never a
password hash. The CLI is a thin shell over these functions.

**Passwords.** At least 12 characters for an admin and 10 for a reviewer. Why these lengths:
NIST SP 800-63B asks for at least 8 with a blocklist; logins are throttled and locked after a
few failures (``review.auth``), so an online guess gets a handful of tries, and what a longer
password defends against is an offline attack on a copied database (argon2id at 64 MiB makes
each guess cost ~0.1 s of a core). 10 characters of a phrase are out of reach of that; an
admin can change every place's corrections and create accounts, so 2 more. A password is
also refused when, once folded (lower case, no diacritics, letters and digits only), it is a
common password of ``data/common_passwords.txt`` with or without digits around it
(``Password2024!``), a run of a sequence (``123456789012``, ``abcdefghijkl``, a keyboard row),
one or two characters repeated, or is mostly the user's own name (half of its letters and
digits or more: ``lan-lan-lan-1`` for ``lan``; a phrase that merely contains a short name is
fine).

**Places.** A reviewer sees the places granted to them, or every place when granted so
explicitly (``all_places``); none sees nothing. Places are chosen among the *known* ones (the
places of stored extractions, of corrected document metadata, of existing grants, and the
app's reviewed list of place names), matched
without diacritics or case: ``Dak Song`` finds ``Đắk Song``, the caller shows the match and
asks to confirm it; an unknown or ambiguous name is refused with the nearest known ones.
"""

from __future__ import annotations

import difflib
import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from baocao.review.auth import AccountError, aware, hash_password
from baocao.store.models import (
    AuditRow,
    DocumentEditRow,
    ExtractionRow,
    SessionRow,
    UserRow,
    utcnow,
)

MIN_PASSWORD = {"admin": 12, "reviewer": 10}
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
             "1qaz2wsx3edc4rfv", "qazwsxedcrfv")


class PlaceError(AccountError):
    """A place that is not known, or matches several known ones; ``nearest`` to offer."""

    def __init__(self, message: str, nearest: list[str]) -> None:
        super().__init__(message + (f" (nearest known: {', '.join(nearest)})" if nearest else
                                    " (no place is known yet: ingest documents first, or grant "
                                    "--all-places)"))
        self.nearest = nearest


def fold(text: str) -> str:
    """Lower case, without diacritics (đ → d), spaces collapsed: how names are compared."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


# ── passwords ──────────────────────────────────────────────────────────────────────────────

@cache
def common_passwords() -> frozenset[str]:
    """The reviewed list (comments and blank lines skipped), folded like a password."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(_alnum(line) for line in lines if line.strip() and not line.startswith("#"))


def _alnum(text: str) -> str:
    return "".join(c for c in fold(text) if c.isascii() and c.isalnum())


def _is_sequence(text: str) -> bool:
    """A run of one of ``SEQUENCES``, forwards or backwards, wrapping round (``8901234``)."""
    if len(text) < 3:
        return bool(text)
    for seq in SEQUENCES:
        ring = seq * (len(text) // len(seq) + 2)
        if text in ring or text in ring[::-1]:
            return True
    return False


LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s",
                      "5": "s", "7": "t"})
AROUND = string.digits + string.punctuation + string.whitespace


def check_password(password: str, name: str, role: str) -> None:
    """Raise AccountError when ``password`` is too short or too easy to guess (module doc)."""
    least = MIN_PASSWORD.get(role, max(MIN_PASSWORD.values()))
    if len(password) < least:
        raise AccountError(f"a password of a {role} has at least {least} characters")
    if len(password) > 1024:
        raise AccountError("a password has at most 1024 characters")
    folded = _alnum(password)
    # the word inside digits and signs ("Password2024!", "123-matkhau-456"), also read
    # back from the usual letter swaps ("P@ssw0rd" → "password")
    inner = fold(password).strip(AROUND)
    cores = {_alnum(inner), _alnum(inner.translate(LEET))}
    if len(set(folded)) <= 2 or _is_sequence(folded) or any(_is_sequence(c) for c in cores):
        raise AccountError("this password is a sequence or a repeated character: choose a phrase")
    common = common_passwords()
    if folded in common or cores & common:
        raise AccountError("this password is among the most common ones: choose a phrase")
    own = _alnum(name)
    if len(own) >= 3 and 2 * len(own) * max(folded.count(own), folded.count(own[::-1])) \
            >= len(folded):
        raise AccountError("a password must not be mostly the user's name")


# ── places ─────────────────────────────────────────────────────────────────────────────────

def known_places(session: Session) -> list[str]:
    """Every place a grant may name: of extractions, corrected metadata, existing grants, and
    the app's reviewed place names (``review.access.place_choices``: provinces and the local
    places of ``data/places_local.yaml``), so a place can be granted before its reports come."""
    from baocao.review.access import place_choices

    found: set[str] = set(place_choices())
    found |= set(session.scalars(select(ExtractionRow.place).distinct()
                                          .where(ExtractionRow.place.is_not(None))))
    found |= set(session.scalars(select(DocumentEditRow.place).distinct()
                                 .where(DocumentEditRow.place.is_not(None))))
    for places in session.scalars(select(UserRow.allowed_places)):
        found |= {p for p in places or [] if isinstance(p, str)}
    return sorted(p for p in found if p and p.strip())


@dataclass(frozen=True)
class PlaceMatch:
    """What was asked and the known place it names; ``exact`` when spelled as stored."""

    asked: str
    place: str
    exact: bool


def match_places(session: Session, asked: list[str]) -> list[PlaceMatch]:
    """Each asked name's known place (raises PlaceError for an unknown or ambiguous one)."""
    known = known_places(session)
    by_fold: dict[str, list[str]] = {}
    for place in known:
        by_fold.setdefault(fold(place), []).append(place)
    out = []
    for name in asked:
        name = " ".join(name.split())
        if not name:
            continue
        if name in known:
            out.append(PlaceMatch(name, name, True))
            continue
        same = by_fold.get(fold(name), [])
        if len(same) == 1:
            out.append(PlaceMatch(name, same[0], False))
        elif same:
            raise PlaceError(f"place {name!r} is ambiguous: it matches {', '.join(same)}; "
                             "write it with its diacritics", same)
        else:
            near = difflib.get_close_matches(fold(name), list(by_fold), n=3, cutoff=0.6)
            raise PlaceError(f"unknown place {name!r}", [p for f in near for p in by_fold[f]])
    return out


def _check_known(session: Session, places: list[str]) -> None:
    """Every place must be a known one, spelled as stored (the caller matched it first)."""
    known = set(known_places(session))
    for place in places:
        if place not in known:
            match_places(session, [place])  # raises with the nearest, or names the match
            raise AccountError(f"place {place!r} is not spelled as stored: match it first")


# ── accounts ───────────────────────────────────────────────────────────────────────────────

def user_named(session: Session, name: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is None:
        raise AccountError(f"no user {name!r}")
    return user


def _audit(session: Session, actor: str, action: str, user: UserRow,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    session.add(AuditRow(actor=actor, action=action, entity="user", entity_id=str(user.id),
                         before=before, after=after))


def _grant(user: UserRow) -> dict[str, Any]:
    return {"places": sorted(user.allowed_places or []), "all_places": bool(user.all_places)}


def end_sessions(session: Session, user_id: int | None = None,
                 session_id: str | None = None) -> int:
    """End the open sessions of a user (or one session); how many were open."""
    query = update(SessionRow).where(SessionRow.ended_at.is_(None))
    if user_id is not None:
        query = query.where(SessionRow.user_id == user_id)
    if session_id is not None:
        query = query.where(SessionRow.id == session_id)
    return int(session.execute(query.values(ended_at=utcnow())).rowcount or 0)  # type: ignore[attr-defined]


def set_active(session: Session, name: str, active: bool, *, actor: str = "cli") -> int:
    """Disable (its sessions end: returns how many) or enable an account."""
    user = user_named(session, name)
    before = user.active
    user.active = active
    ended = 0 if active else end_sessions(session, user.id)
    _audit(session, actor, "user.enable" if active else "user.disable", user,
           {"active": before}, {"active": active, "sessions_ended": ended})
    return ended


def reset_password(session: Session, name: str, password: str, *, actor: str = "cli") -> int:
    """A new password (checked); ends the user's sessions and lockout; sessions ended."""
    user = user_named(session, name)
    check_password(password, user.name, user.role)
    before = {"password_changed_at": _iso(user.password_changed_at),
              "locked_until": _iso(user.locked_until), "failed_logins": user.failed_logins}
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    ended = end_sessions(session, user.id)
    _audit(session, actor, "user.reset_password", user, before,
           {"password_changed_at": _iso(user.password_changed_at), "locked_until": None,
            "failed_logins": 0, "sessions_ended": ended})
    return ended


def unlock(session: Session, name: str, *, actor: str = "cli") -> bool:
    """Lift a lockout and forget the failures; False when the user was not locked."""
    user = user_named(session, name)
    now = utcnow()
    was = user.locked_until is not None and aware(user.locked_until) > now
    before = {"locked_until": _iso(user.locked_until), "failed_logins": user.failed_logins}
    user.locked_until = None
    user.failed_logins = 0
    _audit(session, actor, "user.unlock", user, before, {"locked_until": None,
                                                          "failed_logins": 0})
    return was


def set_places(session: Session, name: str, *, replace: list[str] | None = None,
               add: list[str] | None = None, remove: list[str] | None = None,
               all_places: bool = False, actor: str = "cli") -> dict[str, Any]:
    """Change a reviewer's grant: ``replace`` the places (ends an all-places grant), ``add``,
    ``remove``, or grant ``all_places``. Places must be known, spelled as stored (match them
    with ``match_places`` first). A reviewer left with neither is refused. The new grant."""
    user = user_named(session, name)
    if user.role == "admin":
        raise AccountError(f"{name} is an admin: an admin sees every place")
    before = _grant(user)
    places = set(before["places"])
    if all_places and (replace is not None or add or remove):
        raise AccountError("--all-places goes alone, without --set, --add or --remove")
    if (add or remove) and user.all_places:
        raise AccountError(f"{name} sees every place: use --set to limit them to some places")
    if replace is not None:
        places = set(replace)
    places |= set(add or [])
    missing = set(remove or []) - places
    if missing:
        raise AccountError(f"{name} has no place {', '.join(sorted(missing))}")
    places -= set(remove or [])
    _check_known(session, sorted(set(replace or []) | set(add or [])))
    grant_all = all_places or (bool(user.all_places) and replace is None)
    if not places and not grant_all:
        raise AccountError("a reviewer needs --places or --all-places")
    user.allowed_places = sorted(places)
    user.all_places = grant_all
    after = _grant(user)
    _audit(session, actor, "user.places", user, before, after)
    return after


def open_sessions(session: Session, name: str | None = None) -> list[dict[str, Any]]:
    """Sessions not ended nor past their end: user, client address, started, last seen,
    expires (a session idle past the app's ``idle`` also ends at its next request)."""
    now = utcnow()
    query = (select(SessionRow, UserRow.name).join(UserRow, UserRow.id == SessionRow.user_id)
             .where(SessionRow.ended_at.is_(None), SessionRow.expires_at > now)
             .order_by(SessionRow.last_seen_at.desc()))
    if name is not None:
        query = query.where(UserRow.id == user_named(session, name).id)
    return [{"session": row.id[:16], "user": user, "client": row.client,
             "started": _iso(row.created_at), "last_seen": _iso(row.last_seen_at),
             "expires": _iso(row.expires_at)} for row, user in session.execute(query)]


def revoke(session: Session, name: str | None = None, session_id: str | None = None, *,
           actor: str = "cli") -> int:
    """End every open session of ``name``, or the one whose id starts with ``session_id``
    (as ``users sessions`` prints it, at least 8 characters); how many ended."""
    if (name is None) == (session_id is None):
        raise AccountError("name a user or give --session ID, not both")
    if name is not None:
        user = user_named(session, name)
        ended = end_sessions(session, user.id)
        _audit(session, actor, "session.revoke", user, None, {"sessions_ended": ended})
        return ended
    prefix = (session_id or "").strip().lower()
    if len(prefix) < 8 or not all(c in "0123456789abcdef" for c in prefix):
        raise AccountError("a session id is at least 8 hexadecimal characters")
    rows = session.scalars(select(SessionRow).where(SessionRow.id.startswith(prefix),
                                                    SessionRow.ended_at.is_(None))).all()
    if not rows:
        raise AccountError(f"no open session {prefix}")
    if len(rows) > 1:
        raise AccountError(f"{len(rows)} open sessions start with {prefix}: give more of it")
    row = rows[0]
    row.ended_at = utcnow()
    target = session.get(UserRow, row.user_id)
    assert target is not None
    _audit(session, actor, "session.revoke", target, None,
           {"session": row.id[:16], "sessions_ended": 1})
    return 1


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every account without its hash (``baocao users list``): grant, state, lockout."""
    now = utcnow()
    counts: dict[int, int] = {user_id: n for user_id, n in session.execute(
        select(SessionRow.user_id, func.count()).where(SessionRow.ended_at.is_(None),
                                                       SessionRow.expires_at > now)
        .group_by(SessionRow.user_id))}
    out = []
    for u in session.scalars(select(UserRow).order_by(UserRow.name)):
        locked = u.locked_until is not None and aware(u.locked_until) > now
        out.append({"id": u.id, "name": u.name, "role": u.role,
                    "places": list(u.allowed_places or []),
                    "all_places": bool(u.all_places) or u.role == "admin",
                    "active": u.active, "locked_until": _iso(u.locked_until) if locked else None,
                    "failed_logins": u.failed_logins or 0,
                    "password_changed_at": _iso(u.password_changed_at),
                    "open_sessions": counts.get(u.id, 0),
                    "created_at": _iso(u.created_at)})
    return out


def _iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None

