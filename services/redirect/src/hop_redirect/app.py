"""The redirect app: the fast path in front of a FastAPI app, the cache and the click pipeline.

Usage::

    app = create_redirect_app(load_settings(RedirectSettings))
    serve("hop_redirect.app:app_from_environment", settings)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from redis.asyncio import Redis
from starlette.exceptions import HTTPException

from hop_contracts import ClickTransport
from hop_instrumentation import (
    HealthCheck,
    create_app,
    create_http_client,
    get_instrumentation,
    instrument_redis,
    load_settings,
)
from hop_redirect.cache import LinkCache
from hop_redirect.clicks import ClickBuffer
from hop_redirect.front import RedirectFront
from hop_redirect.links_client import LinksClient
from hop_redirect.metrics import CacheMetrics, ClickMetrics
from hop_redirect.pipeline import ClickPipeline
from hop_redirect.responses import Renderer, Route
from hop_redirect.senders import ClickSender, HttpClickSender, RedisClickSender
from hop_redirect.settings import RedirectSettings
from hop_redirect.shared_cache import RedisSharedCache

__all__ = ["RedirectState", "app_from_environment", "create_redirect_app", "get_state"]

_PUBLISH_INTERVAL = 1.0
_NOT_FOUND = (
    "Nothing here: a short link is one path segment of 1 to 64 letters, digits, '-' or '_'."
)


@dataclass(slots=True)
class RedirectState:
    """The per-app parts of the service, kept on ``app.state.redirect``."""

    settings: RedirectSettings
    links: LinksClient
    cache: LinkCache[Route]
    clicks: ClickBuffer
    pipeline: ClickPipeline
    redis: Redis | None

    async def aclose(self) -> None:
        """Close every connection pool."""
        await self.links.aclose()
        await self.pipeline.sender.aclose()
        if self.redis is not None:
            await self.redis.aclose()


def get_state(app: FastAPI) -> RedirectState:
    """Return the redirect parts of an app built by `create_redirect_app`."""
    state = getattr(app.state, "redirect", None)
    if not isinstance(state, RedirectState):
        raise LookupError("This app was not built by create_redirect_app.")
    return state


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `serve` runs)."""
    return create_redirect_app(load_settings(RedirectSettings))


def create_redirect_app(
    settings: RedirectSettings,
    *,
    links_transport: httpx.AsyncBaseTransport | None = None,
    analytics_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
    span_processors: tuple[SpanProcessor, ...] = (),
) -> FastAPI:
    """Return the redirect service's app; transports and clock are injectable for tests."""
    app = create_app(
        settings,
        lifespan=_lifespan,
        span_processors=span_processors,
        title="hop redirect",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    hop = get_instrumentation(app)
    provider = hop.tracer_provider
    timeout = httpx.Timeout(settings.links_timeout)
    links = LinksClient(
        create_http_client(
            settings.links_url, tracer_provider=provider, timeout=timeout, transport=links_transport
        )
    )
    redis = _redis_client(settings, provider)
    renderer = Renderer(
        permanent_max_age=settings.permanent_max_age,
        retry_after=settings.unavailable_retry_after,
    )
    shared = None
    if settings.redis_cache and redis is not None:
        shared = RedisSharedCache(redis, prefix=settings.redis_cache_prefix)
        hop.readiness.add_check(HealthCheck("redis", shared.ping, critical=False))
    cache: LinkCache[Route] = LinkCache(
        resolver=links,
        build=renderer.route,
        metrics=CacheMetrics.register(hop.metrics.registry),
        size=settings.cache_size,
        ttl=settings.cache_ttl,
        negative_ttl=settings.cache_negative_ttl,
        stale_if_error=settings.cache_stale_if_error,
        shared=shared,
        clock=clock,
    )
    click_metrics = ClickMetrics.register(hop.metrics.registry)
    clicks = ClickBuffer(
        bound=settings.click_buffer_size,
        batch_size=settings.click_batch_size,
        metrics=click_metrics,
    )
    sender = _click_sender(settings, provider, redis, analytics_transport)
    pipeline = ClickPipeline(
        clicks,
        sender,
        click_metrics,
        batch_size=settings.click_batch_size,
        interval=settings.click_flush_interval,
        max_retry_delay=settings.click_retry_max_delay,
    )
    hop.readiness.add_check(HealthCheck("links", links.ping, critical=False))
    sink = "analytics" if settings.click_transport is ClickTransport.HTTP else "click-stream"
    hop.readiness.add_check(HealthCheck(sink, sender.ping, critical=False))
    app.state.redirect = RedirectState(settings, links, cache, clicks, pipeline, redis)
    hop.front = RedirectFront(
        app,
        cache=cache,
        renderer=renderer,
        clicks=clicks,
        observer=hop.observer,
        country_header=settings.country_header,
        log_sample_ratio=settings.access_log_sample_ratio,
    )
    app.add_exception_handler(HTTPException, _http_error)
    return app


def _redis_client(settings: RedirectSettings, provider: TracerProvider) -> Redis | None:
    uses_redis = settings.redis_cache or settings.click_transport is ClickTransport.REDIS
    if not uses_redis:
        return None
    client = Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    instrument_redis(client, tracer_provider=provider)
    return client


def _click_sender(
    settings: RedirectSettings,
    provider: TracerProvider,
    redis: Redis | None,
    analytics_transport: httpx.AsyncBaseTransport | None,
) -> ClickSender:
    if settings.click_transport is ClickTransport.REDIS and redis is not None:
        return RedisClickSender(redis, stream=settings.click_stream)
    client = create_http_client(
        settings.analytics_url, tracer_provider=provider, transport=analytics_transport
    )
    return HttpClickSender(client)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = get_state(app)
    state.pipeline.start()
    publisher = asyncio.create_task(_publish_cache_metrics(state.cache))
    try:
        yield
    finally:
        publisher.cancel()
        await asyncio.gather(publisher, return_exceptions=True)
        state.cache.publish_metrics()
        await state.pipeline.stop(state.settings.click_shutdown_timeout)
        await state.aclose()


async def _publish_cache_metrics(cache: LinkCache[Route]) -> None:
    while True:
        await asyncio.sleep(_PUBLISH_INTERVAL)
        cache.publish_metrics()


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = _NOT_FOUND if status == 404 else getattr(exc, "detail", "Request failed.")
    headers = getattr(exc, "headers", None)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
