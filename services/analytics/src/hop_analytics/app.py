"""The analytics service's app factory: click intake, stream consumers, stats."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from redis.asyncio import Redis

from hop_analytics._disabled import LinkFeedStore
from hop_analytics._user_agents import load_parser
from hop_analytics.consumer import ConsumerOptions, StreamConsumer, oldest_waiting
from hop_analytics.database import checkpoint_later
from hop_analytics.dependencies import AnalyticsServices
from hop_analytics.events import EventParser
from hop_analytics.http_errors import install_error_handlers
from hop_analytics.ingestion import Ingestor
from hop_analytics.link_feed import LinkFeedFollower
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.owners import OwnerChecker
from hop_analytics.routers import internal, stats
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_contracts import CLICKS_PATH, ClickTransport
from hop_instrumentation import (
    HealthCheck,
    Instrumentation,
    create_http_client,
    get_instrumentation,
    instrument_redis,
    instrument_sqlalchemy,
    load_settings,
)
from hop_instrumentation import (
    create_app as create_instrumented_app,
)
from hop_instrumentation.database import DatabaseMetrics, create_engine
from hop_instrumentation.metrics import OldestWaitingAge
from hop_instrumentation.services import lifespan_of

__all__ = ["app_from_environment", "create_app"]


def create_app(
    settings: AnalyticsSettings,
    *,
    links_transport: httpx.AsyncBaseTransport | None = None,
    link_feed_transport: httpx.AsyncBaseTransport | None = None,
    span_processors: tuple[SpanProcessor, ...] = (),
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """Return the analytics app; the transports replace the network to links (tests).

    links is called on two ports: its API (ownership) and its internal port (the feed of
    disables and enables, read in the background by `LinkFeedFollower`), each with its
    own transport when given (the feed's defaults to ``links_transport``). ``clock``
    (monotonic seconds) times the cache of links' ownership answers.
    """
    app = create_instrumented_app(
        settings,
        lifespan=lifespan_of(AnalyticsServices),
        span_processors=span_processors,
        title="hop analytics",
    )
    hop = get_instrumentation(app)
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    checkpoint_later(engine)
    instrument_sqlalchemy(engine, tracer_provider=hop.tracer_provider)
    DatabaseMetrics(hop.metrics.registry).instrument(engine)
    store = ClickStore(engine)
    metrics = AnalyticsMetrics.register(hop.metrics.registry)
    ingestor = Ingestor(store, metrics, hop.tracer)
    parser = EventParser(max_skew=timedelta(seconds=settings.click_max_future_skew))
    client = create_http_client(
        settings.links_url,
        tracer_provider=hop.tracer_provider,
        transport=links_transport,
        metrics=hop.metrics.http_client,
    )
    feed_client = create_http_client(
        settings.links_internal_url,
        tracer_provider=hop.tracer_provider,
        transport=link_feed_transport or links_transport,
        metrics=hop.metrics.http_client,
    )
    link_feed = LinkFeedFollower(
        feed_client,
        LinkFeedStore(engine, max_skew=timedelta(seconds=settings.click_max_future_skew)),
        interval=settings.link_feed_interval,
    )
    redis, consumers = _consumers(hop, settings, ingestor, parser)
    app.state.services = AnalyticsServices(
        settings=settings,
        engine=engine,
        store=store,
        metrics=metrics,
        ingestor=ingestor,
        parser=parser,
        owners=OwnerChecker(client, ttl=settings.owner_cache_ttl, clock=clock),
        links_client=client,
        link_feed=link_feed,
        link_feed_client=feed_client,
        redis=redis,
        consumers=consumers,
        waiting_ages=(
            OldestWaitingAge(metrics.intake_oldest_age, ingestor.oldest_at),
            OldestWaitingAge(metrics.stream_oldest_age, lambda: oldest_waiting(consumers)),
        ),
    )
    hop.readiness.add_check(HealthCheck("database", store.ping))
    install_error_handlers(app)
    app.include_router(stats.router)
    app.include_router(internal.router)  # served on the internal port only
    hop.limits.route_body_bytes[CLICKS_PATH] = settings.max_batch_body_bytes
    return app


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `hop-analytics serve` runs).

    The user-agent parser's rules are built now, not on the first click: serving freezes
    the heap startup built (`gc.freeze`), so later collections never walk them.
    """
    app = create_app(load_settings(AnalyticsSettings))
    load_parser()
    return app


def _consumers(
    hop: Instrumentation, settings: AnalyticsSettings, ingestor: Ingestor, parser: EventParser
) -> tuple[Redis | None, tuple[StreamConsumer, ...]]:
    if settings.click_transport is not ClickTransport.REDIS:
        return None, ()
    redis = Redis.from_url(settings.redis_url, socket_timeout=settings.block_ms / 1000 + 5)
    instrument_redis(redis, tracer_provider=hop.tracer_provider)
    count = settings.consumer_concurrency
    consumers = tuple(
        StreamConsumer(redis, ingestor, parser, _options(settings, index, count))
        for index in range(count)
    )

    async def stream_check() -> None:
        await redis.ping()
        for consumer in consumers:
            if not consumer.is_healthy:
                raise RuntimeError(consumer.describe_stall())

    # Not critical: the consumers receive no traffic through the Service, so failing
    # readiness would only stop the stats API and HTTP intake that still work; the
    # failed check shows in /readyz?verbose and the consumer state in metrics.
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
        stall_after=settings.consumer_stall_after,
    )
