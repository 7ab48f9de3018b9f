"""``HOP_TRACING_INSTRUMENTATION=upstream``: server spans from the upstream FastAPI instrumentation.

For teams that want the upstream instrumentation's spans (its hooks, header capture,
``http send``/``http receive`` spans) rather than hop's cheaper middleware. The
upstream middleware wraps the whole FastAPI app with hop's tracer provider and
sampler; hop's middleware, inside it, keeps the Prometheus metrics and the access log
and takes the trace context from the upstream span instead of starting its own. The
upstream OTel metrics go to a no-op meter: hop's Prometheus metrics are the ones served.

A pure ASGI front app (`Instrumentation.front`) answers its requests before FastAPI
sees them, so the upstream middleware never does: those requests keep hop's spans.
"""

from __future__ import annotations

from time import perf_counter
from typing import Final

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import Scope

from hop_instrumentation._middleware import Opened, RequestObserver
from hop_instrumentation._routes import KNOWN_METHODS
from hop_instrumentation.logging import log_access

_MISSING: Final = (
    "HOP_TRACING_INSTRUMENTATION=upstream needs opentelemetry-instrumentation-fastapi; "
    "install hop-instrumentation[upstream], or set HOP_TRACING_INSTRUMENTATION=hop."
)


def instrument_upstream(app: FastAPI, provider: TracerProvider) -> None:
    """Install opentelemetry-instrumentation-fastapi on ``app`` with hop's tracer provider."""
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError as err:
        raise RuntimeError(_MISSING) from err
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, meter_provider=NoOpMeterProvider()
    )


class UpstreamRequestObserver(RequestObserver):
    """Record metrics and the access event of requests whose span the upstream made.

    A request no upstream span covers (a front app's) gets hop's own span.
    """

    def start(self, scope: Scope) -> Opened:
        """Count the request active under the current (upstream) span, or start hop's span."""
        span = trace.get_current_span()
        if not span.get_span_context().is_valid:
            return super().start(scope)
        method = scope["method"]
        if method not in KNOWN_METHODS:
            method = "_OTHER"
        active = self._active.get(method)
        if active is None:
            active = self._active[method] = self._metrics.active_requests.labels(method)
        active.inc()
        token = otel_context.attach(otel_context.get_current())
        # Not hop's span to end, nor to record the exception in (the upstream does): the
        # middleware gets a read-only view of its context.
        view = trace.NonRecordingSpan(span.get_span_context())
        return view, token, active, method, perf_counter(), False

    def finish(
        self,
        scope: Scope,
        opened: Opened,
        route: str,
        status: int,
        *,
        log: bool = True,
    ) -> None:
        """Observe the duration (with an exemplar when sampled) and log; never end the span."""
        span, token, active, method, started, recording = opened
        if recording:  # hop's own span: a front app's request
            super().finish(scope, opened, route, status, log=log)
            return
        duration = perf_counter() - started
        key = (method, route, status)
        histogram = self._durations.get(key)
        if histogram is None:
            histogram = self._durations[key] = self._metrics.request_duration.labels(*key)
        active.dec()
        context = span.get_span_context()
        if context.trace_flags.sampled:
            histogram.observe(duration, {"trace_id": format(context.trace_id, "032x")})
        else:
            histogram.observe(duration)
        if log:
            log_access(method, route, status, scope["path"], duration, context)
        otel_context.detach(token)
