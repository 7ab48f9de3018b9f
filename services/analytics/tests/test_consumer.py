from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from hop_analytics.consumer import ConsumerOptions, StreamConsumer
from hop_analytics.events import EventParser
from hop_analytics.ingestion import Ingestor
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.store import ClickStore
from hop_contracts.testing import fake_link_id
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client, management_client, metric_value

from .conftest import OWNER_KEY, REDIS_URL, AppFactory, event

pytestmark = pytest.mark.redis
DAY = date(2026, 11, 28)


def consumer(
    redis: Redis, store: ClickStore, stream: str, name: str = "c1", **options: Any
) -> tuple[StreamConsumer, CollectorRegistry]:
    registry = CollectorRegistry()
    ingestor = Ingestor(store, AnalyticsMetrics.register(registry), trace.NoOpTracer())
    values: dict[str, Any] = {"batch_size": 100, "block_ms": 10, "claim_idle_ms": 60_000}
    values.update(options)
    opts = ConsumerOptions(stream=stream, group="analytics", consumer=name, **values)
    parser = EventParser(max_skew=timedelta(minutes=5))
    return StreamConsumer(redis, ingestor, parser, opts), registry


async def publish(redis: Redis, stream: str, bodies: list[dict[str, Any]]) -> None:
    for body in bodies:
        await redis.xadd(stream, {"event": json.dumps(body)})


async def drain(worker: StreamConsumer) -> None:
    await worker.ensure_group()
    while await worker.step():
        pass


async def total(store: ClickStore) -> int:
    link = fake_link_id("abc1234")
    stats = await store.stats(link, DAY, DAY, code="abc1234", include_bots=False, top_n=1)
    return stats.total_clicks


async def pending(redis: Redis, stream: str) -> int:
    return int((await redis.xpending(stream, "analytics"))["pending"])


async def test_consumer_same_events_delivered_twice_count_once(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    worker, registry = consumer(redis, store, stream_name)
    bodies = [event(f"e{i}") for i in range(5)]
    await publish(redis, stream_name, bodies)
    await drain(worker)
    await publish(redis, stream_name, bodies)
    await drain(worker)
    assert await total(store) == 5
    assert await pending(redis, stream_name) == 0
    assert await redis.xlen(stream_name) == 0  # committed entries are deleted, not kept
    labels = {"transport": "redis"}
    assert metric_value(registry, "hop_analytics_events_ingested_total", labels) == 5
    assert metric_value(registry, "hop_analytics_events_duplicates_total", labels) == 5


async def test_consumer_malformed_entries_moved_to_dead_stream_and_acked(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    worker, registry = consumer(redis, store, stream_name)
    await publish(redis, stream_name, [event("good"), event("bad", timestamp="never")])
    await redis.xadd(stream_name, {"event": "{not json"})
    await redis.xadd(stream_name, {"other": "field"})
    await drain(worker)
    dead = await redis.xrange(f"{stream_name}:dead")
    reasons = [fields[b"reason"].decode() for _id, fields in dead]
    assert len(reasons) == 3
    assert reasons[0].startswith("The event: field 'timestamp' is invalid: ")
    assert await total(store) == 1
    assert await pending(redis, stream_name) == 0
    assert metric_value(registry, "hop_analytics_events_rejected_total") == 3
    invalid = {"reason": "invalid"}
    assert metric_value(registry, "hop_analytics_events_dead_lettered_total", invalid) == 3


async def test_consumer_reclaims_pending_entries_of_dead_consumer(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    dead, _ = consumer(redis, store, stream_name, "dead")
    await dead.ensure_group()
    await publish(redis, stream_name, [event(f"e{i}") for i in range(7)])
    await redis.xreadgroup("analytics", "dead", {stream_name: ">"}, count=4)
    await asyncio.sleep(0.2)  # let the entries idle past claim_idle_ms
    alive, _ = consumer(redis, store, stream_name, "alive", claim_idle_ms=100)
    await drain(alive)
    assert await total(store) == 7
    assert await pending(redis, stream_name) == 0


async def test_consumer_polls_export_the_groups_undelivered_and_pending_entries(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    dead, _ = consumer(redis, store, stream_name, "dead")
    await dead.ensure_group()
    await publish(redis, stream_name, [event(f"e{i}") for i in range(7)])
    await redis.xreadgroup("analytics", "dead", {stream_name: ">"}, count=3)
    worker, registry = consumer(redis, store, stream_name, batch_size=2, backlog_every=0)
    backlog = []
    for _step in range(3):
        await worker.step()
        backlog.append(
            (
                metric_value(registry, "hop_analytics_stream_lag_events"),
                metric_value(registry, "hop_analytics_stream_pending_events"),
            )
        )
    # Read before each poll: 4 then 2 undelivered, the dead consumer's 3 stay pending.
    # From the second poll on, the deleted entries hide Redis' own lag (it answers nil).
    assert backlog == [(4, 3), (2, 3), (0, 3)]


@pytest.mark.process
@pytest.mark.parametrize("stage", ["before-commit", "after-commit"])
async def test_consumer_killed_mid_batch_loses_nothing_and_counts_exactly(
    redis: Redis, store: ClickStore, database_url: str, stream_name: str, stage: str
) -> None:
    await publish(redis, stream_name, [event(f"e{i}") for i in range(50)])
    script = Path(__file__).with_name("stuck_consumer.py")
    args = [database_url, REDIS_URL, stream_name, "doomed", "20", stage]
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), *args, stdout=asyncio.subprocess.PIPE
    )
    try:
        line = await process.stdout.readline()  # type: ignore[union-attr]
        assert line.decode().split() == [stage, "20"]
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert await pending(redis, stream_name) == 20
    await asyncio.sleep(0.2)  # let the dead consumer's entries idle past claim_idle_ms
    survivor, registry = consumer(redis, store, stream_name, "survivor", claim_idle_ms=100)
    await drain(survivor)
    assert await total(store) == 50
    assert await pending(redis, stream_name) == 0
    duplicates = 20 if stage == "after-commit" else 0
    assert metric_value(registry, "hop_analytics_events_duplicates_total") == duplicates


async def test_app_redis_transport_consumes_stream_and_reports_ready(
    make_app: AppFactory, redis: Redis, stream_name: str
) -> None:
    app = make_app(click_transport="redis", click_stream=stream_name, block_ms=20)
    await publish(redis, stream_name, [event("a"), event("b")])
    async with app_client(app) as client, management_client(app) as management:
        for _attempt in range(200):
            response = await client.get(
                "/api/v1/stats/abc1234",
                params={"from": str(DAY), "to": str(DAY)},
                headers={"Authorization": OWNER_KEY},
            )
            ready = await management.get("/readyz", params={"verbose": ""})
            if response.json()["total_clicks"] == 2 and "[+]stream" in ready.text:
                break
            await asyncio.sleep(0.02)
    assert response.json()["total_clicks"] == 2
    assert "[+]stream ok (non-critical)" in ready.text
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_analytics_stream_consumer_state", {"state": "stopped"}) == 1
