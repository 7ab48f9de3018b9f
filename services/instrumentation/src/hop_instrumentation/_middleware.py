"""The one pure ASGI middleware: metrics, trace context and the access log in a single pass."""

from __future__ import annotations

from contextvars import Token
from time import perf_counter
from typing import Any, Final, Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hop_instrumentation._routes import KNOWN_METHODS, route_template
from hop_instrumentation._sampling import RootSampling
from hop_instrumentation._semconv import complete_server_span
from hop_instrumentation.logging import log_access
from hop_instrumentation.metrics import Metrics
from hop_instrumentation.tracing import PROPAGATOR

_TRACEPARENT: Final = b"traceparent"
_TRACESTATE: Final = b"tracestate"


class Observable(Protocol):
    """A histogram child: `prometheus_client`'s or the lock-free one."""

    def observe(self, amount: float, exemplar: dict[str, str] | None = None) -> None: ...


class UpDown(Protocol):
    """A gauge child: `prometheus_client`'s or the lock-free one."""

    def inc(self, amount: float = 1) -> None: ...

    def dec(self, amount: float = 1) -> None: ...


#: What `RequestObserver.start` hands to `RequestObserver.finish`: the span, the context
#: token, the active-requests child, the method label, the start time and whether the
#: span records. A plain tuple: a NamedTuple's constructor is a Python call per request.
Opened = tuple[trace.Span, Token[otel_context.Context], UpDown, str, float, bool]


class RequestObserver:
    """Record one request's metrics, server span and access event.

    The middleware uses it for every request FastAPI serves; a pure ASGI fast path in
    front of the app (see `Instrumentation.front`) uses it the same way::

        opened = observer.start(scope)
        ...                                   # answer the request
        observer.finish(scope, opened, "/{code}", status)
    """

    def __init__(self, metrics: Metrics, tracer: trace.Tracer, sampling: RootSampling) -> None:
        self._metrics = metrics
        self._tracer = tracer
        self._sampling = sampling
        self._durations: dict[tuple[str, str, int], Observable] = {}
        self._active: dict[str, UpDown] = {}

    def start(self, scope: Scope) -> Opened:
        """Open the request: count it active, start its server span and attach the context."""
        method = scope["method"]
        if method not in KNOWN_METHODS:
            method = "_OTHER"
        active = self._active.get(method)
        if active is None:
            active = self._active[method] = self._metrics.active_requests.labels(method)
        active.inc()
        headers = scope["headers"]
        for name, _ in headers:
            if name == _TRACEPARENT:
                parent = _extract(headers)
                span = self._sampling.start_span(self._tracer, method, scope["path"], parent, scope)
                break
        else:  # the common case, inlined: a new trace, most often unsampled
            parent = None
            span = self._sampling.start_root_span(self._tracer, method, scope["path"])
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return span, token, active, method, perf_counter(), span.is_recording()

    def finish(
        self,
        scope: Scope,
        opened: Opened,
        route: str,
        status: int,
        *,
        log: bool = True,
    ) -> None:
        """Close the request: observe its duration, end its span, log it, detach the context.

        ``log=False`` skips the access event (a hot path may log a sample of requests).
        """
        span, token, active, method, started, recording = opened
        duration = perf_counter() - started
        key = (method, route, status)
        histogram = self._durations.get(key)
        if histogram is None:
            histogram = self._durations[key] = self._metrics.request_duration.labels(*key)
        active.dec()
        context = span.get_span_context()
        if recording:
            if context.trace_flags.sampled:
                histogram.observe(duration, {"trace_id": format(context.trace_id, "032x")})
            else:
                histogram.observe(duration)
            complete_server_span(span, scope, method, route, status)
            span.end()
        else:
            histogram.observe(duration)
        if log:
            log_access(method, route, status, scope["path"], duration, context)
        otel_context.detach(token)


def _extract(headers: list[tuple[bytes, bytes]]) -> otel_context.Context | None:
    # Scanning the raw header list is cheaper than building a mapping for the propagator.
    traceparent = tracestate = None
    for name, value in headers:
        if name == _TRACEPARENT:
            traceparent = value.decode("latin-1")
        elif name == _TRACESTATE:
            tracestate = value.decode("latin-1")
    if traceparent is None:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate is not None:
        carrier["tracestate"] = tracestate
    return PROPAGATOR.extract(carrier)


class InstrumentationMiddleware:
    """Observe every HTTP request of the app it wraps (pure ASGI, one pass)."""

    def __init__(self, app: ASGIApp, *, observer: RequestObserver) -> None:
        self.app = app
        self._observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = scope.get("root_path", "")
        opened = self._observer.start(scope)
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except BaseException as err:
            _record_exception(opened[0], err)
            raise
        finally:
            self._observer.finish(scope, opened, route_template(scope, root_path), status)


def _record_exception(span: Any, err: BaseException) -> None:
    if span.is_recording():
        span.record_exception(err)
        span.set_status(StatusCode.ERROR, type(err).__name__)
