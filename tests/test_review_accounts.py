"""Account management (issue 15, item 2): ``baocao users add|list|disable|enable|
reset-password|places|sessions|revoke|unlock`` through the real command (CliRunner) on SQLite
and PostgreSQL; the password rules; known places matched without diacritics; every change in
the audit; the SQLite file readable by its owner only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from baocao.cli import main
from baocao.review.accounts import check_password, fold, match_places
from baocao.review.auth import AccountError
from baocao.store.db import session_scope, upgrade
from baocao.store.models import AuditRow, LoginAttemptRow, SessionRow, UserRow, utcnow
from tests.review_support import SEEDS, csrf_of, fill

pytest_plugins = ["tests.conftest_db"]

GOOD = "ca-phe-sua-da-sang"  # 18 characters, no common word, no sequence


def users(db_url: str, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, ["users", *args, "--db", db_url], input=stdin)


def user(db_url: str, name: str) -> UserRow:
    with session_scope(db_url) as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        assert row is not None
        session.expunge(row)
        return row


def audit(db_url: str, action: str) -> list[AuditRow]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == action)
                               .order_by(AuditRow.id)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


@pytest.fixture
def stored(db_url: str) -> str:
    """Seeds 001 (Bình Phước) and 004 (Đắk Song) stored; one reviewer and one admin."""
    fill(db_url, [SEEDS[1], SEEDS[4]])
    assert users(db_url, "add", "lan", "--role", "reviewer", "--places", "Đắk Song",
                 "--password-stdin", stdin=GOOD + "\n").exit_code == 0
    assert users(db_url, "add", "root", "--role", "admin", "--password-stdin",
                 stdin="quan-tri-he-thong-bao-cao\n").exit_code == 0
    return db_url


def login(db_url: str, name: str, password: str = GOOD) -> tuple[TestClient, int]:
    from baocao.review.app import create_app

    client = TestClient(create_app(db_url))
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "name": name, "password": password},
                           follow_redirects=False)
    return client, response.status_code


# ── passwords ──────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("password,name,role,why", [
    ("12345678", "lan", "reviewer", "at least 10"),
    ("ngan-qua", "lan", "reviewer", "at least 10"),
    ("mua-thu-ha-noi", "root", "admin", None),  # 14: enough for an admin
    ("mua-thu-hn", "root", "admin", "at least 12"),
    ("mua-thu-hn", "lan", "reviewer", None),  # 10: enough for a reviewer
    ("1234567890123", "lan", "reviewer", "sequence"),
    ("9876543210", "lan", "reviewer", "sequence"),
    ("abcdefghijkl", "lan", "reviewer", "sequence"),
    ("QWERTYUIOP12", "lan", "reviewer", "sequence"),
    ("aaaaaaaaaaaa", "lan", "reviewer", "sequence or a repeated"),
    ("abababababab", "lan", "reviewer", "sequence or a repeated"),
    ("password1234", "lan", "reviewer", "common"),
    ("Password2024!", "lan", "reviewer", "common"),
    ("P@ssw0rd-2024", "lan", "reviewer", "common"),
    ("Mật-Khẩu-2024", "lan", "reviewer", "common"),
    ("anhyeuem123456", "lan", "reviewer", "common"),
    ("123-matkhau-456", "lan", "reviewer", "common"),
    ("nguyenvanlan-99", "nguyenvanlan", "reviewer", "name"),
    ("NAL-nguoi-ra-soat", "lan.nguyen", "reviewer", None),
    ("xx-lan.nguyen-xx", "lan.nguyen", "reviewer", "name"),
    ("lan-lan-lan-1", "lan", "reviewer", "name"),
    ("lan-di-cho-mua-rau", "lan", "reviewer", None),  # a phrase holding a short name
    ("benchmark-pass", "bench", "admin", None),
])
def test_password_rules(password: str, name: str, role: str, why: str | None) -> None:
    if why is None:
        check_password(password, name, role)
    else:
        with pytest.raises(AccountError, match=why):
            check_password(password, name, role)


def test_fold_compares_without_diacritics() -> None:
    assert fold("  Đắk   Song ") == "dak song" == fold("DAK SONG")
    assert fold("Bình Phước") == "binh phuoc"


# ── places ─────────────────────────────────────────────────────────────────────────────────

def test_places_are_matched_among_known_ones(stored: str) -> None:
    with session_scope(stored) as session:
        found = match_places(session, ["dak song", "Bình Phước", "  BINH   phuoc "])
        assert [(m.place, m.exact) for m in found] == [("Đắk Song", False),
                                                       ("Bình Phước", True),
                                                       ("Bình Phước", False)]
        with pytest.raises(AccountError, match=r"unknown place 'Dak Sonh'.*nearest known: "
                                               r"Đắk Song"):
            match_places(session, ["Dak Sonh"])
        lan = session.scalar(select(UserRow).where(UserRow.name == "lan"))
        assert lan is not None
        lan.allowed_places = ["Đắk Song", "Đăk Song"]  # a second spelling, granted earlier
    with session_scope(stored) as session, pytest.raises(AccountError, match="ambiguous"):
        match_places(session, ["dak song"])


def test_add_matches_a_place_written_without_diacritics(stored: str) -> None:
    added = users(stored, "add", "minh", "--role", "reviewer", "--places", "dak song",
                  "--yes", "--password-stdin", stdin=GOOD + "\n")
    assert added.exit_code == 0, added.output
    assert "place 'dak song' is 'Đắk Song'" in added.output
    assert user(stored, "minh").allowed_places == ["Đắk Song"]
    # without --yes it asks; "n" changes nothing (and no password is asked for)
    refused = users(stored, "add", "tuan", "--role", "reviewer", "--places", "Dak Song",
                    "--password-stdin", stdin="n\n" + GOOD + "\n")
    assert refused.exit_code == 2 and "Use these places?" in refused.output
    confirmed = users(stored, "add", "tuan", "--role", "reviewer", "--places", "Dak Song",
                      "--password-stdin", stdin="y\n" + GOOD + "\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert user(stored, "tuan").allowed_places == ["Đắk Song"]
    with session_scope(stored) as session:
        assert session.scalar(select(UserRow.id).where(UserRow.name == "tuan")) is not None


@pytest.mark.parametrize("args,why", [
    (["--places", "Dak Sonh"], "unknown place 'Dak Sonh' (nearest known: Đắk Song, "),
    ([], "a reviewer needs --places or --all-places"),
    (["--places", "Đắk Song", "--all-places"], "not both")])
def test_add_refuses_unknown_places_and_reviewers_of_nothing(stored: str, args: list[str],
                                                             why: str) -> None:
    result = users(stored, "add", "ha", "--role", "reviewer", *args, "--password-stdin",
                   stdin=GOOD + "\n")
    assert result.exit_code == 2 and why in result.output
    with session_scope(stored) as session:
        assert session.scalar(select(UserRow.id).where(UserRow.name == "ha")) is None


def test_a_province_of_the_place_list_can_be_granted_before_any_report(db_url: str) -> None:
    upgrade(db_url)
    result = users(db_url, "add", "ha", "--role", "reviewer", "--places", "binh phuoc",
                   "--yes", "--password-stdin", stdin=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert user(db_url, "ha").allowed_places == ["Bình Phước"]


def test_add_refuses_a_weak_password_and_an_admin_of_some_places(stored: str) -> None:
    weak = users(stored, "add", "boss", "--role", "admin", "--password-stdin",
                 stdin="12345678\n")
    assert weak.exit_code == 2 and "at least 12" in weak.output
    common = users(stored, "add", "boss", "--role", "admin", "--password-stdin",
                   stdin="Password-2024!\n")
    assert common.exit_code == 2 and "common" in common.output
    places = users(stored, "add", "boss", "--role", "admin", "--places", "Đắk Song",
                   "--password-stdin", stdin=GOOD + "\n")
    assert places.exit_code == 2 and "an admin sees every place" in places.output


def test_places_set_add_remove_and_all(stored: str) -> None:
    added = users(stored, "places", "lan", "--add", "binh phuoc", "--yes")
    assert added.exit_code == 0, added.output
    assert user(stored, "lan").allowed_places == ["Bình Phước", "Đắk Song"]
    removed = users(stored, "places", "lan", "--remove", "dak song")
    assert removed.exit_code == 0, removed.output
    assert user(stored, "lan").allowed_places == ["Bình Phước"]
    empty = users(stored, "places", "lan", "--remove", "Bình Phước")
    assert empty.exit_code == 2 and "needs --places or --all-places" in empty.output
    every = users(stored, "places", "lan", "--all-places")
    assert every.exit_code == 0 and "lan: all places" in every.output
    assert user(stored, "lan").all_places is True
    more = users(stored, "places", "lan", "--add", "Đắk Song")
    assert more.exit_code == 2 and "use --set" in more.output
    limited = users(stored, "places", "lan", "--set", "Đắk Song")
    assert limited.exit_code == 0
    lan = user(stored, "lan")
    assert lan.all_places is False and lan.allowed_places == ["Đắk Song"]
    unknown = users(stored, "places", "lan", "--add", "Hà Nội Mới Xa Lạ")
    assert unknown.exit_code == 2 and "unknown place" in unknown.output
    admin = users(stored, "places", "root", "--set", "Đắk Song")
    assert admin.exit_code == 2 and "an admin sees every place" in admin.output
    changes = audit(stored, "user.places")
    assert [c.actor for c in changes] == ["cli"] * 4
    assert changes[0].before == {"places": ["Đắk Song"], "all_places": False}
    assert changes[0].after == {"places": ["Bình Phước", "Đắk Song"], "all_places": False}
    assert changes[2].after == {"places": ["Bình Phước"], "all_places": True}


def test_disable_ends_sessions_and_enable_lets_in_again(stored: str) -> None:
    client, status = login(stored, "lan")
    assert status == 303 and client.get("/", follow_redirects=False).status_code == 200
    disabled = users(stored, "disable", "lan")
    assert disabled.exit_code == 0 and "1 session(s) ended" in disabled.output
    assert client.get("/", follow_redirects=False).status_code == 303  # signed out now
    assert login(stored, "lan")[1] == 401
    listed = users(stored, "list")
    assert "disabled" in listed.output
    assert users(stored, "enable", "lan").exit_code == 0
    assert login(stored, "lan")[1] == 303
    assert [(a.before, a.after) for a in audit(stored, "user.disable")] == [
        ({"active": True}, {"active": False, "sessions_ended": 1})]
    assert len(audit(stored, "user.enable")) == 1
    assert users(stored, "disable", "nobody").exit_code == 2


def test_reset_password_ends_sessions_and_lockout(stored: str) -> None:
    client, _ = login(stored, "lan")
    for _ in range(5):
        login(stored, "lan", "sai-mat-khau-1")
    assert login(stored, "lan")[1] == 429  # locked
    listed = json.loads(users(stored, "list", "--json").output)
    lan = next(u for u in listed if u["name"] == "lan")
    assert lan["locked_until"] and lan["failed_logins"] == 5 and lan["open_sessions"] == 1
    assert "locked until" in users(stored, "list").output
    weak = users(stored, "reset-password", "lan", "--password-stdin", stdin="lan-lan-lan-1\n")
    assert weak.exit_code == 2 and "name" in weak.output
    before = user(stored, "lan").password_changed_at
    reset = users(stored, "reset-password", "lan", "--password-stdin",
                  stdin="bun-bo-hue-cay-lam\n")
    assert reset.exit_code == 0 and "1 session(s) ended" in reset.output
    assert client.get("/", follow_redirects=False).status_code == 303
    row = user(stored, "lan")
    assert row.locked_until is None and row.failed_logins == 0
    assert row.password_changed_at is not None and before is not None
    assert row.password_changed_at > before
    assert login(stored, "lan")[1] == 401  # the old password is gone
    assert login(stored, "lan", "bun-bo-hue-cay-lam")[1] == 303
    entry = audit(stored, "user.reset_password")[0]
    assert entry.actor == "cli" and "hash" not in json.dumps(entry.after)
    assert entry.after is not None and entry.after["sessions_ended"] == 1
    missing = users(stored, "reset-password", "nobody", "--password-stdin", stdin=GOOD + "\n")
    assert missing.exit_code == 2 and "no user 'nobody'" in missing.output


def test_unlock(stored: str) -> None:
    for _ in range(5):
        login(stored, "lan", "sai-mat-khau-1")
    assert login(stored, "lan")[1] == 429
    unlocked = users(stored, "unlock", "lan")
    assert unlocked.exit_code == 0 and "lan: unlocked" in unlocked.output
    assert login(stored, "lan")[1] == 303
    again = users(stored, "unlock", "lan")
    assert again.exit_code == 0 and "was not locked" in again.output
    assert [a.after for a in audit(stored, "user.unlock")] == [
        {"locked_until": None, "failed_logins": 0}] * 2


def test_sessions_list_and_revoke(stored: str) -> None:
    lan1, _ = login(stored, "lan")
    lan2, _ = login(stored, "lan")
    root, _ = login(stored, "root", "quan-tri-he-thong-bao-cao")
    rows = json.loads(users(stored, "sessions", "--json").output)
    assert sorted(r["user"] for r in rows) == ["lan", "lan", "root"]
    assert {r["client"] for r in rows} == {"testclient"}
    assert all(r["started"] and r["last_seen"] and r["expires"] for r in rows)
    text = users(stored, "sessions", "lan")
    assert text.exit_code == 0 and text.output.count("lan ") == 2 and "root" not in text.output
    jsonl = users(stored, "sessions", "root", "--jsonl").output.splitlines()
    assert len(jsonl) == 1 and json.loads(jsonl[0])["user"] == "root"
    one = json.loads(jsonl[0])["session"]
    revoked = users(stored, "revoke", "--session", one[:10])
    assert revoked.exit_code == 0 and "1 session(s) ended" in revoked.output
    assert root.get("/", follow_redirects=False).status_code == 303
    assert lan1.get("/", follow_redirects=False).status_code == 200
    everyone = users(stored, "revoke", "lan")
    assert everyone.exit_code == 0 and "2 session(s) ended" in everyone.output
    assert lan1.get("/", follow_redirects=False).status_code == 303
    assert lan2.get("/", follow_redirects=False).status_code == 303
    assert "no open session" in users(stored, "sessions").output
    for args in (["revoke"], ["revoke", "lan", "--session", one], ["revoke", "--session", "zz"],
                 ["revoke", "--session", "0" * 12]):
        assert users(stored, *args).exit_code == 2, args
    assert [a.after for a in audit(stored, "session.revoke")] == [
        {"session": one, "sessions_ended": 1}, {"sessions_ended": 2}]


def test_list_says_all_places_and_state(stored: str) -> None:
    assert users(stored, "add", "binh", "--role", "reviewer", "--all-places",
                 "--password-stdin", stdin=GOOD + "\n").exit_code == 0
    lines = {line.split()[0]: line for line in users(stored, "list").output.splitlines()}
    assert "all places" in lines["binh"] and "all places" in lines["root"]
    assert "Đắk Song" in lines["lan"] and "all places" not in lines["lan"]
    assert all("active" in line for line in lines.values())
    rows = json.loads(users(stored, "list", "--json").output)
    assert {r["name"]: r["all_places"] for r in rows} == {"binh": True, "lan": False,
                                                         "root": True}
    assert all("password_hash" not in r for r in rows)


def test_every_account_change_is_audited_by_the_cli(stored: str) -> None:
    for args in (["places", "lan", "--add", "Bình Phước"], ["disable", "lan"],
                 ["enable", "lan"], ["unlock", "lan"], ["revoke", "lan"]):
        assert users(stored, *args).exit_code == 0, args
    assert users(stored, "reset-password", "lan", "--password-stdin",
                 stdin="bun-bo-hue-cay-lam\n").exit_code == 0
    with session_scope(stored) as session:
        rows = session.execute(select(AuditRow.actor, AuditRow.action)
                               .where(AuditRow.entity == "user")).all()
    assert {tuple(r) for r in rows} == {("cli", a) for a in (
        "user.add", "user.places", "user.disable", "user.enable", "user.unlock",
        "session.revoke", "user.reset_password")}


def test_read_only_users_commands_refuse_a_missing_database(tmp_path: Path) -> None:
    for args in (["list"], ["sessions"], ["disable", "x"], ["unlock", "x"]):
        result = CliRunner().invoke(main, ["users", *args, "--db", str(tmp_path / "no.db")])
        assert result.exit_code == 2 and "[BC207]" in result.output, args
    assert not (tmp_path / "no.db").exists()


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        url = upgrade(f"sqlite:///{tmp_path / 'baocao.db'}")
        with session_scope(url) as session:  # a write, so the -wal file exists too
            session.add(LoginAttemptRow(name="x", client="y", ok=False, reason="unknown",
                                        at=utcnow()))
            session.flush()
            files = sorted(tmp_path.iterdir())
            assert [f.name for f in files] == ["baocao.db", "baocao.db-shm", "baocao.db-wal"]
            for f in files:
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    finally:
        os.umask(old)
    kept = tmp_path / "mine.db"  # an existing file keeps the mode its owner gave it
    kept.touch(mode=0o640)
    kept.chmod(0o640)
    upgrade(f"sqlite:///{kept}")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_session_rows_record_their_client(stored: str) -> None:
    login(stored, "lan")
    with session_scope(stored) as session:
        assert list(session.scalars(select(SessionRow.client))) == ["testclient"]
