"""The analytics service's own Prometheus metrics (``hop_analytics_...``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hop_analytics.store import IngestOutcome
from hop_contracts import ClickTransport
from hop_instrumentation.metrics import labelled_counter

__all__ = ["AnalyticsMetrics", "ConsumerState"]

_BATCH_BUCKETS: Final = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
#: The ``reason`` values of ``hop_analytics_events_dead_lettered_total``. Like the transports
#: of ``..._rejected_total``, each is exported from 0, so a healthy service shows 0 (not
#: "no data") and the first refused event is an increase that alerts see.
DEAD_LETTER_REASONS: Final = ("invalid", "refused")


class ConsumerState(StrEnum):
    """Lifecycle of the stream consumer, exported as a one-hot gauge."""

    STARTING = "starting"
    RUNNING = "running"
    BACKOFF = "backoff"
    STOPPED = "stopped"


@dataclass(slots=True, frozen=True)
class AnalyticsMetrics:
    """Count events through ingestion; ``transport`` is ``http`` or ``redis``."""

    received: Counter
    ingested: Counter
    duplicates: Counter
    disabled: Counter
    rejected: Counter
    dead_lettered: Counter
    batch_size: Histogram
    lag: Gauge
    consumer_state: Gauge
    stream_lag: Gauge
    stream_pending: Gauge
    stream_oldest_age: Gauge
    intake_oldest_age: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> AnalyticsMetrics:
        """Create the collectors on ``registry``."""

        def events(name: str, documentation: str) -> Counter:
            return Counter(name, documentation, ["transport"], registry=registry)

        def every_transport(name: str, documentation: str) -> Counter:
            transports = [transport.value for transport in ClickTransport]
            return labelled_counter(
                name, documentation, registry=registry, label="transport", values=transports
            )

        dead_lettered = labelled_counter(
            "hop_analytics_events_dead_lettered",
            "Stream entries moved to the dead-letter stream, by reason: 'invalid' (breaks "
            "the click contract) or 'refused' (the database refused the event alone).",
            registry=registry,
            label="reason",
            values=DEAD_LETTER_REASONS,
        )
        rejected = every_transport(
            "hop_analytics_events_rejected",
            "Malformed click events (HTTP 422, or moved to the dead-letter stream).",
        )
        disabled = every_transport(
            "hop_analytics_events_disabled",
            "Click events of a link inside one of its disabled periods (redirect served it "
            "from its cache after the disable), not counted.",
        )
        return cls(
            received=events(
                "hop_analytics_events_received", "Click events received, valid or not."
            ),
            ingested=events(
                "hop_analytics_events_ingested", "Click events stored for the first time."
            ),
            duplicates=events(
                "hop_analytics_events_duplicates",
                "Click events already stored (redelivered or retried), not counted again.",
            ),
            disabled=disabled,
            rejected=rejected,
            dead_lettered=dead_lettered,
            batch_size=Histogram(
                "hop_analytics_batch_size",
                "Events per committed batch.",
                ["transport"],
                buckets=_BATCH_BUCKETS,
                registry=registry,
            ),
            lag=Gauge(
                "hop_analytics_ingestion_lag_seconds",
                "Now minus the event time of the newest event of the last committed batch.",
                registry=registry,
                multiprocess_mode="max",
            ),
            consumer_state=Gauge(
                "hop_analytics_stream_consumer_state",
                "1 for the stream consumer's current state, 0 for the others.",
                ["state"],
                registry=registry,
                multiprocess_mode="livemax",
            ),
            # Every consumer reads the same group's numbers: max, not sum, across workers.
            stream_lag=Gauge(
                "hop_analytics_stream_lag_events",
                "Stream entries not yet delivered to the consumer group (0 over http).",
                registry=registry,
                multiprocess_mode="livemax",
            ),
            stream_pending=Gauge(
                "hop_analytics_stream_pending_events",
                "Stream entries delivered to a consumer and not yet committed and acknowledged.",
                registry=registry,
                multiprocess_mode="livemax",
            ),
            stream_oldest_age=Gauge(
                "hop_analytics_stream_oldest_age_seconds",
                "Seconds since the oldest stream entry not yet committed (undelivered or "
                "pending) was added; 0 when none waits or over http.",
                registry=registry,
                multiprocess_mode="livemax",
            ),
            intake_oldest_age=Gauge(
                "hop_analytics_intake_oldest_age_seconds",
                "Seconds since the oldest click of the batches being stored was made; "
                "0 when none is being stored.",
                registry=registry,
                multiprocess_mode="livemax",
            ),
        )

    def observe_batch(self, transport: str, received: int, outcome: IngestOutcome) -> None:
        """Record a committed batch."""
        self.ingested.labels(transport).inc(outcome.accepted)
        self.duplicates.labels(transport).inc(outcome.duplicates)
        self.disabled.labels(transport).inc(outcome.disabled)
        self.batch_size.labels(transport).observe(received)
        if outcome.newest is not None:
            self.lag.set(max(0.0, time.time() - outcome.newest.timestamp()))

    def observe_backlog(self, lag: int, pending: int) -> None:
        """Record the consumer group's backlog: undelivered and in-flight entries."""
        self.stream_lag.set(lag)
        self.stream_pending.set(pending)

    def set_consumer_state(self, state: ConsumerState) -> None:
        """Make ``state`` the one current consumer state."""
        for each in ConsumerState:
            self.consumer_state.labels(each.value).set(1 if each is state else 0)
