"""links writes redirect's shared Redis cache; redirect serves from it without asking links."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks
from hop_instrumentation.testing import LoopbackServers, app_client, make_test_settings
from hop_redirect.app import create_app as create_redirect_app
from hop_redirect.dependencies import services_of as redirect_services
from hop_redirect.settings import RedirectSettings

from .conftest import MakeLinks

pytestmark = pytest.mark.redis


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    name = f"hop-test:link-cache:{uuid.uuid4().hex}:"
    yield name
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = await redis.keys(name + "*")
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


def _redirect(prefix: str, links_url: str, sink: ClickSink) -> FastAPI:
    settings = make_test_settings(
        RedirectSettings,
        redis_cache=True,
        redis_cache_prefix=prefix,
        links_url=links_url,
        analytics_url="http://analytics",
        # Its own spool: the default one is shared by every redirect on this machine's port.
        click_spool_dir=tempfile.mkdtemp(prefix="hop-redirect-spool-"),
        # A slow re-check keeps Python 3.11's wait_for cancel race out of Readiness.stop().
        health_check_interval=30.0,
    )
    return create_redirect_app(settings, analytics_transport=httpx.ASGITransport(sink))


async def _follow(prefix: str, code: str) -> tuple[httpx.Response, FakeLinks, ClickSink]:
    """Follow ``code`` on a fresh redirect whose links knows nothing (only Redis can answer)."""
    links, sink = FakeLinks(), ClickSink()
    async with LoopbackServers() as loopback:
        app = _redirect(prefix, loopback.serve(links), sink)
        async with app_client(app) as client:
            response = await client.get(f"/{code}")
            await redirect_services(app).pipeline.flush()
    return response, links, sink


async def test_redirect_serves_links_written_by_links_and_stops_after_disable_or_delete(
    make_links: MakeLinks, prefix: str
) -> None:
    async with make_links(redis_cache=True, redis_cache_prefix=prefix) as links:
        auth = links.auth(links.alice)
        body = {"url": "https://example.com/a", "code": "cached1"}
        created = (await links.client.post("/api/v1/links", json=body, headers=auth)).json()
        served, asked, sink = await _follow(prefix, "cached1")
        await links.client.patch("/api/v1/links/cached1", json={"disabled": True}, headers=auth)
        disabled, asked_disabled, _ = await _follow(prefix, "cached1")
        await links.client.delete("/api/v1/links/cached1", headers=auth)
        deleted, asked_deleted, _ = await _follow(prefix, "cached1")
    assert (served.status_code, served.headers["location"]) == (302, "https://example.com/a")
    assert asked.calls["cached1"] == 0
    assert [event["link_id"] for event in sink.events.values()] == [created["id"]]
    assert (disabled.status_code, asked_disabled.calls["cached1"]) == (404, 0)
    assert (deleted.status_code, asked_deleted.calls["cached1"]) == (404, 1)  # asked links


async def test_links_keeps_working_when_redis_is_down(make_links: MakeLinks) -> None:
    async with make_links(redis_cache=True, redis_url="redis://127.0.0.1:9/0") as links:
        auth = links.auth(links.alice)
        body = {"url": "https://example.com/a", "code": "nocache"}
        created = await links.client.post("/api/v1/links", json=body, headers=auth)
        deleted = await links.client.delete("/api/v1/links/nocache", headers=auth)
    assert (created.status_code, deleted.status_code) == (201, 204)
