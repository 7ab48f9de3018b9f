"""The oldest click still waiting: in intake (a batch being stored) and in the stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from hop_analytics.consumer import oldest_waiting
from hop_analytics.events import Click
from hop_analytics.ingestion import Ingestor
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.store import ClickStore, IngestOutcome
from hop_contracts import ClickEvent
from hop_instrumentation.metrics import OldestWaitingAge
from hop_instrumentation.testing import metric_value

from .conftest import event
from .test_consumer import consumer

CLICKED = "2026-11-28T08:00:00.000Z"
CLICKED_AT = datetime.fromisoformat(CLICKED).timestamp()


class HeldStore(ClickStore):
    """Hold every batch until `release` is set, then count it as accepted."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.holding = asyncio.Event()

    @property
    def single_writer(self) -> bool:
        return False

    async def ingest_many(
        self, batches: Sequence[Sequence[Click]], *, now: datetime | None = None
    ) -> list[IngestOutcome]:
        self.holding.set()
        await self.release.wait()
        return [IngestOutcome(len(batch), 0, None) for batch in batches]


def clicks(*timestamps: str) -> list[Click]:
    bodies: list[dict[str, Any]] = [event(timestamp=stamp) for stamp in timestamps]
    return [Click.from_event(ClickEvent.model_validate(body)) for body in bodies]


async def test_intake_age_is_the_oldest_click_being_stored_and_0_once_committed() -> None:
    registry = CollectorRegistry()
    metrics = AnalyticsMetrics.register(registry)
    store = HeldStore()
    ingestor = Ingestor(store, metrics, trace.NoOpTracer())
    now = [CLICKED_AT + 60]
    age = OldestWaitingAge(metrics.intake_oldest_age, ingestor.oldest_at, clock=lambda: now[0])
    assert age.refresh() == 0
    batch = clicks("2026-11-28T08:00:30.000Z", CLICKED, "2026-11-28T08:00:45.000Z")
    storing = asyncio.create_task(ingestor.ingest(batch, transport="http"))
    await store.holding.wait()
    assert age.refresh() == 60
    now[0] += 600  # the database holds the batch: its clicks keep ageing
    age.refresh()
    assert metric_value(registry, "hop_analytics_intake_oldest_age_seconds") == 660
    store.release.set()
    await storing
    assert age.refresh() == 0


@pytest.mark.redis
async def test_stream_age_is_the_first_entry_left_and_0_once_every_entry_is_committed(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    worker, _ = consumer(redis, store, stream_name, batch_size=2, backlog_every=0)
    await worker.ensure_group()
    for index, millis in enumerate((1_700_000_000_000, 1_700_000_005_000, 1_700_000_009_000)):
        fields = {"event": json.dumps(event(f"e{index}"))}
        await redis.xadd(stream_name, fields, id=f"{millis}-0")  # type: ignore[arg-type]
    gauge = AnalyticsMetrics.register(CollectorRegistry()).stream_oldest_age
    age = OldestWaitingAge(gauge, lambda: oldest_waiting([worker]), clock=lambda: 1_700_000_100)
    await worker.step()  # measured before the read: all three wait
    assert age.refresh() == 100
    await worker.step()  # the first two were committed and deleted
    assert age.refresh() == 91
    await worker.step()
    assert age.refresh() == 0
