"""``baocao review`` and ``baocao users ...`` (CliRunner), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from baocao.cli import main
from baocao.store.db import resolve_url, session_scope
from baocao.store.models import UserRow
from tests.review_support import SEEDS, fill

pytest_plugins = ["tests.conftest_db"]


def known(db_url: str) -> None:
    """Two reports stored: Bình Phước (seed 001) and Đắk Song (seed 004) are known places."""
    fill(db_url, [SEEDS[1], SEEDS[4]])


def test_users_add_and_list(db_url: str) -> None:
    known(db_url)
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "lan", "--role", "reviewer", "--places",
                                 "Đắk Song,Bình Phước", "--password-stdin", "--db", db_url],
                          input="mot-mat-khau-dai\n")
    assert added.exit_code == 0, added.output
    admin = runner.invoke(main, ["users", "add", "root", "--role", "admin", "--db", db_url],
                          input="mat-khau-quan-tri\nmat-khau-quan-tri\n")  # prompted twice
    assert admin.exit_code == 0, admin.output
    with session_scope(db_url) as session:
        user = session.scalar(select(UserRow).where(UserRow.name == "lan"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert "mot-mat-khau-dai" not in user.password_hash
        assert sorted(user.allowed_places) == ["Bình Phước", "Đắk Song"]
    listed = runner.invoke(main, ["users", "list", "--db", db_url])
    assert "lan" in listed.output and "Đắk Song" in listed.output
    assert "root" in listed.output and "all places" in listed.output
    rows = [json.loads(line) for line in runner.invoke(
        main, ["users", "list", "--jsonl", "--db", db_url]).output.splitlines()]
    # --json is one document: the same accounts as one array
    assert json.loads(runner.invoke(main, ["users", "list", "--json", "--db", db_url]).output) == rows
    assert {r["name"]: r["role"] for r in rows} == {"lan": "reviewer", "root": "admin"}
    assert all("password_hash" not in r for r in rows)


@pytest.mark.parametrize("args,stdin", [(["lan", "--role", "reviewer", "--all-places"],
                                         "short\n"),
                                        (["bad name", "--role", "admin"], "long-enough-1\n")])
def test_users_add_refuses_with_status_2(db_url: str, args: list[str], stdin: str) -> None:
    result = CliRunner().invoke(main, ["users", "add", *args, "--password-stdin", "--db", db_url],
                                input=stdin)
    assert result.exit_code == 2 and "error:" in result.output


def test_users_add_twice_is_refused(db_url: str) -> None:
    runner = CliRunner()
    args = ["users", "add", "lan", "--role", "admin", "--password-stdin", "--db", db_url]
    assert runner.invoke(main, args, input="mot-mat-khau-dai\n").exit_code == 0
    again = runner.invoke(main, args, input="mot-mat-khau-khac\n")
    assert again.exit_code == 2 and "already exists" in again.output


def test_review_serves_the_app_on_the_given_address(db_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = CliRunner().invoke(main, ["review", "--db", db_url, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert seen["app"].state.settings.db_url == resolve_url(db_url)
    assert "http://127.0.0.1:8123/" in result.output
    assert seen["app"].state.settings.secure_cookies is False
    assert "warning" not in result.output  # loopback: no warning


@pytest.mark.parametrize("args,env,secure,warned", [
    (["--host", "0.0.0.0"], {}, False, True),
    (["--host", "0.0.0.0", "--secure-cookies"], {}, True, False),
    (["--host", "0.0.0.0"], {"BAOCAO_SECURE_COOKIES": "1"}, True, False),
    (["--host", "::1"], {}, False, False),
    (["--host", "localhost", "--trusted-proxy"], {}, False, False),
    (["--host", "192.168.1.20"], {"BAOCAO_SECURE_COOKIES": "0"}, False, True)])
def test_review_secure_cookies_and_the_plain_http_warning(
        db_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str],
        secure: bool, warned: bool) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = CliRunner().invoke(main, ["review", "--db", db_url, *args], env=env)
    assert result.exit_code == 0, result.output
    settings = seen["app"].state.settings
    assert settings.secure_cookies is secure
    assert settings.trusted_proxy is ("--trusted-proxy" in args)
    warning = (f"warning: served over plain HTTP on {args[1]}: put it behind TLS and use "
               "--secure-cookies")
    assert (warning in result.output) is warned
