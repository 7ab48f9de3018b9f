"""The redirect app: the fast path in front of a FastAPI app, the cache and the click pipeline.

Usage::

    app = create_app(load_settings(RedirectSettings))
    serve("hop_redirect.app:app_from_environment", settings)

redirect has no FastAPI routes of its own, hence no ``routers/`` package: its one
route, ``GET``/``HEAD /{code}``, is served by the pure ASGI `hop_redirect.front`, and
the FastAPI app behind it, which has no routes, answers a JSON 404 for everything else.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from redis.asyncio import Redis

from hop_contracts import ClickTransport
from hop_instrumentation import (
    HealthCheck,
    Instrumentation,
    create_http_client,
    get_instrumentation,
    instrument_redis,
    load_settings,
)
from hop_instrumentation import create_app as create_instrumented_app
from hop_redirect.batching import BatchResolver
from hop_redirect.cache import CacheMetricsPublisher, LinkCache, Resolver
from hop_redirect.clicks import ClickBuffer
from hop_redirect.dependencies import RedirectServices, services_of
from hop_redirect.domains import DomainsRefresher
from hop_redirect.front import RedirectFront
from hop_redirect.hosts import Hosts
from hop_redirect.http_errors import install_error_handlers
from hop_redirect.links_client import LinksClient
from hop_redirect.metrics import RedirectMetrics
from hop_redirect.pipeline import ClickPipeline
from hop_redirect.responses import Renderer, Route
from hop_redirect.senders import ClickSender, HttpClickSender, RedisClickSender
from hop_redirect.settings import RedirectSettings
from hop_redirect.shared_cache import RedisSharedCache
from hop_redirect.spool import ClickSpool

__all__ = ["app_from_environment", "create_app"]

_GEN0_THRESHOLD = 20_000


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `serve` runs)."""
    return create_app(load_settings(RedirectSettings))


