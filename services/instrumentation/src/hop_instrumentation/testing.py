"""Helpers for services' tests, in the spirit of ``structlog.testing``.

Usage::

    settings = make_test_settings(ServiceSettings, service_name="links")
    spans = SpanCapture()
    app = create_app(settings, span_processors=(spans.processor,))
    with capture_logs() as events:
        ...
    assert metric_value(get_instrumentation(app).metrics.registry,
                        "http_server_request_duration_seconds_count",
                        {"http_route": "/items/{id}"}) == 1

Real processes on loopback::

    http, management = free_ports(2)
    env = {"HOP_HTTP_PORT": str(http), "HOP_MANAGEMENT_PORT": str(management)}
    ready = f"http://127.0.0.1:{management}/readyz"
    with running_process(["hop-links", "serve"], env=env, ready_url=ready) as service:
        ...
        assert service.stop() == 0
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from hop_instrumentation._databases import schema_drift, temporary_database
from hop_instrumentation._loopback import LoopbackServers
from hop_instrumentation._processes import (
    LOOPBACK,
    RunningProcess,
    eventually,
    free_port,
    free_ports,
    running_process,
    wait_for_http,
    wait_until,
    wait_until_async,
)
from hop_instrumentation._raw_http import RawResponse, rss_bytes, send_raw
from hop_instrumentation.app import get_instrumentation
from hop_instrumentation.logging import JsonFormatter
from hop_instrumentation.settings import Environment, LogFormat, ServiceSettings

__all__ = [
    "LOOPBACK",
    "LogCapture",
    "LoopbackServers",
    "RawResponse",
    "RunningProcess",
    "SpanCapture",
    "app_client",
    "capture_logs",
    "eventually",
    "free_port",
    "free_ports",
    "make_test_settings",
    "management_client",
    "metric_value",
    "rss_bytes",
    "running_process",
    "schema_drift",
    "send_raw",
    "temporary_database",
    "wait_for_http",
    "wait_until",
    "wait_until_async",
]

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def make_test_settings(cls: type[SettingsT] = ServiceSettings, **overrides: Any) -> SettingsT:  # type: ignore[assignment]
    """Build settings for a test: every trace sampled, fast health checks, no export.

    The in-process test client's loopback address is a trusted proxy, so its
    ``traceparent`` decides sampling; pass ``trusted_proxies=()`` to test a stranger.
    """
    values: dict[str, Any] = {
        "trusted_proxies": ("127.0.0.0/8",),
        "environment": Environment.TEST,
        "log_format": LogFormat.JSON,
        "trace_sample_ratio": 1.0,
        "health_check_interval": 0.05,
        "health_check_timeout": 1.0,
        "otlp_endpoint": None,
        "shutdown_delay": 0.0,
    }
    values.update(overrides)
    return cls.model_validate(values)


class SpanCapture:
    """Collect finished spans in memory; pass ``processor`` to `create_app`."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.processor = SimpleSpanProcessor(self.exporter)

    @property
    def spans(self) -> tuple[ReadableSpan, ...]:
        """Return the spans finished so far, oldest first."""
        return self.exporter.get_finished_spans()

    def named(self, name: str) -> list[ReadableSpan]:
        """Return the finished spans with this name."""
        return [span for span in self.spans if span.name == name]

    def clear(self) -> None:
        """Forget the spans captured so far."""
        self.exporter.clear()


class LogCapture(logging.Handler):
    """Collect log events as the JSON formatter renders them, as dicts."""

    def __init__(self, service: str = "test", version: str = "0") -> None:
        super().__init__(level=logging.DEBUG)
        self.events: list[dict[str, Any]] = []
        self._formatter = JsonFormatter(service, version)

    def emit(self, record: logging.LogRecord) -> None:
        """Render and keep the record."""
        import orjson

        self.events.append(orjson.loads(self._formatter.format(record)))


@contextmanager
def capture_logs(level: int = logging.DEBUG) -> Iterator[list[dict[str, Any]]]:
    """Capture every log event emitted inside the block as a list of dicts."""
    handler = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler.events
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def metric_value(
    registry: CollectorRegistry, name: str, labels: dict[str, str] | None = None
) -> float:
    """Return the sum of a sample's values over series matching ``labels`` (0 if none)."""
    wanted = labels or {}
    total = 0.0
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in wanted.items()):
                total += sample.value
    return total


@asynccontextmanager
async def app_client(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client that calls its API in-process.

    Keep per-app resources on ``app.state``: the in-process transport does not carry
    lifespan state into requests.
    """
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=get_instrumentation(app).api_app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def management_client(app: FastAPI) -> httpx.AsyncClient:
    """Return a client for the app's management endpoints (/livez, /readyz, /metrics)."""
    management = get_instrumentation(app).management_app
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=management), base_url="http://management"
    )
