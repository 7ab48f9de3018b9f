from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from fastapi import FastAPI

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import free_ports, metric_value, running_process
from hop_links.dependencies import services_of

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


@pytest.mark.postgres
def test_key_revoked_by_the_cli_fails_on_a_running_server_at_once(
    empty_postgres_url: str,
) -> None:
    """Two processes: `hop-links serve` keeps no key cache, so the next request is 401."""
    env = {"HOP_DATABASE_URL": empty_postgres_url}
    command = [sys.executable, "-m", "hop_links"]

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
        before = httpx.get(url, headers=headers)
        cli("keys", "revoke", key_id)
        after = httpx.get(url, headers=headers)
    assert (before.status_code, after.status_code) == (200, 401)
