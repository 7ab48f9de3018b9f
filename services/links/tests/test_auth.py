from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import event, text

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import (
    app_client,
    free_ports,
    make_test_settings,
    metric_value,
    running_process,
)
from hop_links.accounts import AccountStore
from hop_links.app import create_app
from hop_links.dependencies import services_of
from hop_links.errors import UnauthorizedError
from hop_links.keys import hash_key
from hop_links.settings import LinksSettings

ROUTES = [
    ("POST", "/api/v1/links"),
    ("POST", "/api/v1/links:batch"),
    ("GET", "/api/v1/links"),
    ("GET", "/api/v1/links/abc1234"),
    ("PATCH", "/api/v1/links/abc1234"),
    ("DELETE", "/api/v1/links/abc1234"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer hop_unknownunknownunknownunknown0"},
        {"Authorization": "Bearer not-even-a-hop-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "hop_" + "x" * 500},
    ],
)
async def test_public_route_without_a_valid_key_answers_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for method, path in ROUTES:
        response = await client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
        assert set(response.json()) == {"detail"}


async def test_revoked_key_answers_401_and_others_keep_working(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    accounts = services_of(app).accounts
    await accounts.create_owner("carol")
    kept = (await accounts.create_key("carol")).secret
    revoked = await accounts.create_key("carol")
    headers = {"Authorization": f"Bearer {revoked.secret}"}
    assert (await client.get("/api/v1/links", headers=headers)).status_code == 200
    await accounts.revoke_key(revoked.key.id)
    response = await client.get("/api/v1/links", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "The API key is unknown or revoked."}
    kept_headers = {"Authorization": f"Bearer {kept}"}
    assert (await client.get("/api/v1/links", headers=kept_headers)).status_code == 200
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_auth_failures_total") == 1


async def test_keys_are_stored_hashed(app: FastAPI, client: httpx.AsyncClient) -> None:
    accounts = services_of(app).accounts
    await accounts.create_owner("dave")
    new = await accounts.create_key("dave")
    async with services_of(app).engine.connect() as connection:
        rows = (await connection.exec_driver_sql("SELECT prefix, key_hash FROM api_keys")).all()
    [(prefix, key_hash)] = rows
    assert new.secret.startswith(prefix)
    assert len(prefix) == 12
    assert new.secret not in key_hash
    assert len(key_hash) == 64


async def test_key_revoked_elsewhere_works_at_most_for_the_cache_ttl(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Another replica (or the CLI) revoked the key: this store notices within its TTL."""
    accounts = services_of(app).accounts
    await accounts.create_owner("erin")
    new = await accounts.create_key("erin")
    clock = [100.0]
    replica = AccountStore(services_of(app).engine, key_cache_ttl=0.5, clock=lambda: clock[0])
    caller = await replica.authenticate(new.secret)
    await accounts.revoke_key(new.key.id)
    clock[0] += 0.49
    assert await replica.authenticate(new.secret) == caller
    clock[0] += 0.01
    with pytest.raises(UnauthorizedError):
        await replica.authenticate(new.secret)


async def test_app_clock_times_the_key_cache_of_the_app_itself(database_url: str) -> None:
    """create_app's clock reaches the key cache: a revoked key expires when time moves."""
    clock = [100.0]
    settings = make_test_settings(
        LinksSettings, database_url=database_url, api_key_cache_ttl=0.5, run_migrations=True
    )
    app = create_app(settings, clock=lambda: clock[0])
    async with app_client(app):
        accounts = services_of(app).accounts
        await accounts.create_owner("gina")
        new = await accounts.create_key("gina")
        caller = await accounts.authenticate(new.secret)
        await AccountStore(services_of(app).engine).revoke_key(new.key.id)
        clock[0] += 0.49
        assert await accounts.authenticate(new.secret) == caller
        clock[0] += 0.01
        with pytest.raises(UnauthorizedError):
            await accounts.authenticate(new.secret)


async def test_unknown_key_is_not_remembered(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A refusal is never cached: a key that exists a moment later works at once."""
    accounts = services_of(app).accounts
    owner = await accounts.create_owner("frank")
    replica = AccountStore(services_of(app).engine, key_cache_ttl=1.0, clock=lambda: 100.0)
    secret = "hop_" + "k" * 32
    with pytest.raises(UnauthorizedError):
        await replica.authenticate(secret)
    async with services_of(app).engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO api_keys (owner_id, prefix, key_hash, created_at) "
                "VALUES (:owner, :prefix, :hash, :created_at)"
            ),
            {"owner": owner.id, "prefix": secret[:12], "hash": hash_key(secret),
             "created_at": owner.created_at},
        )  # fmt: skip
    assert (await replica.authenticate(secret)).owner_id == owner.id


async def test_concurrent_requests_of_one_key_read_it_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    engine = services_of(app).engine
    accounts = services_of(app).accounts
    await accounts.create_owner("grace")
    secret = (await accounts.create_key("grace")).secret
    replica = AccountStore(engine, key_cache_ttl=1.0, clock=lambda: 100.0)  # the Core path
    reads: list[str] = []

    def count(*args: Any) -> None:
        if "api_keys" in args[2]:
            reads.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        callers = await asyncio.gather(*(replica.authenticate(secret) for _ in range(20)))
        unknown = await asyncio.gather(
            *(replica.authenticate("hop_" + "u" * 32) for _ in range(5)), return_exceptions=True
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(set(callers)) == 1
    assert all(isinstance(answer, UnauthorizedError) for answer in unknown)
    assert len(reads) == 2  # one for the known key, one for the unknown one


def test_settings_key_cache_over_1_second_is_refused() -> None:
    with pytest.raises(ValidationError, match="api_key_cache_ttl"):
        make_test_settings(LinksSettings, api_key_cache_ttl=1.5)


@pytest.mark.postgres
@pytest.mark.process
def test_key_revoked_by_the_cli_fails_on_a_running_server_within_the_cache_ttl(
    empty_postgres_url: str,
) -> None:
    """Two processes: the server's next requests answer 401 within HOP_API_KEY_CACHE_TTL."""
    env = {"HOP_DATABASE_URL": empty_postgres_url}
    command = [sys.executable, "-m", "hop_links"]
    ttl = LinksSettings.model_fields["api_key_cache_ttl"].default

    def cli(*args: str) -> str:
        done = subprocess.run(
            [*command, *args], env={**os.environ, **env}, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    owner = "revoker"
    cli("migrate")
    cli("owners", "create", owner)
    secret = cli("keys", "create", owner)
    key_id = cli("keys", "list", owner).split()[0]
    http_port, management_port = free_ports(2)
    env |= {"HOP_HTTP_PORT": str(http_port), "HOP_MANAGEMENT_PORT": str(management_port)}
    ready = f"http://127.0.0.1:{management_port}/readyz"
    with running_process([*command, "serve"], env=env, ready_url=ready):
        url = f"http://127.0.0.1:{http_port}/api/v1/links"
        headers = {"Authorization": f"Bearer {secret}"}
        # One client: a new one per poll costs ~30 ms of CPU (0.2 s on a busy machine),
        # which would blur the bound measured here.
        with httpx.Client(headers=headers) as client:
            before = client.get(url)
            cli("keys", "revoke", key_id)
            revoked_at = time.monotonic()
            while (after := client.get(url)).status_code == 200:
                if time.monotonic() - revoked_at > 3.0:
                    break
                time.sleep(0.02)
            stopped_after = time.monotonic() - revoked_at
    assert (before.status_code, after.status_code) == (200, 401)
    assert stopped_after < 2.0  # hop's revocation bound (the cache keeps a key for `ttl`)
    assert ttl < 2.0
