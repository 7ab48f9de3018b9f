from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import metric_value
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
