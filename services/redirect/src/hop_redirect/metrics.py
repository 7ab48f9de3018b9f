"""The redirect service's own metrics (``hop_redirect_...``), on the instrumentation's registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge

from hop_instrumentation.metrics import labelled_counter

__all__ = ["CacheMetrics", "ClickMetrics", "DomainMetrics", "DropReason", "RedirectMetrics"]

_CACHE: Final = "hop_redirect_cache_"
_CLICKS: Final = "hop_redirect_clicks_"


class DropReason:
    """The ``reason`` label values of ``hop_redirect_clicks_dropped_total``."""

    #: Kept for old dashboards, never counted: the buffer spills to the spool instead.
    BUFFER_FULL = "buffer_full"
    #: Analytics refused the batch (4xx): its events break the contract.
    REJECTED = "rejected"
    #: Left in a spool that does not outlive the pod (``HOP_CLICK_SPOOL_PERSISTENT=false``)
    #: at shutdown, the transport being down for the whole grace period.
    SHUTDOWN = "shutdown"
    #: The only overload drop: the spool's budget (events or bytes) is used up.
    SPOOL_FULL = "spool_full"
    #: The spool's disk refused the write (full, read-only, I/O error).
    SPOOL_WRITE_FAILED = "spool_write_failed"
    #: Held in a spool no process will deliver from: unreadable records, discarded.
    SPOOL_ABANDONED = "spool_abandoned"
    ALL = (BUFFER_FULL, REJECTED, SHUTDOWN, SPOOL_ABANDONED, SPOOL_FULL, SPOOL_WRITE_FAILED)


@dataclass(slots=True, frozen=True)
class CacheMetrics:
    """Count what the link cache does."""

    hits: Counter
    misses: Counter
    negative_hits: Counter
    stale_served: Counter
    evictions: Counter
    lookups_throttled: Counter
    size: Gauge
    negative_size: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> CacheMetrics:
        """Create the cache's collectors on ``registry``."""

        def counter(name: str, documentation: str) -> Counter:
            return Counter(_CACHE + name, documentation, registry=registry)

        return cls(
            hits=counter("hits", "Lookups answered from cache."),
            misses=counter("misses", "Lookups that went to links."),
            negative_hits=counter("negative_hits", "Unknown codes answered from cache."),
            stale_served=counter(
                "stale_served", "Expired entries served because links was unreachable."
            ),
            evictions=counter("evictions", "Known links evicted to stay in bounds."),
            lookups_throttled=counter(
                "lookups_throttled", "Misses not looked up: too many unknown codes lately."
            ),
            size=Gauge(
                _CACHE + "size",
                "Entries in the in-process cache.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
            negative_size=Gauge(
                _CACHE + "negative_size",
                "Unknown codes remembered, in their own bounded space.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
        )


@dataclass(slots=True, frozen=True)
class ClickMetrics:
    """Count what happens to click events."""

    buffered: Gauge
    oldest_age: Gauge
    sent: Counter
    dropped: Counter
    spooled: Counter
    spool_recovered: Counter
    spool_left: Counter
    spool_events: Gauge
    spool_bytes: Gauge
    spool_capacity_events: Gauge
    spool_capacity_bytes: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> ClickMetrics:
        """Create the click pipeline's collectors on ``registry``."""
        dropped = labelled_counter(
            _CLICKS + "dropped",
            "Click events lost, by reason.",
            registry=registry,
            label="reason",
            values=DropReason.ALL,
        )

        def gauge(name: str, documentation: str) -> Gauge:
            return Gauge(
                _CLICKS + name, documentation, registry=registry, multiprocess_mode="livesum"
            )

        return cls(
            buffered=Gauge(
                _CLICKS + "buffered",
                "Click events waiting to be sent, in memory or in the spool.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
            oldest_age=Gauge(
                _CLICKS + "oldest_age_seconds",
                "Seconds since the oldest click waiting to be sent (memory or spool) was "
                "made; 0 when none waits.",
                registry=registry,
                multiprocess_mode="livemax",
            ),
            sent=Counter(_CLICKS + "sent", "Click events delivered.", registry=registry),
            dropped=dropped,
            spooled=Counter(
                _CLICKS + "spooled", "Click events written to the durable spool.", registry=registry
            ),
            spool_recovered=Counter(
                _CLICKS + "spool_recovered",
                "Click events found at start in a spool a previous process left, to deliver.",
                registry=registry,
            ),
            spool_left=Counter(
                _CLICKS + "spool_left",
                "Click events left at shutdown in a persistent spool, for the pod's successor.",
                registry=registry,
            ),
            spool_events=gauge("spool_events", "Click events in the spool, waiting for delivery."),
            spool_bytes=gauge("spool_bytes", "Bytes of click events in the spool."),
            spool_capacity_events=gauge(
                "spool_capacity_events", "Click events the spool may hold before dropping."
            ),
            spool_capacity_bytes=gauge(
                "spool_capacity_bytes", "Bytes the spool may hold before dropping."
            ),
        )


@dataclass(slots=True, frozen=True)
class DomainMetrics:
    """Follow the list of branded domains read from links."""

    served: Gauge
    refresh_failures: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> DomainMetrics:
        """Create the domain list's collectors on ``registry``."""
        return cls(
            served=Gauge(
                "hop_redirect_domains_served",
                "Verified branded domains served, from links' last list.",
                registry=registry,
                multiprocess_mode="max",
            ),
            refresh_failures=Counter(
                "hop_redirect_domains_refresh_failures",
                "Reads of links' verified domains that failed (the last list stays).",
                registry=registry,
            ),
        )


@dataclass(slots=True, frozen=True)
class RedirectMetrics:
    """Every metric of the redirect service: the link cache's, the clicks' and the domains'."""

    cache: CacheMetrics
    clicks: ClickMetrics
    domains: DomainMetrics

    @classmethod
    def register(cls, registry: CollectorRegistry) -> RedirectMetrics:
        """Create every collector of the service on ``registry``."""
        return cls(
            cache=CacheMetrics.register(registry),
            clicks=ClickMetrics.register(registry),
            domains=DomainMetrics.register(registry),
        )
