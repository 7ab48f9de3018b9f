from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks, fake_link_id, link_body
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import (
    LoopbackServers,
    app_client,
    free_port,
    metric_value,
    wait_until_async,
)
from hop_redirect import pipeline as pipeline_module
from hop_redirect.app import create_app
from hop_redirect.dependencies import services_of
from hop_redirect.settings import RedirectSettings

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def metric(app: FastAPI, name: str, labels: dict[str, str] | None = None) -> float:
    return metric_value(get_instrumentation(app).metrics.registry, name, labels)


async def test_click_redirect_records_one_event_with_its_fields(make_app: AppFactory) -> None:
    app, _, sink = make_app(country_header="CF-IPCountry", trace_sample_ratio=0.0)
    headers = {"referer": "https://news.example/", "user-agent": FIREFOX, "cf-ipcountry": "de"}
    async with app_client(app) as client:
        await client.get("/abc", headers=headers)
        await services_of(app).pipeline.flush()
    [event] = sink.events.values()
    assert uuid.UUID(event.pop("id")).version == 4
    assert event.pop("timestamp").endswith("Z")
    assert event == {
        "link_id": fake_link_id("abc"),
        "code": "abc",
        "referrer": "https://news.example/",
        "user_agent": FIREFOX,
        "is_bot": False,
        "country": "DE",
    }


async def test_click_crawler_is_flagged_as_bot(make_app: AppFactory) -> None:
    app, _, sink = make_app()
    async with app_client(app) as client:
        await client.get("/abc", headers={"user-agent": GOOGLEBOT})
        await client.get("/abc", headers={"user-agent": ""})
        await services_of(app).pipeline.flush()
    assert sorted(e["is_bot"] for e in sink.events.values()) == [False, True]


async def test_click_never_carries_the_client_address(make_app: AppFactory) -> None:
    app, _, sink = make_app(country_header="CF-IPCountry")
    headers = {"x-forwarded-for": "203.0.113.9", "cf-ipcountry": "T1"}
    async with app_client(app) as client:
        await client.get("/abc", headers=headers)
        await services_of(app).pipeline.flush()
    [event] = sink.events.values()
    assert "203.0.113.9" not in str(event)
    assert event["country"] is None


