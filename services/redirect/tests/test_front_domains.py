"""The front on branded domains: the Host header picks the domain a code is looked up on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from hop_contracts import decode_cached_link, link_cache_key
from hop_contracts.testing import ClickSink, FakeLinks, link_body
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import LoopbackServers, app_client, metric_value
from hop_redirect.app import create_app
from hop_redirect.dependencies import services_of
from hop_redirect.settings import RedirectSettings

ACME, OTHER = "go.acme.test", "go.other.test"
MakeSettings = Callable[..., RedirectSettings]


def _links() -> FakeLinks:
    """links with ``spring`` on the platform, on acme and on other (not yet verified)."""
    return FakeLinks(
        {"spring": link_body("spring", "https://example.com/platform")},
        domains={
            ACME: {"spring": link_body("spring", "https://acme.example/spring", link_id="a" * 32)},
            OTHER: {"spring": link_body("spring", "https://other.example/", link_id="b" * 32)},
        },
        platform="hop.test",
        verified={ACME},
    )


def _app(
    make_settings: MakeSettings, links_url: str, **overrides: Any
) -> tuple[FastAPI, ClickSink]:
    sink = ClickSink()
    settings = make_settings(links_url=links_url, **overrides)
    return create_app(settings, analytics_transport=httpx.ASGITransport(sink)), sink


async def _get(client: httpx.AsyncClient, host: str, path: str = "/spring") -> httpx.Response:
    return await client.get(path, headers={"host": host})


async def test_front_same_code_on_two_hosts_redirects_to_each_domains_target(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = _links()
    app, sink = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        platform, acme = await _get(client, "hop.test"), await _get(client, ACME)
        again = await _get(client, ACME)
        await services_of(app).pipeline.flush()
    assert [r.headers["location"] for r in (platform, acme, again)] == [
        "https://example.com/platform",
        "https://acme.example/spring",
        "https://acme.example/spring",
    ]
    assert (links.calls["spring"], links.calls[f"{ACME}/spring"]) == (1, 1)  # cached apart
    clicks = sorted(event["link_id"] for event in sink.events.values())
    assert clicks == sorted([links.links["spring"]["id"], "a" * 32, "a" * 32])


@pytest.mark.parametrize(
    "host", ["GO.ACME.TEST", "go.acme.test.", "go.acme.test:8080", "Go.Acme.Test.:443"]
)
async def test_front_every_spelling_of_a_verified_host_is_that_domain(
    make_settings: MakeSettings, loopback: LoopbackServers, host: str
) -> None:
    app, _ = _app(make_settings, loopback.serve(_links()))
    async with app_client(app) as client:
        response = await _get(client, host)
    assert (response.status_code, response.headers["location"]) == (
        302,
        "https://acme.example/spring",
    )


async def test_front_unicode_and_punycode_hosts_are_one_domain(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    punycode = "xn--bcher-kva.test"
    links = FakeLinks(
        domains={punycode: {"spring": link_body("spring", "https://buecher.example/")}},
        platform="hop.test",
        verified={punycode},
    )
    app, _ = _app(make_settings, loopback.serve(links))
    scope_app = get_instrumentation(app).api_app
    async with app_client(app) as client:
        encoded = await _get(client, punycode)
        unicode = await _asgi_get(scope_app, [(b"host", "Bücher.test".encode())])
    assert encoded.headers["location"] == "https://buecher.example/"
    assert unicode == (302, "https://buecher.example/")


@pytest.mark.parametrize(
    "host",
    [
        OTHER,  # a domain links has, not verified
        "go.unknown.test",  # a domain nobody has
        "127.0.0.2",  # an IP literal
        "[::2]:80",
        "a" * 64 + ".acme.test",  # an overlong label
        "go.acme.test:http",  # a port that is none
        "go.acme.test.evil.test",
    ],
)
async def test_front_unserved_host_answers_404_without_asking_links(
    make_settings: MakeSettings, loopback: LoopbackServers, host: str
) -> None:
    links = _links()
    app, sink = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        response = await _get(client, host)
        await services_of(app).pipeline.flush()
    assert response.status_code == 404
    assert response.json() == {"detail": "hop serves no links on this host."}
    assert [call for call in links.calls if "spring" in call] == []
    assert sink.events == {}


async def test_front_follows_a_link_to_an_extra_platform_name(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    # localhost routes requests to redirect (HOP_PLATFORM_HOSTS) but is not hop's public
    # host: links accepts a target there (make run's landing pages), and redirect follows it.
    links = _links()
    links.domains[ACME]["away"] = link_body("away", "http://localhost:8080/x")
    app, _ = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        response = await _get(client, ACME, "/away")
    assert (response.status_code, response.headers["location"]) == (
        302,
        "http://localhost:8080/x",
    )


async def test_front_unserved_host_goes_to_the_fallback_url_when_set(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = _links()
    app, sink = _app(
        make_settings, loopback.serve(links), unknown_host_url="https://hop.test/welcome"
    )
    async with app_client(app) as client:
        response = await _get(client, "go.unknown.test")
        await services_of(app).pipeline.flush()
    assert (response.status_code, response.headers["location"]) == (302, "https://hop.test/welcome")
    assert response.headers["cache-control"] == "no-store"
    assert sink.events == {}  # a fallback is no click


async def _asgi_get(app: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, str | None]:
    """Send ``GET /spring`` with exactly ``headers`` (httpx always adds one Host)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.0",
        "method": "GET",
        "scheme": "http",
        "path": "/spring",
        "raw_path": b"/spring",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    location = dict(start["headers"]).get(b"location")
    return start["status"], None if location is None else location.decode()


