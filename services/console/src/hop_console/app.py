"""The console app: server-rendered pages over links' and analytics' public APIs.

Usage::

    app = create_app(load_settings(ConsoleSettings))
    serve("hop_console.app:app_from_environment", settings)

Every page lives under ``settings.base_path`` (``/console``), the prefix the edge routes
here; the static files (one stylesheet, one small script) too.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from starlette.middleware import Middleware
from starlette.staticfiles import StaticFiles

from hop_console.dependencies import ConsoleServices, services_of
from hop_console.http_errors import error_page_of, install_error_handlers
from hop_console.links_sessions import SessionsApi
from hop_console.metrics import ConsoleMetrics
from hop_console.pages import Pages
from hop_console.peers import AnalyticsApi, LinksApi
from hop_console.routers import domains, links, session, stats
from hop_console.security import SameOriginMiddleware, SecurityHeadersMiddleware
from hop_console.sessions import SessionCodec
from hop_console.settings import ConsoleSettings
from hop_instrumentation import (
    HealthCheck,
    Instrumentation,
    create_http_client,
    get_instrumentation,
    load_settings,
)
from hop_instrumentation import create_app as create_instrumented_app

__all__ = ["app_from_environment", "create_app"]

STATIC: Final = Path(__file__).parent / "static"


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `serve` runs)."""
    return create_app(load_settings(ConsoleSettings))


def create_app(
    settings: ConsoleSettings,
    *,
    links_transport: httpx.AsyncBaseTransport | None = None,
    links_internal_transport: httpx.AsyncBaseTransport | None = None,
    analytics_transport: httpx.AsyncBaseTransport | None = None,
    span_processors: tuple[SpanProcessor, ...] = (),
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Return the console's app; the peers' transports are injectable for tests.

    ``clock`` (wall seconds) dates the session cookies and judges their age.
    """
    app = create_instrumented_app(
        settings,
        lifespan=_lifespan,
        span_processors=span_processors,
        title="hop console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    hop = get_instrumentation(app)
    services = _build_services(
        settings,
        hop,
        links_transport=links_transport,
        links_internal_transport=links_internal_transport,
        analytics_transport=analytics_transport,
        clock=clock,
    )
    app.state.services = services
    _add_readiness_checks(hop, services)
    base = settings.base_path
    for router in (session.router, links.router, domains.router, stats.router):
        app.include_router(router, prefix=base)
    app.mount(base + "/static", StaticFiles(directory=STATIC), name="static")
    error_page = error_page_of(app)
    # Innermost (add_middleware would make it outermost): after the instrumentation has
    # seen the request, before the session, the body or a route.
    app.user_middleware.append(Middleware(SameOriginMiddleware, error_page=error_page))
    app.add_middleware(SecurityHeadersMiddleware, error_page=error_page)
    install_error_handlers(app)
    return app


def _build_services(
    settings: ConsoleSettings,
    hop: Instrumentation,
    *,
    links_transport: httpx.AsyncBaseTransport | None,
    links_internal_transport: httpx.AsyncBaseTransport | None,
    analytics_transport: httpx.AsyncBaseTransport | None,
    clock: Callable[[], float],
) -> ConsoleServices:
    metrics = ConsoleMetrics.register(hop.metrics.registry)
    timeout = httpx.Timeout(settings.peer_timeout)

    def client(url: str, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        return create_http_client(
            url,
            tracer_provider=hop.tracer_provider,
            timeout=timeout,
            transport=transport,
            metrics=hop.metrics.http_client,
        )

    secret = settings.session_secret
    return ConsoleServices(
        settings=settings,
        metrics=metrics,
        links=LinksApi(client(settings.links_url, links_transport), metrics.peer_failures),
        links_sessions=SessionsApi(
            client(settings.links_internal_url, links_internal_transport), metrics.peer_failures
        ),
        analytics=AnalyticsApi(
            client(settings.analytics_url, analytics_transport), metrics.peer_failures
        ),
        sessions=SessionCodec(
            secret.get_secret_value() if secret is not None else None,
            max_age=settings.session_max_age,
            clock=clock,
        ),
        pages=Pages(settings.base_path),
    )


def _add_readiness_checks(hop: Instrumentation, services: ConsoleServices) -> None:
    # Neither is critical: the console still answers (a 503 page) while a peer is down.
    hop.readiness.add_check(HealthCheck("links", services.links.ping, critical=False))
    hop.readiness.add_check(
        HealthCheck("links_sessions", services.links_sessions.ping, critical=False)
    )
    hop.readiness.add_check(HealthCheck("analytics", services.analytics.ping, critical=False))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services = services_of(app)
    try:
        yield
    finally:
        await services.aclose()
