"""`hop / redirect`: the hot path's cache, click pipeline and answers."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row
from hop_observability.promql import DASHBOARD_SCOPE, rate, share, sum_by
from hop_observability.rules.alerts import SPOOL_FILLING

_LOOKUPS: Final = (
    m.REDIRECT_CACHE_HITS,
    m.REDIRECT_CACHE_MISSES,
    m.REDIRECT_CACHE_NEGATIVE_HITS,
)


def _hit_ratio() -> p.Panel:
    hits = sum_by((), rate(m.REDIRECT_CACHE_HITS, DASHBOARD_SCOPE))
    total = " + ".join(sum_by((), rate(metric, DASHBOARD_SCOPE)) for metric in _LOOKUPS)
    return p.Panel(
        "Cache hit ratio",
        "Lookups answered from the in-process cache (negative hits count as lookups).",
        (p.Query(f"{hits} / ({total})", "hit ratio"),),
        "percentunit",
        ((None, "red"), (0.5, "orange"), (0.8, "green")),
        max=1,
    )


def _spool_fill() -> p.Panel:
    def per_pod(used: str, capacity: str) -> str:
        return f"max by (pod) ({share(used, capacity, DASHBOARD_SCOPE)})"

    return p.Panel(
        "Spool fill",
        "Share of each process' durable click spool in use, by events and by bytes. The spool"
        " fills while delivery falls behind and drains when it catches up; at 100% new clicks"
        f" are dropped (spool_full). HopClickSpoolFilling fires above {SPOOL_FILLING:.0%}.",
        (
            p.Query(
                per_pod(m.REDIRECT_SPOOL_EVENTS, m.REDIRECT_SPOOL_CAPACITY_EVENTS), "events {{pod}}"
            ),
            p.Query(
                per_pod(m.REDIRECT_SPOOL_BYTES, m.REDIRECT_SPOOL_CAPACITY_BYTES), "bytes {{pod}}"
            ),
        ),
        "percentunit",
        ((None, "green"), (SPOOL_FILLING, "orange"), (0.9, "red")),
        max=1,
    )


BOARD: Final = Board(
    "hop / redirect",
    "hop-redirect",
    "The redirect service: answers, cache and the click pipeline to analytics, spool included.",
    ("redirect",),
    (
        Row(
            "Answers",
            (p.request_rate(), p.status_classes(), p.latency(by=("pod",))),
        ),
        Row(
            "Cache",
            (
                _hit_ratio(),
                p.counter_rate(
                    "Negative hits",
                    m.REDIRECT_CACHE_NEGATIVE_HITS,
                    description="Unknown codes answered from the cache without asking links.",
                ),
                p.counter_rate(
                    "Misses to links",
                    m.REDIRECT_CACHE_MISSES,
                    description="Lookups that went to links: each one is a resolve request.",
                ),
                p.counter_rate(
                    "Stale entries served",
                    m.REDIRECT_CACHE_STALE_SERVED,
                    description="Expired entries served because links did not answer.",
                    thresholds=((None, "green"), (0.1, "orange")),
                ),
                p.counter_rate(
                    "Lookups throttled",
                    m.REDIRECT_CACHE_LOOKUPS_THROTTLED,
                    description="Misses not sent to links because too many unknown codes were"
                    " asked lately (a scan of random codes): answered 503 with Retry-After until"
                    " the lookup budget refills. Cached codes are served as before.",
                    thresholds=((None, "green"), (1, "orange")),
                ),
                p.counter_rate(
                    "Evictions",
                    m.REDIRECT_CACHE_EVICTIONS,
                    description="Entries evicted to keep the cache in bounds.",
                ),
                p.gauge(
                    "Cache size",
                    m.REDIRECT_CACHE_SIZE,
                    description="Entries in the in-process cache, per pod.",
                    unit="short",
                    by=("job", "pod"),
                ),
            ),
        ),
        Row(
            "Clicks",
            (
                p.alerted(
                    p.gauge(
                        "Clicks buffered",
                        m.REDIRECT_CLICKS_BUFFERED,
                        description="Click events waiting to be sent; grows while analytics is"
                        " away.",
                        unit="short",
                        by=("pod",),
                        thresholds=((None, "green"), (1000, "orange"), (5000, "red")),
                    ),
                    "HopClickDeliveryStalled",
                ),
                p.alerted(
                    p.gauge(
                        "Oldest click waiting",
                        m.REDIRECT_CLICKS_OLDEST_AGE,
                        description="Age of the oldest click not yet delivered, in memory or in"
                        " the spool: grows with time while delivery is stuck, 0 when nothing"
                        " waits. Click freshness is stale past 2 minutes.",
                        unit="s",
                        by=("pod",),
                        aggregate="max",
                        thresholds=((None, "green"), (60, "orange"), (120, "red")),
                    ),
                    "HopClickFreshnessBurn",
                ),
                p.counter_rate(
                    "Clicks sent",
                    m.REDIRECT_CLICKS_SENT,
                    description="Click events delivered to analytics.",
                ),
                p.counter_rate(
                    "Clicks spooled",
                    m.REDIRECT_CLICKS_SPOOLED,
                    description="Click events written to the durable spool: the memory buffer"
                    " was full or delivery was failing. They are delivered later, oldest first.",
                    thresholds=((None, "green"), (1, "orange")),
                ),
                p.alerted(
                    _spool_fill(),
                    "HopClickSpoolFilling",
                    "HopSpoolVolumeFilling",
                    "HopSpoolClaimOrphaned",
                ),
                p.alerted(
                    p.counter_rate(
                        "Clicks dropped",
                        m.REDIRECT_CLICKS_DROPPED,
                        by=("reason",),
                        description="Click events lost, by reason. Anything above 0 is data loss.",
                        thresholds=((None, "green"), (0.001, "red")),
                    ),
                    "HopClicksDropped",
                    "HopClickSpoolDiskFailing",
                ),
            ),
        ),
        Row("Saturation", (*p.saturation(), p.peer_latency())),
    ),
)
