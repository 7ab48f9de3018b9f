"""A consumer process that commits one batch, then hangs before acknowledging it.

Run by test_consumer.py, which SIGKILLs it: the crash window between commit and ack.
Arguments: database URL, Redis URL, stream, consumer name, batch size, stage
(``before-commit`` or ``after-commit``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import timedelta

from opentelemetry import trace
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from hop_analytics.consumer import ConsumerOptions, StreamConsumer
from hop_analytics.events import Click, EventParser
from hop_analytics.ingestion import Ingestor, IngestReport
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.store import ClickStore
from hop_instrumentation.database import create_engine


class HangingIngestor(Ingestor):
    def __init__(self, store: ClickStore, stage: str) -> None:
        super().__init__(store, AnalyticsMetrics.register(CollectorRegistry()), trace.NoOpTracer())
        self._stage = stage

    async def ingest(self, clicks: Sequence[Click], *, transport: str) -> IngestReport:
        if self._stage == "after-commit":
            await super().ingest(clicks, transport=transport)
        print(self._stage, len(clicks), flush=True)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def main(
    database_url: str, redis_url: str, stream: str, name: str, size: str, stage: str
) -> None:
    engine = create_engine(database_url)
    redis = Redis.from_url(redis_url)
    options = ConsumerOptions(stream=stream, group="analytics", consumer=name, batch_size=int(size))
    ingestor = HangingIngestor(ClickStore(engine), stage)
    parser = EventParser(max_skew=timedelta(minutes=5))
    consumer = StreamConsumer(redis, ingestor, parser, options)
    await consumer.ensure_group()
    await consumer.step()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
