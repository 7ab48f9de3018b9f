from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from hop_contracts import MAX_RESOLVE_CODES
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client, metric_value
from hop_links.dependencies import services_of

from .conftest import bearer, build_app, create_link, drop_other_connections, new_key, resolved_body


async def test_resolve_answers_the_contract_shape(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create_link(
        client,
        auth,
        url="https://example.com/x?y=1",
        code="abc1234",
        redirect_status=307,
        forward_query=True,
        expires_at="2030-12-01T01:00:00+01:00",
    )
    response = await client.get("/internal/v1/links/abc1234")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == resolved_body(
        created["id"],
        "abc1234",
        "https://example.com/x?y=1",
        redirect_status=307,
        forward_query=True,
        expires_at="2030-12-01T00:00:00Z",
    )


async def test_resolve_shows_disabled_and_no_expiry(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="off")
    await client.patch("/api/v1/links/off", json={"disabled": True}, headers=auth)
    body = (await client.get("/internal/v1/links/off")).json()
    assert (body["disabled"], body["expires_at"]) == (True, None)


async def test_resolve_unknown_deleted_or_junk_code_answers_404(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="gone")
    await client.delete("/api/v1/links/gone", headers=auth)
    for code in ("gone", "never01", "%00", "x" * 300):
        response = await client.get(f"/internal/v1/links/{code}")
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_resolves_total", {"result": "miss"}) == 4
    assert metric_value(registry, "hop_links_resolves_total", {"result": "hit"}) == 0


async def test_resolve_needs_no_api_key(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await create_link(client, auth, code="open")
    assert (await client.get("/internal/v1/links/open")).status_code == 200


async def test_fastapi_resolve_route_answers_like_the_front(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="both")
    front = await client.get("/internal/v1/links/both")
    transport = httpx.ASGITransport(app=app)  # the FastAPI app itself, without the front
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as direct:
        routed = await direct.get("/internal/v1/links/both")
        missing = await direct.get("/internal/v1/links/none123")
    assert (routed.status_code, routed.json()) == (200, front.json())
    assert missing.status_code == 404


@pytest.mark.postgres
async def test_resolve_and_create_answer_503_when_postgres_drops_connections_then_recover(
    postgres_url: str,
) -> None:
    app = build_app(postgres_url)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        await create_link(client, auth, code="drop01")
        await drop_other_connections(postgres_url)
        answers = [(await client.get("/internal/v1/links/drop01")).status_code for _ in range(25)]
        failed = answers[0]
        await drop_other_connections(postgres_url)
        creates = [
            await client.post("/api/v1/links", json={"url": "https://example.com/b"}, headers=auth)
            for _ in range(25)
        ]
    assert failed == 503
    assert set(answers) <= {200, 503}
    assert answers[-1] == 200  # broken connections are dropped, not handed out again
    # The authentication hook (before the body) may meet the broken connection first and drop
    # it, so the create itself can succeed: what must hold is 201 or a clean 503, never a 500.
    assert {answer.status_code for answer in creates} <= {201, 503}
    for refused in (answer for answer in creates if answer.status_code == 503):
        assert refused.json() == {"detail": "The database is unavailable; retry later."}
        assert refused.headers["retry-after"] == "1"
    assert creates[-1].status_code == 201


async def _expire(app: FastAPI, code: str) -> None:
    """Move ``code``'s expiry into the past (the API refuses to set one there)."""
    async with services_of(app).engine.begin() as connection:
        await connection.execute(
            text("UPDATE links SET expires_at = :past WHERE code = :code"),
            {"past": datetime(2020, 1, 1, tzinfo=UTC), "code": code},
        )


async def test_batch_resolve_answers_known_disabled_expired_and_unknown_codes(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    ids = {}
    for code in ("bat1", "bat2", "bat3"):
        body = {"url": f"https://example.com/{code}", "code": code, "redirect_status": 301,
                "expires_at": "2030-01-01T00:00:00Z"}  # fmt: skip
        ids[code] = (await client.post("/api/v1/links", json=body, headers=auth)).json()["id"]
    await client.patch("/api/v1/links/bat2", json={"disabled": True}, headers=auth)
    await _expire(app, "bat3")
    await client.delete("/api/v1/links/bat1", headers=auth)
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/again", "code": "bat1"}, headers=auth
    )
    again = (await client.get("/internal/v1/links/bat1")).json()
    response = await client.post(
        "/internal/v1/links:resolve", json={"codes": ["bat1", "bat2", "nope9", "bat3", "bat2"]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "links": {
            "bat1": again,
            "bat2": {"id": ids["bat2"], "code": "bat2", "url": "https://example.com/bat2",
                     "redirect_status": 301, "forward_query": False,
                     "expires_at": "2030-01-01T00:00:00Z", "disabled": True},
            "nope9": None,
            "bat3": {"id": ids["bat3"], "code": "bat3", "url": "https://example.com/bat3",
                     "redirect_status": 301, "forward_query": False,
                     "expires_at": "2020-01-01T00:00:00Z", "disabled": False},
        }
    }  # fmt: skip
    assert list(response.json()["links"]) == ["bat1", "bat2", "nope9", "bat3"]
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_resolves_total", {"result": "hit"}) == 4
    assert metric_value(registry, "hop_links_resolves_total", {"result": "miss"}) == 1


async def test_batch_resolve_of_codes_none_of_which_exist_answers_nulls(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/internal/v1/links:resolve", json={"codes": ["a", "b-2"]})
    assert (response.status_code, response.json()) == (200, {"links": {"a": None, "b-2": None}})


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"codes": []}, ["body", "codes"]),
        ({"codes": [f"c{n}" for n in range(MAX_RESOLVE_CODES + 1)]}, ["body", "codes"]),
        ({"codes": ["ok", "no.dots"]}, ["body", "codes", 1]),
        ({"codes": ["x" * 65]}, ["body", "codes", 0]),
        ({"codes": "abc"}, ["body", "codes"]),
        ({}, ["body", "codes"]),
    ],
)
async def test_batch_resolve_refuses_a_bad_list_of_codes_with_422(
    client: httpx.AsyncClient, body: dict[str, object], location: list[object]
) -> None:
    response = await client.post("/internal/v1/links:resolve", json=body)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [location]
