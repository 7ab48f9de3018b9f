"""The create front answers like the route it stands in front of, and hands the rest on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import (
    SpanCapture,
    app_client,
    make_test_settings,
    management_client,
    metric_value,
)
from hop_links.app import create_app
from hop_links.dependencies import get_caller
from hop_links.settings import LinksSettings

LINKS = "/api/v1/links"


def _route_unreachable(app: FastAPI) -> None:
    """Make the FastAPI route fail its dependency: a request it answers is a 500."""

    async def unreachable() -> None:
        raise RuntimeError("The FastAPI create route was called.")

    app.dependency_overrides[get_caller] = unreachable


async def test_create_front_answers_without_the_routes_dependencies(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    response = await client.post(LINKS, json={"url": "https://example.com/a"}, headers=auth)
    assert response.status_code == 201
    assert response.json()["url"] == "https://example.com/a"


async def test_create_front_body_is_the_bytes_the_route_answers_for_the_link(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    request = {
        "url": "https://example.com/b",
        "code": "front-bytes",
        "redirect_status": 308,
        "forward_query": True,
        "expires_at": "2030-01-01T02:00:00+02:00",
        "tags": ["b", "a"],
    }
    created = await client.post(LINKS, json=request, headers=auth)
    fetched = await client.get(f"{LINKS}/front-bytes", headers=auth)  # the FastAPI route
    assert created.status_code == 201
    assert created.content == fetched.content
    assert created.headers["content-type"] == fetched.headers["content-type"]
    assert created.headers["content-length"] == str(len(fetched.content))


async def test_create_front_refusals_answer_as_the_error_edge_does(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    taken = {"url": "https://example.com/a", "code": "front-taken"}
    assert (await client.post(LINKS, json=taken, headers=auth)).status_code == 201
    response = await client.post(LINKS, json=taken, headers=auth)
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "The code 'front-taken' is already taken; choose another alias."},
    )
    looping = await client.post(LINKS, json={"url": "https://hop.test/x"}, headers=auth)
    assert looping.status_code == 422
    assert looping.json()["detail"][0]["loc"] == ["body", "url"]


async def test_create_front_counts_creates_and_refusals_by_reason(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    taken = {"url": "https://example.com/a", "code": "front-counted"}
    statuses = [
        (await client.post(LINKS, json=body, headers=auth)).status_code
        for body in (taken, taken, taken, {"url": "https://hop.test/x"})
    ]
    assert statuses == [201, 409, 409, 422]
    registry = get_instrumentation(app).metrics.registry
    counts = [
        metric_value(registry, "hop_links_links_created_total", {"route": "single"}),
        metric_value(registry, "hop_links_create_failures_total", {"reason": "taken"}),
        metric_value(registry, "hop_links_create_failures_total", {"reason": "invalid"}),
    ]
    assert counts == [1.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("content", "content_type", "error"),
    [
        (b'{"url": ', "application/json", "json_invalid"),
        (b'{"url": "https://example.com", "color": "red"}', "application/json", "extra_forbidden"),
        (b'{"url": "https://example.com", "redirect_status": 303}', "application/json",
         "literal_error"),
        (b"", "application/json", "missing"),
        (b'["https://example.com"]', "application/json", "model_attributes_type"),
        # JSON the front's parser refuses and Python's accepts: the route's 422, not a 500
        (b'{"url": "https://example.com", "redirect_status": NaN}', "application/json",
         "literal_error"),
        (b'{"url": "https://example.com/\\ud800"}', "application/json", "string_unicode"),
        (b'{"url": "https://example.com"}', "text/plain", "model_attributes_type"),
    ],
)  # fmt: skip
async def test_create_front_hands_bodies_it_does_not_accept_to_the_route(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    content: bytes,
    content_type: str,
    error: str,
) -> None:
    headers = {**auth, "content-type": content_type}
    response = await client.post(LINKS, content=content, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error


async def test_create_front_accepts_json_with_parameters_and_any_case(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    headers = {**auth, "content-type": "Application/JSON; charset=utf-8"}
    body = b'{"url": "https://example.com/c"}'
    assert (await client.post(LINKS, content=body, headers=headers)).status_code == 201


async def test_create_front_reads_a_repeated_key_as_the_route_does_the_last_one(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    headers = {**auth, "content-type": "application/json"}
    body = b'{"url": "https://example.com/first", "url": "https://example.com/last"}'
    response = await client.post(LINKS, content=body, headers=headers)
    assert (response.status_code, response.json()["url"]) == (201, "https://example.com/last")


async def test_create_front_without_a_key_is_the_routes_401(client: httpx.AsyncClient) -> None:
    response = await client.post(LINKS, json={"url": "https://example.com/a"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_create_front_requests_are_measured_under_the_routes_template(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    _route_unreachable(app)
    for _ in range(2):
        await client.post(LINKS, json={"url": "https://example.com/a"}, headers=auth)
    async with management_client(app) as management:
        metrics = (await management.get("/metrics")).text
    series = _series(
        metrics, "http_server_request_duration_seconds_count", 'http_route="/api/v1/links"'
    )
    assert series == {'http_request_method="POST"': 2.0}


def _series(text: str, name: str, selector: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith(name + "{") and selector in line:
            labels, value = line[len(name) + 1 :].rsplit("} ", 1)
            rest = [
                label
                for label in labels.split(",")
                if label != selector and "status_code" not in label
            ]
            found[",".join(rest)] = float(value)
    return found


async def test_create_front_chunked_body_past_the_cap_answers_413(
    make_app: Any, auth: dict[str, str]
) -> None:
    app = make_app(max_body_bytes=1024)  # on the database the key was made in
    async with app_client(app) as client:

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"url": "https://example.com/'
            for _ in range(8):
                yield b"x" * 256

        response = await client.post(
            LINKS, content=chunks(), headers={**auth, "content-type": "application/json"}
        )
    assert response.status_code == 413
    assert "limit of 1024 bytes" in response.json()["detail"]


async def test_create_front_request_is_one_server_span_of_the_route_with_its_insert_inside(
    database_url: str, auth: dict[str, str]
) -> None:
    spans = SpanCapture()
    settings = make_test_settings(
        LinksSettings, database_url=database_url, health_check_interval=30.0
    )
    app = create_app(settings, span_processors=(spans.processor,))
    _route_unreachable(app)
    async with app_client(app) as client:
        created = await client.post(LINKS, json={"url": "https://example.com/a"}, headers=auth)
    assert created.status_code == 201
    [server] = spans.named("POST /api/v1/links")
    inside = [s for s in spans.spans if s.parent and s.parent.span_id == server.context.span_id]
    assert "INSERT" in [s.name.split()[0] for s in inside]
