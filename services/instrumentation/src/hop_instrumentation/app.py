"""The app factory: a FastAPI app with hop's instrumentation installed.

Usage::

    def create_links_app(settings: LinksSettings) -> FastAPI:
        app = create_app(settings, title="hop links", lifespan=lifespan)
        app.include_router(router)
        return app

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hop = get_instrumentation(app)
        engine = create_engine(settings.database_url)  # hop_instrumentation.database
        hop.readiness.add_check(HealthCheck("database", lambda: ping(engine)))
        yield                      # serving
        await engine.dispose()     # shutdown hooks run here, before spans are flushed

The app serves the API; `Instrumentation.management_app` serves ``/livez``,
``/readyz`` and ``/metrics`` on the management port (see `hop_instrumentation.serving`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Tracer
from starlette.types import ASGIApp

from hop_instrumentation._management import ManagementApp
from hop_instrumentation._middleware import InstrumentationMiddleware, RequestObserver
from hop_instrumentation._sampling import RootSampling
from hop_instrumentation._upstream import UpstreamRequestObserver, instrument_upstream
from hop_instrumentation.health import HealthCheck, Readiness
from hop_instrumentation.metrics import Metrics
from hop_instrumentation.settings import ServiceSettings, TracingInstrumentation
from hop_instrumentation.tracing import configure_tracing

__all__ = ["Instrumentation", "RequestObserver", "create_app", "get_instrumentation"]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]
logger = logging.getLogger("hop.app")

#: FastAPI (0.16x) traces by itself once a global tracer provider exists; hop's
#: middleware is the one source of server spans and HTTP metrics.
_NATIVE_TELEMETRY_OFF = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


@dataclass(slots=True)
class Instrumentation:
    """Hold what the instrumentation gives a service: metrics, readiness, tracing."""

    settings: ServiceSettings
    metrics: Metrics
    readiness: Readiness
    tracer_provider: TracerProvider
    observer: RequestObserver
    management_app: ManagementApp
    #: A pure ASGI app served in front of the FastAPI app on the API port, for a hot
    #: path that bypasses FastAPI's routing; it hands every other request to the app
    #: and observes its own requests with `observer`.
    front: ASGIApp | None = None
    app: FastAPI | None = None

    @property
    def api_app(self) -> ASGIApp:
        """Return what the API port serves: the front app if one is set, else the FastAPI app."""
        if self.front is not None:
            return self.front
        if self.app is None:
            raise LookupError("The instrumentation is not attached to an app yet.")
        return self.app

    @property
    def tracer(self) -> Tracer:
        """Return the service's tracer for its own spans."""
        return self.tracer_provider.get_tracer(self.settings.service_name)


def get_instrumentation(app: FastAPI) -> Instrumentation:
    """Return the instrumentation `create_app` installed on ``app``."""
    instrumentation = getattr(app.state, "instrumentation", None)
    if not isinstance(instrumentation, Instrumentation):
        raise LookupError("This app was not built by hop_instrumentation.create_app.")
    return instrumentation


def create_app(
    settings: ServiceSettings,
    *,
    lifespan: Lifespan | None = None,
    checks: tuple[HealthCheck, ...] = (),
    span_processors: tuple[SpanProcessor, ...] = (),
    **fastapi_options: Any,
) -> FastAPI:
    """Return a FastAPI app with metrics, traces, access logs, probes and shutdown wired in."""
    metrics = Metrics(settings)
    readiness = Readiness(
        interval=settings.health_check_interval, timeout=settings.health_check_timeout
    )
    for check in checks:
        readiness.add_check(check)
    provider = configure_tracing(settings, processors=span_processors)
    upstream = settings.tracing_instrumentation is TracingInstrumentation.UPSTREAM
    observer = (UpstreamRequestObserver if upstream else RequestObserver)(
        metrics,
        provider.get_tracer("hop_instrumentation"),
        RootSampling(settings.trace_sample_ratio),
    )
    instrumentation = Instrumentation(
        settings=settings,
        metrics=metrics,
        readiness=readiness,
        tracer_provider=provider,
        observer=observer,
        management_app=ManagementApp(readiness, metrics),
    )
    app = FastAPI(
        lifespan=_lifespan(instrumentation, lifespan),
        telemetry=_NATIVE_TELEMETRY_OFF,  # type: ignore[arg-type]
        **fastapi_options,
    )
    app.state.instrumentation = instrumentation
    instrumentation.app = app
    app.add_middleware(InstrumentationMiddleware, observer=observer)
    app.add_exception_handler(Exception, _unhandled_error)
    if upstream:
        instrument_upstream(app, provider)
    return app


def _lifespan(
    instrumentation: Instrumentation, inner: Lifespan | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[Any]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        readiness = instrumentation.readiness
        try:
            async with _maybe(inner, app) as state:
                await readiness.start()
                readiness.mark_running()
                logger.info("service ready", extra={"checks": [c.name for c in readiness.checks]})
                yield state
                readiness.mark_shutting_down()
                await readiness.stop()
        finally:
            instrumentation.tracer_provider.shutdown()
            logger.info("service stopped")

    return lifespan


@asynccontextmanager
async def _maybe(inner: Lifespan | None, app: FastAPI) -> AsyncIterator[Any]:
    if inner is None:
        yield None
        return
    async with inner(app) as state:
        yield state


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc, extra={"url_path": request.url.path})
    return JSONResponse(
        {"detail": "Internal server error; the error was logged with this request's trace id."},
        status_code=500,
    )