async def test_click_sampled_request_carries_its_traceparent(make_app: AppFactory) -> None:
    app, _, sink = make_app(trace_sample_ratio=1.0)
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with app_client(app) as client:
        await client.get("/abc", headers={"traceparent": parent})
        await services_of(app).pipeline.flush()
    [event] = sink.events.values()
    assert event["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert event["traceparent"].endswith("-01")


async def test_click_errors_record_no_event(make_app: AppFactory) -> None:
    app, _, sink = make_app()
    async with app_client(app) as client:
        await client.get("/missing")
        await client.post("/abc")
        await services_of(app).pipeline.flush()
    assert sink.events == {}


async def test_click_buffer_over_its_bound_spills_to_the_spool_and_drops_nothing(
    make_app: AppFactory,
) -> None:
    app, _, sink = make_app(click_buffer_size=3, click_flush_interval=60.0)
    pipeline = services_of(app).pipeline
    async with app_client(app) as client:
        statuses = [(await client.get("/abc")).status_code for _ in range(5)]

        async def spooled() -> bool:
            return len(pipeline.spool) == 5

        await wait_until_async(spooled, what="the five clicks to be spilled to the spool")
        assert metric(app, "hop_redirect_clicks_spool_events") == 5
        await pipeline.flush()
    assert statuses == [302] * 5
    assert len(sink.events) == 5
    assert metric(app, "hop_redirect_clicks_spooled_total") == 5
    assert metric(app, "hop_redirect_clicks_dropped_total", {"reason": "buffer_full"}) == 0
    assert metric(app, "hop_redirect_clicks_sent_total") == 5
    assert metric(app, "hop_redirect_clicks_spool_events") == 0


async def test_click_spool_budget_exhausted_drops_and_counts_spool_full(
    make_app: AppFactory,
) -> None:
    app, _, sink = make_app(
        click_buffer_size=1, click_spool_max_events=3, click_flush_interval=60.0
    )
    pipeline = services_of(app).pipeline
    async with app_client(app) as client:
        statuses = [(await client.get("/abc")).status_code for _ in range(5)]

        async def spilled() -> bool:
            return len(pipeline.buffer) == 0

        await wait_until_async(spilled, what="the buffer to be spilled")
        await pipeline.flush()
    assert statuses == [302] * 5
    assert len(sink.events) == 3
    assert metric(app, "hop_redirect_clicks_dropped_total", {"reason": "spool_full"}) == 2
    assert metric(app, "hop_redirect_clicks_spool_capacity_events") == 3


async def test_click_batch_rejected_with_4xx_is_dropped_not_retried(
    make_settings: Callable[..., RedirectSettings], loopback: LoopbackServers
) -> None:
    posts: list[int] = []

    def reject(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(1)
        return httpx.Response(422, json={"detail": "events.0.code: too long"})

    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    app = create_app(
        make_settings(links_url=loopback.serve(links)),
        analytics_transport=httpx.MockTransport(reject),
    )
    async with app_client(app) as client:
        await client.get("/abc")
        await services_of(app).pipeline.flush()
    assert posts == [1]
    assert metric(app, "hop_redirect_clicks_dropped_total", {"reason": "rejected"}) == 1


async def test_click_flushes_by_size_and_by_time(make_app: AppFactory) -> None:
    app, _, sink = make_app(click_batch_size=2, click_flush_interval=0.05)
    async with app_client(app) as client:
        for _ in range(5):
            await client.get("/abc")

        async def all_sent() -> bool:
            return len(sink.events) == 5

        await wait_until_async(all_sent, what="the five clicks to reach the sink")
    assert sink.batches >= 3


@pytest.mark.process
async def test_click_analytics_outage_buffers_then_delivers_each_once(
    make_settings: Callable[..., RedirectSettings], processes: Any, loopback: LoopbackServers
) -> None:
    port = free_port()
    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    settings = make_settings(
        links_url=loopback.serve(links),
        analytics_url=f"http://127.0.0.1:{port}",
        click_batch_size=10,
    )
    app = create_app(settings)
    async with app_client(app) as client, httpx.AsyncClient() as probe:
        for _ in range(25):
            assert (await client.get("/abc")).status_code == 302
        assert metric(app, "hop_redirect_clicks_sent_total") == 0
        processes.sink(port)

        async def delivered() -> bool:
            body = (await probe.get(f"http://127.0.0.1:{port}/events")).json()
            return len(body["events"]) >= 25

        await wait_until_async(delivered, what="the sink to get the 25 buffered clicks")
        body = (await probe.get(f"http://127.0.0.1:{port}/events")).json()
    ids = [event["id"] for event in body["events"]]
    assert (len(ids), len(set(ids)), body["received"]) == (25, 25, 25)


@pytest.mark.redis
async def test_click_redis_transport_appends_one_stream_entry_per_event(
    make_settings: Callable[..., RedirectSettings], loopback: LoopbackServers
) -> None:
    stream = f"hop-test:redirect:{uuid.uuid4().hex}"
    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    settings = make_settings(
        links_url=loopback.serve(links), click_transport="redis", click_stream=stream
    )
    app = create_app(settings)
    client = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        async with app_client(app) as http:
            for _ in range(3):
                await http.get("/abc", headers={"user-agent": GOOGLEBOT})
            await services_of(app).pipeline.flush()
        entries = await client.xrange(stream)
    finally:
        await client.delete(stream)
        await client.aclose()
    events = [orjson_loads(fields[b"event"]) for _, fields in entries]
    assert [(e["code"], e["is_bot"]) for e in events] == [("abc", True)] * 3
    assert len({e["id"] for e in events}) == 3


def orjson_loads(raw: bytes) -> dict[str, Any]:
    import orjson

    value: dict[str, Any] = orjson.loads(raw)
    return value


async def test_click_taken_by_a_flusher_stopped_while_encoding_is_still_delivered(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The flusher takes a batch from the buffer, then encodes it in a thread; a shutdown
    # that cancels it there must not lose the batch (seen as clicks gone after Ctrl-C).
    encoding = threading.Event()
    encode = pipeline_module.encode_events

    def slow_encode(raws: Any) -> list[bytes]:
        encoding.set()
        time.sleep(0.3)
        return encode(raws)

    monkeypatch.setattr(pipeline_module, "encode_events", slow_encode)
    app, _, sink = make_app()
    async with app_client(app) as client:
        assert (await client.get("/abc", headers={"user-agent": FIREFOX})).status_code == 302

        async def encoding_started() -> bool:
            return encoding.is_set()

        await wait_until_async(encoding_started, what="the flusher to encode", timeout=5)
    # The app has stopped: the flusher was cancelled mid-encode, and stop() delivered.
    assert [e["code"] for e in sink.events.values()] == ["abc"]
