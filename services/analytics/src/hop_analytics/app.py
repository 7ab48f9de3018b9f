"""The analytics app: wiring of store, ingestion, stream consumer, ownership checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from hop_analytics.consumer import ConsumerOptions, StreamConsumer
from hop_analytics.database import MIGRATIONS
from hop_analytics.ingestion import Ingestor
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.owners import OwnerChecker
from hop_analytics.routes import internal, stats
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_contracts import CLICKS_PATH, ClickTransport
from hop_instrumentation import (
    HealthCheck,
    create_app,
    create_http_client,
    get_instrumentation,
    instrument_redis,
    instrument_sqlalchemy,
    load_settings,
)
from hop_instrumentation.database import create_engine

__all__ = ["app_from_environment", "create_analytics_app"]

logger = logging.getLogger("hop.analytics")
_STOP_GRACE = 5.0


def create_analytics_app(
    settings: AnalyticsSettings, *, links_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Return the analytics app; ``links_transport`` replaces the network to links (tests)."""
    app = create_app(settings, title="hop analytics", lifespan=_lifespan)
    app.state.settings = settings
    app.state.links_transport = links_transport
    app.include_router(stats)
    app.include_router(internal)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `hop-analytics serve` runs)."""
    return create_analytics_app(load_settings(AnalyticsSettings))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: AnalyticsSettings = app.state.settings
    hop = get_instrumentation(app)
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    if settings.run_migrations:
        await MIGRATIONS.upgrade(engine)
    instrument_sqlalchemy(engine, tracer_provider=hop.tracer_provider)
    store = ClickStore(engine)
    metrics = AnalyticsMetrics(hop.metrics.registry)
    client = create_http_client(
        settings.links_url,
        tracer_provider=hop.tracer_provider,
        transport=app.state.links_transport,
    )
    app.state.store = store
    app.state.owners = OwnerChecker(client, ttl=settings.owner_cache_ttl)
    app.state.ingestor = Ingestor(store, metrics, hop.tracer)
    hop.readiness.add_check(HealthCheck("database", store.ping))
    tasks = [asyncio.create_task(_prune_forever(store, settings))]
    redis: Redis | None = None
    consumers: list[StreamConsumer] = []
    if settings.click_transport is ClickTransport.REDIS:
        redis, consumers = _start_consumers(app, settings)
        tasks.extend(asyncio.create_task(consumer.run()) for consumer in consumers)
    try:
        yield
    finally:
        for consumer in consumers:
            consumer.stop()
        if consumers:
            await asyncio.wait(tasks[1:], timeout=settings.block_ms / 1000 + _STOP_GRACE)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if redis is not None:
            await redis.aclose()
        await client.aclose()
        await engine.dispose()


def _start_consumers(
    app: FastAPI, settings: AnalyticsSettings
) -> tuple[Redis, list[StreamConsumer]]:
    hop = get_instrumentation(app)
    redis = Redis.from_url(settings.redis_url, socket_timeout=settings.block_ms / 1000 + 5)
    instrument_redis(redis, tracer_provider=hop.tracer_provider)
    count = settings.consumer_concurrency
    consumers = [
        StreamConsumer(redis, app.state.ingestor, _options(settings, index, count))
        for index in range(count)
    ]
    app.state.consumers = consumers

    async def stream_check() -> None:
        await redis.ping()
        for consumer in consumers:
            if not consumer.is_healthy:
                raise RuntimeError(f"A stream consumer is {consumer.state.value}.")

    hop.readiness.add_check(HealthCheck("stream", stream_check, critical=False))
    return redis, consumers


def _options(settings: AnalyticsSettings, index: int, count: int) -> ConsumerOptions:
    name = settings.consumer_name if count == 1 else f"{settings.consumer_name}-{index}"
    return ConsumerOptions(
        stream=settings.click_stream,
        group=settings.consumer_group,
        consumer=name,
        batch_size=settings.batch_size,
        block_ms=settings.block_ms,
        claim_idle_ms=settings.claim_idle_ms,
    )


async def _prune_forever(store: ClickStore, settings: AnalyticsSettings) -> None:
    while True:
        await asyncio.sleep(settings.prune_interval)
        with contextlib.suppress(Exception):
            pruned = await store.prune(timedelta(days=settings.retention_days))
            logger.info("raw click events pruned", extra={"pruned": pruned})


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, RequestValidationError) and request.url.path == CLICKS_PATH:
        events = exc.body.get("events") if isinstance(exc.body, dict) else None
        rejected = len(events) if isinstance(events, list) else 1
        ingestor: Ingestor = request.app.state.ingestor
        ingestor.metrics.received.labels("http").inc(rejected)
        ingestor.metrics.rejected.labels("http").inc(rejected)
    return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]
