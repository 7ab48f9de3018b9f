"""One path for both transports: store a batch in a span linked to the clicks' traces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind

from hop_analytics.events import Click
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.store import ClickStore, IngestOutcome
from hop_instrumentation.tracing import PROPAGATOR

__all__ = ["Ingestor", "trace_links"]

#: OpenTelemetry's default span limit on links.
_MAX_LINKS: Final = 128


class Ingestor:
    """Store batches of clicks, count them, and trace each batch."""

    def __init__(self, store: ClickStore, metrics: AnalyticsMetrics, tracer: trace.Tracer) -> None:
        self.store = store
        self.metrics = metrics
        self._tracer = tracer

    async def ingest(self, clicks: Sequence[Click], *, transport: str) -> IngestOutcome:
        """Store a batch idempotently and record it in metrics and a span."""
        with self._tracer.start_as_current_span(
            "ingest clicks",
            kind=SpanKind.CONSUMER if transport == "redis" else SpanKind.INTERNAL,
            links=trace_links(clicks),
            attributes={"hop.clicks.batch_size": len(clicks), "hop.clicks.transport": transport},
        ) as span:
            outcome = await self.store.ingest(clicks)
            span.set_attribute("hop.clicks.accepted", outcome.accepted)
            span.set_attribute("hop.clicks.duplicates", outcome.duplicates)
        self.metrics.observe_batch(transport, len(clicks), outcome)
        return outcome


def trace_links(clicks: Sequence[Click]) -> list[Link]:
    """Return span links to the sampled traces the clicks came from (at most 128)."""
    links: list[Link] = []
    for click in clicks:
        parent = click.traceparent
        # Cheap pre-filter: only sampled contexts (flags 01) are worth a link.
        if not parent or not parent.endswith("1") or len(links) >= _MAX_LINKS:
            continue
        context = trace.get_current_span(PROPAGATOR.extract({"traceparent": parent}))
        span_context = context.get_span_context()
        if span_context.is_valid:
            links.append(Link(span_context, {"hop.click.id": click.id}))
    return links
