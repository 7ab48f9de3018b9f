from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import metric_value


async def test_batch_bad_items_fail_alone(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "exists"}, headers=auth
    )
    items: list[Any] = [
        {"url": "https://example.com/1", "code": "first", "tags": ["b"]},
        {"url": "javascript:alert(1)"},
        {"url": "https://example.com/2", "code": "exists"},
        {"url": "https://example.com/3", "code": "first"},
        {"url": 7},
        "not an object",
        {"url": "https://example.com/4"},
        {"url": "https://example.com/5", "code": "docs"},
    ]
    response = await client.post("/api/v1/links:batch", json={"items": items}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["failed"]) == (2, 6)
    summary = [(r["index"], r["status"], r["detail"]) for r in body["results"]]
    assert summary == [
        (0, 201, None),
        (1, 422, "The url must be an absolute http:// or https:// URL; other schemes are refused."),
        (2, 409, "The code 'exists' is already taken; choose another alias."),
        (3, 409, "The code 'first' is already taken; choose another alias."),
        (4, 422, "url: Input should be a valid string"),
        (5, 422, "item: Input should be a valid dictionary or instance of LinkCreate"),
        (6, 201, None),
        (7, 422, "The alias 'docs' is reserved by hop; choose another alias."),
    ]
    first = body["results"][0]["link"]
    assert (first["code"], first["tags"]) == ("first", ["b"])
    assert (await client.get("/api/v1/links/first", headers=auth)).json() == first
    random_code = body["results"][6]["link"]["code"]
    assert (await client.get(f"/api/v1/links/{random_code}", headers=auth)).status_code == 200
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_links_created_total", {"route": "batch"}) == 2


async def test_batch_of_1000_creates_every_link(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    items = [{"url": f"https://example.com/{i}", "tags": ["bulk"]} for i in range(1000)]
    response = await client.post("/api/v1/links:batch", json={"items": items}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["failed"]) == (1000, 0)
    assert [r["index"] for r in body["results"]] == list(range(1000))
    assert len({r["link"]["code"] for r in body["results"]}) == 1000
    page = await client.get("/api/v1/links", params={"tag": "bulk", "limit": 100}, headers=auth)
    assert page.json()["items"][0]["url"] == "https://example.com/999"


async def test_batch_envelope_errors_answer_422(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    for body in [
        {"items": []},
        {"items": [{"url": "https://example.com/"}] * 1001},
        {},
        {"items": "x"},
        [],
    ]:
        response = await client.post("/api/v1/links:batch", json=body, headers=auth)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "body"