async def test_front_request_without_host_is_for_the_platform_and_two_hosts_for_none(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    app, _ = _app(make_settings, loopback.serve(_links()))
    front = get_instrumentation(app).api_app
    async with app_client(app):
        no_host = await _asgi_get(front, [])
        two_hosts = await _asgi_get(front, [(b"host", ACME.encode()), (b"host", b"hop.test")])
    assert no_host == (302, "https://example.com/platform")
    assert two_hosts == (404, None)


async def test_front_unknown_hosts_count_and_throttle_as_unknown_codes(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = _links()
    app, _ = _app(
        make_settings,
        loopback.serve(links),
        cache_unknown_lookup_burst=2,
        cache_unknown_lookup_rate=0.001,
    )
    registry = get_instrumentation(app).metrics.registry
    async with app_client(app) as client:
        await _get(client, "hop.test")  # cached: answered whatever the bucket holds
        first = await _get(client, "one.unknown.test")
        remembered = await _get(client, "one.unknown.test")
        second = await _get(client, "two.unknown.test")
        throttled = await _get(client, "three.unknown.test")
        platform = await _get(client, "hop.test")
        services_of(app).cache.publish_metrics()
    statuses = [r.status_code for r in (first, remembered, second, throttled, platform)]
    assert statuses == [404, 404, 404, 429, 302]
    assert throttled.headers["retry-after"] == "1000"
    assert metric_value(registry, "hop_redirect_cache_negative_hits_total") == 1
    assert metric_value(registry, "hop_redirect_cache_lookups_throttled_total") == 1


async def test_front_domain_unverified_or_deleted_stops_at_the_next_refresh(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = _links()
    app, _ = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        served = await _get(client, ACME)
        links.verified.discard(ACME)
        cached = await _get(client, ACME)  # until the list is read again
        await services_of(app).domains.refresh()
        gone = await _get(client, ACME)
    assert [r.status_code for r in (served, cached, gone)] == [302, 302, 404]


async def test_front_with_links_down_at_start_serves_the_platform_and_503_elsewhere(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = _links()
    links.down = True
    app, _ = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        links.down = False  # up again, the list not read yet
        platform, unsure = await _get(client, "testserver"), await _get(client, ACME)
        await services_of(app).domains.refresh()
        served = await _get(client, ACME)
    assert (platform.status_code, platform.headers["location"]) == (
        302,
        "https://example.com/platform",
    )
    assert (unsure.status_code, unsure.headers["retry-after"]) == (503, "5")
    assert served.headers["location"] == "https://acme.example/spring"
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_redirect_domains_refresh_failures_total") == 1
    assert metric_value(registry, "hop_redirect_domains_served") == 1


@pytest.mark.parametrize("target", ["https://go.acme.test/spring", "https://HOP.test./x"])
async def test_front_link_to_a_served_host_is_not_followed(
    make_settings: MakeSettings, loopback: LoopbackServers, target: str
) -> None:
    links = _links()
    links.domains[ACME]["loop"] = link_body("loop", target)
    app, sink = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        response = await _get(client, ACME, "/loop")
        await services_of(app).pipeline.flush()
    assert response.status_code == 404
    assert response.json() == {
        "detail": "This link points back at a host hop serves; it is not followed."
    }
    assert sink.events == {}


async def test_front_links_without_domains_serves_every_host_as_the_platform(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    links = FakeLinks({"spring": link_body("spring", "https://example.com/platform")})
    app, _ = _app(make_settings, loopback.serve(links))
    async with app_client(app) as client:
        response = await _get(client, "hop.anything.test:8080")
    assert response.headers["location"] == "https://example.com/platform"


@pytest.mark.redis
async def test_front_shared_cache_keeps_each_domains_entry_under_its_own_key(
    make_settings: MakeSettings, loopback: LoopbackServers
) -> None:
    prefix = f"hop-test:redirect:{uuid.uuid4().hex}:"
    links = _links()
    app, _ = _app(make_settings, loopback.serve(links), redis_cache=True, redis_cache_prefix=prefix)
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        async with app_client(app) as client:
            await _get(client, "hop.test")
            await _get(client, ACME)
        platform = await redis.get(prefix + "spring")  # the key as before domains
        acme = await redis.get(link_cache_key("spring", prefix, ACME))
        keys = sorted(key.decode() for key in await redis.keys(prefix + "*"))
    finally:
        await redis.delete(*await redis.keys(prefix + "*"))
        await redis.aclose()
    assert keys == [f"{prefix}{ACME}/spring", f"{prefix}spring"]
    assert platform is not None
    assert acme is not None
    urls = [(decode_cached_link(raw)[0] or {}).get("url") for raw in (platform, acme)]
    assert urls == ["https://example.com/platform", "https://acme.example/spring"]
