"""One path for both transports: store a batch in a span linked to the clicks' traces.

On SQLite a batch is written together with the others waiting for it (`_group_commit`).
When the database refuses a batch (or its group) for a reason that blames the data
(`store.is_permanent`), the batch is split in halves until every refused event stands
alone: the good events commit, and each refused one is returned with the database's
reason, for the dead-letter stream (Redis) or the 422 answer (HTTP). Any other failure
(database down) raises `StoreUnavailableError`: nothing is lost, the caller retries the
whole batch later.

While a batch is being stored, its oldest click counts as waiting (`Ingestor.oldest_at`,
exported as ``hop_analytics_intake_oldest_age_seconds``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind

from hop_analytics._group_commit import GroupCommit
from hop_analytics.errors import StoreUnavailableError
from hop_analytics.events import Click
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.store import ClickStore, IngestOutcome, is_permanent
from hop_contracts import MAX_BATCH_EVENTS
from hop_instrumentation.tracing import PROPAGATOR

__all__ = ["IngestReport", "Ingestor", "RefusedClick", "trace_links"]

#: The most events one transaction takes from the batches waiting (five full batches).
GROUP_MAX_EVENTS: Final = 5 * MAX_BATCH_EVENTS
#: Seconds the writer waits for the producers of its last group to send again: enough
#: for a few batches to be received and decoded (about 3 ms each), short beside the
#: time a batch waits in redirect's buffer.
GROUP_LINGER: Final = 0.025
#: OpenTelemetry's default span limit on links.
_MAX_LINKS: Final = 128


@dataclass(slots=True, frozen=True)
class RefusedClick:
    """An event of the batch the database refused on its own: its position and why."""

    index: int
    click: Click
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What a batch did: the committed outcome, and the events refused for good."""

    accepted: int = 0
    duplicates: int = 0
    newest: datetime | None = None
    #: Events of a link inside one of its disabled periods, not counted.
    disabled: int = 0
    refused: list[RefusedClick] = field(default_factory=list)

    def add(self, outcome: IngestOutcome) -> None:
        """Add a committed part of the batch."""
        self.accepted += outcome.accepted
        self.duplicates += outcome.duplicates
        self.disabled += outcome.disabled
        if outcome.newest is not None:
            self.newest = max(outcome.newest, self.newest or outcome.newest)

    @property
    def outcome(self) -> IngestOutcome:
        """Return the whole batch's outcome (refused events counted in neither)."""
        return IngestOutcome(self.accepted, self.duplicates, self.newest, self.disabled)


class Ingestor:
    """Store batches of clicks, count them, and trace each batch."""

    def __init__(self, store: ClickStore, metrics: AnalyticsMetrics, tracer: trace.Tracer) -> None:
        self.store = store
        self.metrics = metrics
        self._tracer = tracer
        # Only where writes wait for each other anyway: PostgreSQL runs batches in parallel.
        self._write = (
            GroupCommit(store, max_events=GROUP_MAX_EVENTS, linger=GROUP_LINGER).ingest
            if store.single_writer
            else store.ingest
        )
        #: When the oldest click of each batch being stored was made, by batch.
        self._waiting: dict[int, float] = {}
        self._tokens = itertools.count()

    def oldest_at(self) -> float | None:
        """Return when the oldest click of the batches being stored was made, None if none."""
        return min(self._waiting.values(), default=None)

    async def ingest(self, clicks: Sequence[Click], *, transport: str) -> IngestReport:
        """Store a batch idempotently (split around refused events); record metrics, a span."""
        if not clicks:
            return await self._ingest(clicks, transport)
        token = next(self._tokens)
        self._waiting[token] = min(click.timestamp for click in clicks).timestamp()
        try:
            return await self._ingest(clicks, transport)
        finally:
            del self._waiting[token]

    async def _ingest(self, clicks: Sequence[Click], transport: str) -> IngestReport:
        with self._tracer.start_as_current_span(
            "ingest clicks",
            kind=SpanKind.CONSUMER if transport == "redis" else SpanKind.INTERNAL,
            links=trace_links(clicks),
            attributes={"hop.clicks.batch_size": len(clicks), "hop.clicks.transport": transport},
        ) as span:
            report = IngestReport()
            try:
                report.add(await self._write(clicks))
            except Exception as err:
                if not is_permanent(err):
                    raise StoreUnavailableError(
                        f"The database cannot store clicks right now ({type(err).__name__})."
                    ) from err
                # Some event of the group is refused: find it batch by batch, in halves.
                await self._commit(list(enumerate(clicks)), report)
            span.set_attribute("hop.clicks.accepted", report.accepted)
            span.set_attribute("hop.clicks.duplicates", report.duplicates)
            span.set_attribute("hop.clicks.disabled", report.disabled)
            span.set_attribute("hop.clicks.refused", len(report.refused))
        self.metrics.observe_batch(transport, len(clicks), report.outcome)
        return report

    async def _commit(self, part: list[tuple[int, Click]], report: IngestReport) -> None:
        try:
            report.add(await self.store.ingest([click for _, click in part]))
        except Exception as err:
            if not is_permanent(err):
                raise StoreUnavailableError(
                    f"The database cannot store clicks right now ({type(err).__name__})."
                ) from err
            if len(part) == 1:
                index, click = part[0]
                report.refused.append(RefusedClick(index, click, _reason(err)))
                return
            middle = len(part) // 2
            await self._commit(part[:middle], report)
            await self._commit(part[middle:], report)


def _reason(err: Exception) -> str:
    original = getattr(err, "orig", None) or err
    return f"The database refused the event: {type(original).__name__}: {original}"[:300]


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
