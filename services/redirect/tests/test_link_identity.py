"""Clicks carry the stable id of the link whose answer was served, never a code's."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import redis.asyncio as aioredis

from hop_contracts import decode_cached_link, link_cache_key
from hop_contracts.testing import ClickSink, FakeLinks, link_body
from hop_instrumentation.testing import LoopbackServers, app_client, make_test_settings
from hop_redirect.app import create_app
from hop_redirect.dependencies import services_of
from hop_redirect.settings import RedirectSettings

from .conftest import AppFactory

OLD_ID = "0123456789abcdef0123456789abcdef"
NEW_ID = "fedcba9876543210fedcba9876543210"


async def test_clicks_on_a_deleted_link_served_from_cache_keep_the_old_links_id(
    make_app: AppFactory,
) -> None:
    old = link_body("abc", "https://example.com/old", link_id=OLD_ID)
    app, links, sink = make_app({"abc": old}, cache_ttl=0.3, cache_negative_ttl=0.1)
    async with app_client(app) as client:
        assert (await client.get("/abc")).status_code == 302
        # deleted, and the code created again by someone else: links now has a new link
        links.links["abc"] = link_body("abc", "https://example.com/new", link_id=NEW_ID)
        stale = await client.get("/abc")  # still the old link, from cache
        await asyncio.sleep(0.4)
        fresh = await client.get("/abc")
        await services_of(app).pipeline.flush()
    assert (stale.headers["location"], fresh.headers["location"]) == (
        "https://example.com/old",
        "https://example.com/new",
    )
    events = sorted(sink.events.values(), key=lambda event: str(event["timestamp"]))
    assert [event["link_id"] for event in events] == [OLD_ID, OLD_ID, NEW_ID]
    assert {event["code"] for event in events} == {"abc"}


@pytest.mark.redis
async def test_shared_cache_entry_without_a_link_id_is_a_miss_and_is_replaced(
    loopback: LoopbackServers,
) -> None:
    prefix = f"hop-test:redirect:{uuid.uuid4().hex}:"
    links = FakeLinks({"abc": link_body("abc", "https://example.com/", link_id=NEW_ID)})
    settings = make_test_settings(
        RedirectSettings,
        redis_cache=True,
        redis_cache_prefix=prefix,
        links_url=loopback.serve(links),
        analytics_url="http://analytics",
    )
    app = create_app(
        settings,
        analytics_transport=httpx.ASGITransport(ClickSink()),
    )
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = link_cache_key("abc", prefix)
    old_entry = (
        b'{"link": {"code": "abc", "url": "https://example.com/stale", "redirect_status": 302,'
        b' "forward_query": false, "expires_at": null, "disabled": false}, "stored_at": %f}'
    ) % time.time()
    try:
        await redis.set(key, old_entry, px=60_000)
        async with app_client(app) as client:
            response = await client.get("/abc")
        stored = await redis.get(key)
    finally:
        await redis.delete(key)
        await redis.aclose()
    assert (response.status_code, response.headers["location"]) == (302, "https://example.com/")
    assert links.calls["abc"] == 1
    link, _ = decode_cached_link(stored)
    assert link is not None
    assert link["id"] == NEW_ID
