"""`hop / analytics`: click ingestion, its freshness and the stats API."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row
from hop_observability.promql import DASHBOARD_SCOPE, quantile, select

_STATS: Final = (*DASHBOARD_SCOPE, 'http_route=~"/api/v1/stats.*"')
_REDIS_ONLY: Final = (
    "the stream consumer runs with the redis click transport (the cluster default);"
    " the local stack sends clicks over http"
)


def _batch_size() -> p.Panel:
    queries = tuple(
        p.Query(quantile(q, m.ANALYTICS_BATCH_SIZE, DASHBOARD_SCOPE), f"p{q * 100:g}")
        for q in (0.5, 0.99)
    )
    return p.Panel(
        "Batch size",
        "Events per committed batch: small batches under load mean ingestion is not batching.",
        queries,
        "short",
    )


def _stream_backlog() -> p.Panel:
    scope = DASHBOARD_SCOPE
    queries = (
        p.Query(f"max by (job) ({select(m.ANALYTICS_STREAM_LAG, scope)})", "undelivered"),
        p.Query(f"max by (job) ({select(m.ANALYTICS_STREAM_PENDING, scope)})", "pending"),
    )
    return p.Panel(
        "Stream backlog",
        "Clicks waiting in the Redis stream: undelivered (not yet read by the consumer group,"
        " XINFO GROUPS lag) and pending (read, not yet committed and acknowledged). Undelivered"
        " growing: the consumers fall behind or stopped; pending stuck above 0: a consumer died"
        " holding entries (reclaimed after HOP_CLAIM_IDLE_MS). 0 with the http transport.",
        queries,
        "short",
        ((None, "green"), (10_000, "orange"), (100_000, "red")),
    )


def _oldest_waiting() -> p.Panel:
    scope = DASHBOARD_SCOPE
    queries = (
        p.Query(f"max by (job) ({select(m.ANALYTICS_STREAM_OLDEST_AGE, scope)})", "stream"),
        p.Query(f"max by (job) ({select(m.ANALYTICS_INTAKE_OLDEST_AGE, scope)})", "intake"),
    )
    return p.Panel(
        "Oldest click waiting",
        "Age of the oldest click not yet counted: in the Redis stream (undelivered or pending)"
        " and in intake (a batch being stored). It grows with time while ingestion is stuck"
        " and is 0 when nothing waits; click freshness is stale past 2 minutes here or in"
        " redirect (its own panel).",
        queries,
        "s",
        ((None, "green"), (60, "orange"), (120, "red")),
    )


BOARD: Final = Board(
    "hop / analytics",
    "hop-analytics",
    "The analytics service: click ingestion, its stream backlog, duplicates, dead letters"
    " and stats latency.",
    ("analytics",),
    (
        Row(
            "Ingestion",
            (
                p.counter_rate(
                    "Events ingested",
                    m.ANALYTICS_INGESTED,
                    by=("transport",),
                    description="Click events stored for the first time, by transport.",
                ),
                p.counter_rate(
                    "Events received",
                    m.ANALYTICS_RECEIVED,
                    by=("transport",),
                    description="Click events received, valid or not.",
                ),
                p.counter_rate(
                    "Duplicates",
                    m.ANALYTICS_DUPLICATES,
                    by=("transport",),
                    description="Redelivered events recognised by id and not counted again.",
                ),
                p.alerted(
                    p.counter_rate(
                        "Rejected (422 or dead-lettered)",
                        m.ANALYTICS_REJECTED,
                        by=("transport",),
                        description="Malformed events answered 422 or moved to the dead-letter"
                        " stream.",
                        thresholds=((None, "green"), (0.001, "orange")),
                    ),
                    "HopClicksRejected",
                ),
                p.counter_rate(
                    "Not counted: link disabled",
                    m.ANALYTICS_DISABLED,
                    by=("transport",),
                    description="Clicks on a link after its disable, served from redirect's"
                    " cache within its staleness bound (HOP_CACHE_TTL), and not counted.",
                ),
                p.alerted(
                    p.counter_rate(
                        "Dead-lettered by reason",
                        m.ANALYTICS_DEAD_LETTERED,
                        by=("reason",),
                        description="Stream entries moved to the dead-letter stream: invalid"
                        " (breaks the click contract) or refused (the database refused the event"
                        " alone). 0 when healthy; those clicks are not counted until replayed.",
                        thresholds=((None, "green"), (0.001, "red")),
                    ),
                    "HopClicksDeadLettered",
                ),
                _batch_size(),
                p.gauge(
                    "Ingestion lag",
                    m.ANALYTICS_INGESTION_LAG,
                    description="Now minus the newest event time of the last committed batch.",
                    unit="s",
                    aggregate="max",
                    thresholds=((None, "green"), (10, "orange"), (60, "red")),
                ),
                p.alerted(_oldest_waiting(), "HopClickFreshnessBurn"),
                p.alerted(_stream_backlog(), "HopClickFreshnessBurn"),
                p.alerted(
                    p.gauge(
                        "Stream consumer state",
                        m.ANALYTICS_CONSUMER_STATE,
                        description="1 for the consumer's current state: running, backoff,"
                        " stopped.",
                        unit="short",
                        by=("pod", "state"),
                        aggregate="max",
                        cluster_only=_REDIS_ONLY,
                    ),
                    "HopClickConsumerStalled",
                ),
            ),
        ),
        Row(
            "Stats API",
            (
                # Stats routes only: click intake (/internal/...) has its own row above.
                p.request_rate(by=("http_route",), scope=_STATS),
                p.error_ratio(scope=_STATS),
                p.latency("Stats latency p50 / p90 / p99", by=("http_route",), scope=_STATS),
                p.rate_limited(),
            ),
        ),
        Row("Saturation", (*p.saturation(), p.database_latency(), p.peer_latency())),
    ),
)