def create_app(
    settings: RedirectSettings,
    *,
    analytics_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
    span_processors: tuple[SpanProcessor, ...] = (),
) -> FastAPI:
    """Return the redirect service's app; analytics' transport and the clock are injectable.

    links is always reached over the network at ``settings.links_url`` (tests serve a
    fake on loopback: `hop_instrumentation.testing.LoopbackServers`).
    """
    app = create_instrumented_app(
        settings,
        lifespan=_lifespan,
        span_processors=span_processors,
        title="hop redirect",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    hop = get_instrumentation(app)
    services = _build_services(
        settings,
        hop,
        analytics_transport=analytics_transport,
        clock=clock,
    )
    _add_readiness_checks(hop, services)
    app.state.services = services
    hop.front = RedirectFront(app, services, observer=hop.observer)
    install_error_handlers(app)
    return app


def _build_services(
    settings: RedirectSettings,
    hop: Instrumentation,
    *,
    analytics_transport: httpx.AsyncBaseTransport | None,
    clock: Callable[[], float],
) -> RedirectServices:
    provider = hop.tracer_provider
    metrics = RedirectMetrics.register(hop.metrics.registry)
    links = LinksClient(
        settings.links_url,
        tracer_provider=provider,
        timeout=settings.links_timeout,
        pool_size=settings.links_pool_size,
        metrics=hop.metrics.http_client,
    )
    redis = _redis_client(settings, provider)
    hosts = Hosts(settings.platform_hosts, size=settings.cache_negative_size)
    renderer = Renderer(
        # A browser must not keep a 301/308 longer than this cache may serve a changed link.
        permanent_max_age=min(settings.permanent_max_age, int(settings.cache_ttl)),
        retry_after=settings.unavailable_retry_after,
        # One unknown-code lookup comes back every 1/rate seconds.
        throttled_retry_after=math.ceil(1 / settings.cache_unknown_lookup_rate),
        unknown_host_url=settings.unknown_host_url,
        is_served=hosts.is_served,  # the loop guard, decided once per cache entry
    )
    shared_cache = None
    if settings.redis_cache and redis is not None:
        shared_cache = RedisSharedCache(redis, prefix=settings.redis_cache_prefix)
    cache: LinkCache[Route] = LinkCache(
        resolver=_resolver(settings, links),
        build=renderer.route,
        metrics=metrics.cache,
        size=settings.cache_size,
        ttl=settings.cache_ttl,
        negative_ttl=settings.cache_negative_ttl,
        negative_size=settings.cache_negative_size,
        unknown_lookup_rate=settings.cache_unknown_lookup_rate,
        unknown_lookup_burst=settings.cache_unknown_lookup_burst,
        stale_if_error=settings.cache_stale_if_error,
        shared=shared_cache,
        clock=clock,
    )
    clicks = ClickBuffer(spill_at=settings.click_buffer_size, batch_size=settings.click_batch_size)
    pipeline = ClickPipeline(
        clicks,
        _click_sender(settings, hop, redis, analytics_transport),
        ClickSpool(
            settings.spool_directory,
            max_events=settings.click_spool_max_events,
            max_bytes=settings.click_spool_max_bytes,
            segment_bytes=settings.click_spool_segment_bytes,
            disk_share=settings.workers,  # each worker's spool is one slot on the same disk
        ),
        metrics.clicks,
        batch_size=settings.click_batch_size,
        interval=settings.click_flush_interval,
        max_retry_delay=settings.click_retry_max_delay,
        persistent=settings.click_spool_persistent,
    )
    return RedirectServices(
        settings=settings,
        metrics=metrics,
        links=links,
        renderer=renderer,
        cache=cache,
        cache_publisher=CacheMetricsPublisher(cache),
        shared_cache=shared_cache,
        hosts=hosts,
        domains=DomainsRefresher(
            links, hosts, metrics.domains, interval=settings.domains_refresh_seconds
        ),
        clicks=clicks,
        pipeline=pipeline,
        redis=redis,
    )


def _resolver(settings: RedirectSettings, links: LinksClient) -> Resolver:
    if settings.links_batch_size == 1:
        return links
    return BatchResolver(
        links, batch_size=settings.links_batch_size, in_flight=settings.links_batches_in_flight
    )


def _redis_client(settings: RedirectSettings, provider: TracerProvider) -> Redis | None:
    uses_redis = settings.redis_cache or settings.click_transport is ClickTransport.REDIS
    if not uses_redis:
        return None
    client = Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    instrument_redis(client, tracer_provider=provider)
    return client


def _click_sender(
    settings: RedirectSettings,
    hop: Instrumentation,
    redis: Redis | None,
    analytics_transport: httpx.AsyncBaseTransport | None,
) -> ClickSender:
    if settings.click_transport is ClickTransport.REDIS and redis is not None:
        return RedisClickSender(redis, stream=settings.click_stream)
    client = create_http_client(
        settings.analytics_url,
        tracer_provider=hop.tracer_provider,
        transport=analytics_transport,
        metrics=hop.metrics.http_client,
    )
    return HttpClickSender(client)


def _add_readiness_checks(hop: Instrumentation, services: RedirectServices) -> None:
    # None is critical: redirect stays ready on its cache and buffer while a peer is down.
    readiness = hop.readiness
    if services.shared_cache is not None:
        readiness.add_check(HealthCheck("redis", services.shared_cache.ping, critical=False))
    readiness.add_check(HealthCheck("links", services.links.ping, critical=False))
    transport = services.settings.click_transport
    sink = "analytics" if transport is ClickTransport.HTTP else "click-stream"
    readiness.add_check(HealthCheck(sink, services.pipeline.sender.ping, critical=False))


def _settle_garbage_collector() -> None:
    # Everything built at startup lives as long as the process: move it out of the
    # collector's sight, and collect the young generation less often (a redirect makes
    # few cycles), so full collections stop pausing the event loop under load.
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(_GEN0_THRESHOLD, older, oldest)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services = services_of(app)
    await services.start()
    _settle_garbage_collector()
    try:
        yield
    finally:
        await services.aclose()
