"""The redirect service's own metrics, in the registry the instrumentation owns."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["CacheMetrics", "ClickMetrics", "DropReason"]


class DropReason:
    """The ``reason`` label values of ``hop_redirect_clicks_dropped_total``."""

    BUFFER_FULL = "buffer_full"
    REJECTED = "rejected"
    SHUTDOWN = "shutdown"
    ALL = (BUFFER_FULL, REJECTED, SHUTDOWN)


@dataclass(slots=True)
class CacheMetrics:
    """Count what the link cache does."""

    hits: Counter
    misses: Counter
    negative_hits: Counter
    stale_served: Counter
    evictions: Counter
    size: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> CacheMetrics:
        """Register the cache metrics in ``registry``."""
        prefix = "hop_redirect_cache_"
        return cls(
            hits=Counter(prefix + "hits", "Lookups answered from cache.", registry=registry),
            misses=Counter(prefix + "misses", "Lookups that went to links.", registry=registry),
            negative_hits=Counter(
                prefix + "negative_hits", "Unknown codes answered from cache.", registry=registry
            ),
            stale_served=Counter(
                prefix + "stale_served",
                "Expired entries served because links was unreachable.",
                registry=registry,
            ),
            evictions=Counter(
                prefix + "evictions", "Entries evicted to stay in bounds.", registry=registry
            ),
            size=Gauge(
                prefix + "size",
                "Entries in the in-process cache.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
        )


@dataclass(slots=True)
class ClickMetrics:
    """Count what happens to click events."""

    buffered: Gauge
    sent: Counter
    dropped: Counter
    dropped_buffer_full: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ClickMetrics:
        """Register the click metrics in ``registry``."""
        dropped = Counter(
            "hop_redirect_clicks_dropped",
            "Click events lost, by reason.",
            ["reason"],
            registry=registry,
        )
        for reason in DropReason.ALL:
            dropped.labels(reason)
        return cls(
            buffered=Gauge(
                "hop_redirect_clicks_buffered",
                "Click events waiting to be sent.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
            sent=Counter("hop_redirect_clicks_sent", "Click events delivered.", registry=registry),
            dropped=dropped,
            dropped_buffer_full=dropped.labels(DropReason.BUFFER_FULL),
        )
