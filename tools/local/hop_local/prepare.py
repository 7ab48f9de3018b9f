"""Before anything serves: databases exist and are migrated, the dev owner has an API key.

Everything goes through the services' own command lines (``hop-links migrate``,
``hop-links owners create``, ``hop-links keys create``, ``hop-analytics migrate``) with
the same settings the services get, exactly as an operator would run them.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from hop_local.stack import MIGRATED, Stack, executable

__all__ = [
    "DEV_OWNER",
    "create_api_key",
    "ensure_api_key",
    "ensure_postgres_databases",
    "migrate",
    "prepare",
]

DEV_OWNER: Final = "dev"


def prepare(stack: Stack, base_env: Mapping[str, str], key_file: Path) -> tuple[str, bool]:
    """Migrate every database and make sure of the dev key (the others migrate meanwhile)."""
    others = [service for service in MIGRATED if service != "links"]
    with ThreadPoolExecutor(max(1, len(others))) as pool:
        migrations = [pool.submit(_cli, stack, base_env, s, "migrate") for s in others]
        _cli(stack, base_env, "links", "migrate")
        key = ensure_api_key(stack, base_env, key_file)
        for done in migrations:
            done.result()
    return key


def migrate(stack: Stack, base_env: Mapping[str, str]) -> None:
    """Migrate every service database to its newest schema (in parallel)."""
    with ThreadPoolExecutor(len(MIGRATED)) as pool:
        for done in [pool.submit(_cli, stack, base_env, s, "migrate") for s in MIGRATED]:
            done.result()


def ensure_api_key(stack: Stack, base_env: Mapping[str, str], key_file: Path) -> tuple[str, bool]:
    """Return the dev owner's API key and whether it is new; reuse ``key_file`` if still valid."""
    if key_file.exists():
        key = key_file.read_text().strip()
        if _is_active(stack, base_env, key):
            return key, False
    key = create_api_key(stack, base_env, DEV_OWNER)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(key + "\n")
    return key, True


def create_api_key(stack: Stack, base_env: Mapping[str, str], owner: str) -> str:
    """Create ``owner`` if it does not exist and a new API key for it; return the key."""
    created = _run(stack, base_env, "links", "owners", "create", owner, check=False)
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise RuntimeError(f"`hop-links owners create {owner}` failed:\n{created.stderr.strip()}")
    return _cli(stack, base_env, "links", "keys", "create", owner).strip().splitlines()[-1]


def _is_active(stack: Stack, base_env: Mapping[str, str], key: str) -> bool:
    done = _run(stack, base_env, "links", "keys", "list", DEV_OWNER, check=False)
    # keys list prints "id<TAB>hop_XXXXXXXX...<TAB>created<TAB>active|revoked-at".
    return done.returncode == 0 and any(
        line.split("\t")[1:2] == [f"{key[:12]}..."] and line.endswith("\tactive")
        for line in done.stdout.splitlines()
    )


def _cli(stack: Stack, base_env: Mapping[str, str], service: str, *args: str) -> str:
    return _run(stack, base_env, service, *args, check=True).stdout


def _run(
    stack: Stack, base_env: Mapping[str, str], service: str, *args: str, check: bool
) -> subprocess.CompletedProcess[str]:
    env = {**base_env, **stack.env(service), "HOP_LOG_FORMAT": "json"}
    done = subprocess.run(
        [executable(f"hop-{service}"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        command = " ".join([f"hop-{service}", *args])
        raise RuntimeError(f"`{command}` failed ({done.returncode}):\n{done.stderr.strip()}")
    return done


_ADMIN_DATABASE: Final = "postgres"


def ensure_postgres_databases(server_url: str, names: tuple[str, ...]) -> None:
    """Create the databases ``names`` on the PostgreSQL server if they are missing."""
    try:
        asyncio.run(_create_databases(server_url, names))
    except OSError as err:
        raise RuntimeError(
            f"cannot reach PostgreSQL at {server_url} ({err}); start it or drop DB=postgres."
        ) from None


async def _create_databases(server_url: str, names: tuple[str, ...]) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(f"{server_url.rstrip('/')}/{_ADMIN_DATABASE}")
    try:
        existing = {row[0] for row in await connection.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
