"""OpenTelemetry tracing: the provider, propagation, and spans for the calls services make.

Usage::

    provider = configure_tracing(settings)
    client = create_http_client("http://links:8000", tracer_provider=provider)
    instrument_sqlalchemy(engine, tracer_provider=provider)
    instrument_redis(redis_client, tracer_provider=provider)

Sampling is parent-based with a ratio for new traces (``HOP_TRACE_SAMPLE_RATIO`` or
``OTEL_TRACES_SAMPLER_ARG``). Spans are exported over OTLP/HTTP only when an endpoint
is configured (``OTEL_EXPORTER_OTLP_ENDPOINT``); without one nothing is exported, yet
W3C trace context still propagates and lands in the logs.

The provider is not installed globally: each app owns its own, so several apps (and
tests) can live in one process, and FastAPI's native telemetry stays off.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

import httpx
from opentelemetry import trace
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from hop_instrumentation._client_metrics import HttpClientMetrics
from hop_instrumentation._sampling import parent_based_ratio
from hop_instrumentation._semconv import complete_client_span, fail_client_span
from hop_instrumentation.settings import ServiceSettings

__all__ = [
    "DEFAULT_CLIENT_TIMEOUT",
    "PROPAGATOR",
    "configure_tracing",
    "create_http_client",
    "inject_context",
    "instrument_redis",
    "instrument_sqlalchemy",
]

#: W3C trace context, the one propagation format hop speaks between its services.
PROPAGATOR: Final = TraceContextTextMapPropagator()
DEFAULT_CLIENT_TIMEOUT: Final = httpx.Timeout(5.0, connect=2.0)
_SCOPE: Final = "hop_instrumentation"


def configure_tracing(
    settings: ServiceSettings, *, processors: tuple[SpanProcessor, ...] = ()
) -> TracerProvider:
    """Build the service's tracer provider: resource, sampler, and the OTLP exporter if set."""
    resource = Resource.create(
        {
            "service.name": settings.service_name,
            "service.version": settings.service_version,
            "deployment.environment.name": settings.environment.value,
        }
    )
    provider = TracerProvider(
        resource=resource, sampler=parent_based_ratio(settings.trace_sample_ratio)
    )
    if settings.traces_export_enabled:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(**_otlp_args(settings))))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def _otlp_args(settings: ServiceSettings) -> dict[str, Any]:
    endpoint = settings.otlp_endpoint or ""
    # OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the traces path is appended per the spec.
    if endpoint and not endpoint.rstrip("/").endswith("/v1/traces"):
        endpoint = endpoint.rstrip("/") + "/v1/traces"
    return {"endpoint": endpoint}


def inject_context(carrier: MutableMapping[str, str]) -> None:
    """Write the current trace context into headers (``traceparent``/``tracestate``)."""
    PROPAGATOR.inject(carrier)


class _TracingTransport(httpx.AsyncBaseTransport):
    """Wrap a transport: one client span per request, and W3C context in its headers."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        tracer: trace.Tracer,
        metrics: HttpClientMetrics | None,
    ) -> None:
        self._inner = inner
        self._tracer = tracer
        self._metrics = metrics

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": url.host,
            "server.port": port,
            "url.full": str(url.copy_with(query=None)),
        }
        metrics, started = self._metrics, HttpClientMetrics.start()
        with self._tracer.start_as_current_span(
            request.method, kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            PROPAGATOR.inject(request.headers)
            try:
                response = await self._inner.handle_async_request(request)
            except Exception as err:
                fail_client_span(span, err)
                if metrics is not None:
                    metrics.observe(started, request.method, url.host, port, err=err)
                raise
            complete_client_span(span, response.status_code)
            if metrics is not None:
                metrics.observe(
                    started, request.method, url.host, port, status=response.status_code
                )
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def create_http_client(
    base_url: str = "",
    *,
    tracer_provider: trace.TracerProvider,
    timeout: httpx.Timeout = DEFAULT_CLIENT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
    metrics: HttpClientMetrics | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """Return an `httpx.AsyncClient` for calling another service: timeouts, spans, propagation.

    Given ``metrics`` (the app's ``hop.metrics.http_client``), every request is timed into
    ``http_client_request_duration_seconds``.
    """
    inner = transport or httpx.AsyncHTTPTransport(retries=1)
    tracer = tracer_provider.get_tracer(_SCOPE)
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        transport=_TracingTransport(inner, tracer, metrics),
        **kwargs,
    )


def instrument_sqlalchemy(engine: Any, *, tracer_provider: trace.TracerProvider) -> None:
    """Emit a span per SQL statement of an (async or sync) SQLAlchemy engine.

    The spans carry the current database conventions' attributes (``db.system.name``,
    ``db.query.text``, ``db.operation.name``, ``db.namespace``, ``server.address``), as
    `hop_instrumentation.database.db_span_attributes` and the duration metric do, whatever
    ``OTEL_SEMCONV_STABILITY_OPT_IN`` says: the contrib tracer's default is the old names.
    """
    from opentelemetry.instrumentation._semconv import _StabilityMode
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    from hop_instrumentation.database import db_span_attributes

    class _CurrentNamesTracer(EngineTracer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
            # Read at each statement for the connection's attributes (namespace, server).
            self._sem_conv_opt_in_mode_db = _StabilityMode.DATABASE
            self._sem_conv_opt_in_mode_http = _StabilityMode.HTTP

        def _set_db_client_span_attributes(
            self, span: Any, statement: Any, db_name: Any, attrs: Any
        ) -> None:
            span.set_attributes({**attrs, **db_span_attributes(self.vendor, str(statement))})

    sync_engine = getattr(engine, "sync_engine", engine)
    # hop exports pool metrics through Prometheus, not OTel metrics: count into a no-op.
    usage = NoOpMeter(_SCOPE).create_up_down_counter("db.client.connections.usage")
    _CurrentNamesTracer(tracer_provider.get_tracer(_SCOPE), sync_engine, connections_usage=usage)


def instrument_redis(client: Any, *, tracer_provider: trace.TracerProvider) -> None:
    """Emit a span per command of a redis-py (sync or asyncio) client."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor.instrument_client(client, tracer_provider=tracer_provider)
