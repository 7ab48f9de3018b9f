from __future__ import annotations

import httpx
from fastapi import FastAPI

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import metric_value


async def test_resolve_answers_the_contract_shape(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = {
        "url": "https://example.com/x?y=1",
        "code": "abc1234",
        "redirect_status": 307,
        "forward_query": True,
        "expires_at": "2030-12-01T01:00:00+01:00",
    }
    created = await client.post("/api/v1/links", json=body, headers=auth)
    response = await client.get("/internal/v1/links/abc1234")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "id": created.json()["id"],
        "code": "abc1234",
        "url": "https://example.com/x?y=1",
        "redirect_status": 307,
        "forward_query": True,
        "expires_at": "2030-12-01T00:00:00Z",
        "disabled": False,
    }


async def test_resolve_shows_disabled_and_no_expiry(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "off"}, headers=auth
    )
    await client.patch("/api/v1/links/off", json={"disabled": True}, headers=auth)
    body = (await client.get("/internal/v1/links/off")).json()
    assert (body["disabled"], body["expires_at"]) == (True, None)


async def test_resolve_unknown_deleted_or_junk_code_answers_404(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "gone"}, headers=auth
    )
    await client.delete("/api/v1/links/gone", headers=auth)
    for code in ("gone", "never01", "%00", "x" * 300):
        response = await client.get(f"/internal/v1/links/{code}")
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_resolves_total", {"result": "miss"}) == 4
    assert metric_value(registry, "hop_links_resolves_total", {"result": "hit"}) == 0


async def test_resolve_needs_no_api_key(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "open"}, headers=auth
    )
    assert (await client.get("/internal/v1/links/open")).status_code == 200


async def test_fastapi_resolve_route_answers_like_the_front(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "both"}, headers=auth
    )
    front = await client.get("/internal/v1/links/both")
    transport = httpx.ASGITransport(app=app)  # the FastAPI app itself, without the front
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as direct:
        routed = await direct.get("/internal/v1/links/both")
        missing = await direct.get("/internal/v1/links/none123")
    assert (routed.status_code, routed.json()) == (200, front.json())
    assert missing.status_code == 404
