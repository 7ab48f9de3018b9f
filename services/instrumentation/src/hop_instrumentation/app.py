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
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Tracer
from starlette.types import ASGIApp

from hop_instrumentation._loop_lag import LoopLagMonitor
from hop_instrumentation._management import ManagementApp
from hop_instrumentation._middleware import InstrumentationMiddleware, RequestObserver
from hop_instrumentation._sampling import RootSampling
from hop_instrumentation._upstream import UpstreamRequestObserver, instrument_upstream
from hop_instrumentation.health import HealthCheck, Readiness
from hop_instrumentation.limits import LimitsMiddleware, RequestLimits
from hop_instrumentation.metrics import Metrics
from hop_instrumentation.ratelimit import (
    InProcessWindows,
    RateLimitMiddleware,
    RedisWindows,
    Windows,
    rate_limited_counter,
)
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
    #: Body caps and the authentication hook `LimitsMiddleware` enforces; services add
    #: their routes' caps and hook in their ``create_app`` (see `hop_instrumentation.limits`).
    limits: RequestLimits
    loop_lag: LoopLagMonitor
    #: The rate limits' counters: in Redis with ``HOP_RATE_LIMIT_REDIS_URL``, else in-process.
    rate_windows: Windows
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
        RootSampling(
            settings.trace_sample_ratio,
            trusted=settings.trusted_proxies,
            internal_port=settings.internal_port,
        ),
    )
    instrumentation = Instrumentation(
        settings=settings,
        metrics=metrics,
        readiness=readiness,
        tracer_provider=provider,
        observer=observer,
        management_app=ManagementApp(readiness, metrics),
        limits=RequestLimits(
            body_bytes=settings.max_body_bytes, body_timeout=settings.request_body_timeout
        ),
        loop_lag=LoopLagMonitor(metrics.registry, interval=settings.event_loop_lag_interval),
        rate_windows=_rate_windows(settings),
    )
    app = FastAPI(
        lifespan=_lifespan(instrumentation, lifespan),
        telemetry=_NATIVE_TELEMETRY_OFF,  # type: ignore[arg-type]
        **fastapi_options,
    )
    app.state.instrumentation = instrumentation
    instrumentation.app = app
    app.add_middleware(LimitsMiddleware, limits=instrumentation.limits)
    app.add_middleware(
        RateLimitMiddleware,
        windows=instrumentation.rate_windows,
        refused=rate_limited_counter(metrics.registry),
        paths=settings.rate_limit_paths,
        window=settings.rate_limit_window,
        per_address=settings.rate_limit_per_address,
        per_key=settings.rate_limit_per_key,
        auth_failures=settings.rate_limit_auth_failures,
        trusted=settings.trusted_proxies,
    )
    app.add_middleware(InstrumentationMiddleware, observer=observer)  # outermost: sees 413s
    app.add_exception_handler(Exception, _unhandled_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    if upstream:
        instrument_upstream(app, provider)
    _document_limits(app, settings)
    return app


_DETAIL_SCHEMA: Final = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_TOO_LARGE: Final = {
    "description": "The request body is larger than this route's limit.",
    "content": {"application/json": {"schema": _DETAIL_SCHEMA}},
}
_TOO_MANY: Final = {
    "description": "A rate limit was hit; retry after `Retry-After` seconds.",
    "headers": {
        "Retry-After": {"schema": {"type": "integer"}},
        "RateLimit": {"schema": {"type": "string"}},
        "RateLimit-Policy": {"schema": {"type": "string"}},
    },
    "content": {"application/json": {"schema": _DETAIL_SCHEMA}},
}


def _document_limits(app: FastAPI, settings: ServiceSettings) -> None:
    """Add the limits' answers (413 on bodies, 429 on rate-limited paths) to the OpenAPI."""
    build = app.openapi
    limited = any(
        (settings.rate_limit_per_address, settings.rate_limit_per_key,
         settings.rate_limit_auth_failures)
    )  # fmt: skip

    def openapi() -> dict[str, Any]:
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if method in ("post", "put", "patch"):
                    responses.setdefault("413", _TOO_LARGE)
                if limited and path.startswith(settings.rate_limit_paths):
                    responses.setdefault("429", _TOO_MANY)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _rate_windows(settings: ServiceSettings) -> Windows:
    if settings.rate_limit_redis_url:
        prefix = f"hop:ratelimit:{settings.service_name}:"
        return RedisWindows(settings.rate_limit_redis_url, prefix=prefix)
    return InProcessWindows()


def _lifespan(
    instrumentation: Instrumentation, inner: Lifespan | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[Any]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        readiness = instrumentation.readiness
        try:
            async with _maybe(inner, app) as state:
                await readiness.start()
                instrumentation.loop_lag.start()
                if instrumentation.metrics.publisher is not None:
                    instrumentation.metrics.publisher.start()
                readiness.mark_running()
                logger.info("service ready", extra={"checks": [c.name for c in readiness.checks]})
                yield state
                readiness.mark_shutting_down()
                await instrumentation.loop_lag.stop()
                await readiness.stop()
        finally:
            if instrumentation.metrics.publisher is not None:
                await instrumentation.metrics.publisher.stop()
            if isinstance(instrumentation.rate_windows, RedisWindows):
                await instrumentation.rate_windows.close()
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


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Answer FastAPI's own 422 body, with the inputs JSON cannot carry spelled as strings.

    Python's JSON parser reads ``1e400`` as infinity, accepts ``NaN`` and decodes
    ``"\\ud800"`` to a lone surrogate, which UTF-8 cannot carry; FastAPI's default handler
    echoes such an input back and fails to encode it, which made a 500 of a 422.
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": _json_safe(jsonable_encoder(errors))}, status_code=422)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # 'inf', '-inf', 'nan'
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate: spelled as its escape, '\\ud800'
            return value.encode(errors="backslashreplace").decode()
        return value
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc, extra={"url_path": request.url.path})
    return JSONResponse(
        {"detail": "Internal server error; the error was logged with this request's trace id."},
        status_code=500,
    )
