from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hop_instrumentation.database import create_engine
from hop_links.accounts import AccountStore
from hop_links.cli import cli
from hop_links.errors import UnauthorizedError
from hop_links.keys import KEY_PREFIX


def run(database_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"HOP_DATABASE_URL": database_url})
    return result.exit_code, result.stdout, result.stderr


def authenticate(database_url: str, secret: str) -> int:
    async def check() -> int:
        engine = create_engine(database_url)
        try:
            return (await AccountStore(engine).authenticate(secret)).key_id
        finally:
            await engine.dispose()

    return asyncio.run(check())


def test_migrate_prepares_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert run(url, "migrate") == (0, "database at revision 0005\n", "")
    assert run(url, "migrate")[0] == 0


def test_migrate_to_a_named_revision_stops_there_and_head_goes_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert run(url, "migrate", "0001") == (0, "database at revision 0001\n", "")
    assert run(url, "migrate", "head") == (0, "database at revision 0005\n", "")


@pytest.mark.postgres
def test_migrate_with_a_plain_postgresql_url_prepares_an_empty_database(
    empty_postgres_url: str,
) -> None:
    assert run(empty_postgres_url, "migrate") == (0, "database at revision 0005\n", "")
    assert run(empty_postgres_url, "owners", "create", "erin")[0] == 0


def test_owner_and_key_lifecycle(database_url: str) -> None:
    code, out, _ = run(database_url, "owners", "create", "erin")
    assert (code, out) == (0, "created owner erin (id 1)\n")
    assert run(database_url, "owners", "list")[1].startswith("1\terin\t")
    code, secret, notice = run(database_url, "keys", "create", "erin")
    secret = secret.strip()
    assert code == 0
    assert secret.startswith(KEY_PREFIX)
    assert len(secret) == 36
    assert notice == f"created key 1 ({secret[:12]}...) for erin; store it now:\n"
    assert secret not in run(database_url, "keys", "list", "erin")[1]
    assert authenticate(database_url, secret) == 1
    assert run(database_url, "keys", "revoke", "1") == (
        0,
        f"revoked key 1 ({secret[:12]}...)\n",
        "",
    )
    [line] = run(database_url, "keys", "list", "erin")[1].splitlines()
    assert line.startswith(f"1\t{secret[:12]}...\t")
    assert not line.endswith("active")
    with pytest.raises(UnauthorizedError):
        authenticate(database_url, secret)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("keys", "create", "nobody"), "No owner is named 'nobody'"),
        (("keys", "list", "nobody"), "No owner is named 'nobody'"),
        (("keys", "revoke", "99"), "No API key has the id 99"),
        (("owners", "create", ""), "The owner name '' is invalid"),
    ],
)
def test_bad_operator_input_exits_1_with_a_message(
    database_url: str, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(database_url, *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {message}")


def test_duplicate_owner_exits_1(database_url: str) -> None:
    run(database_url, "owners", "create", "frank")
    assert run(database_url, "owners", "create", "frank") == (
        1,
        "",
        "error: An owner named 'frank' already exists.\n",
    )


@pytest.mark.process
@pytest.mark.parametrize("command", [("serve",), ("migrate",), ("owners", "list")])
def test_bad_settings_exit_2_with_the_message_and_no_traceback(command: tuple[str, ...]) -> None:
    env = {**os.environ, "HOP_DATABASE_URL": "mysql://db/hop"}
    result = subprocess.run(
        [sys.executable, "-m", "hop_links", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("Invalid settings for LinksSettings:\n  HOP_DATABASE_URL: ")
    assert "not a PostgreSQL or SQLite URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_sessions_list_and_end_every_session_of_an_owner(database_url: str) -> None:
    run(database_url, "owners", "create", "erin")
    secret = run(database_url, "keys", "create", "erin")[1].strip()

    async def open_two() -> list[str]:
        engine = create_engine(database_url)
        try:
            accounts = AccountStore(engine)
            caller = await accounts.authenticate(secret)
            opened = [await accounts.sessions.open(caller, label="Firefox", max_age=600)]
            opened.append(await accounts.sessions.open(caller, label="Chrome", max_age=600))
            return [token for _, token in opened]
        finally:
            await engine.dispose()

    tokens = asyncio.run(open_two())
    code, out, _ = run(database_url, "sessions", "list", "erin")
    assert code == 0
    assert [line.split("\t")[::4] for line in out.splitlines()] == [
        ["2", "Chrome"],
        ["1", "Firefox"],
    ]
    assert run(database_url, "sessions", "end", "erin") == (0, "ended 2 session(s) of erin\n", "")
    assert run(database_url, "sessions", "list", "erin") == (0, "", "")
    for token in tokens:
        with pytest.raises(UnauthorizedError):
            authenticate(database_url, token)
    assert authenticate(database_url, secret) == 1  # the key keeps working
    assert run(database_url, "sessions", "end", "nobody")[0] == 1
