"""Input series for hop's promtool scenarios: each part of hop healthy or broken, per minute.

Written against cluster-style series (``job="hop-redirect"``, ``namespace="hop"``): the
services' own, Traefik's for redirect's Service, and the kube-state-metrics, cAdvisor and
kubelet series of redirect's pod, autoscaler and spool claim. Each builder returns promtool
``input_series`` (name -> values) for ``minutes`` minutes.
"""

from __future__ import annotations

from hop_observability import metrics as m

__all__ = [
    "CLAIM",
    "EDGE_SERVICE",
    "HPA",
    "NS",
    "POD",
    "SPOOL_BYTES",
    "SPOOL_EVENTS",
    "analytics_series",
    "clicks_series",
    "cluster_series",
    "console_series",
    "edge_series",
    "flat",
    "healthy_series",
    "links_series",
    "per_minute",
    "redirect_series",
    "retained_claim_series",
    "sel",
    "spool_series",
    "stats_series",
]

NS = "hop"
DURATION = f"{m.REQUEST_DURATION}_count"
BUCKET = f"{m.REQUEST_DURATION}_bucket"


def sel(metric: str, **labels: str) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in {"namespace": NS, **labels}.items())
    return f"{metric}{{{inner}}}"


def per_minute(rate: float, minutes: int) -> str:
    return f"0+{rate:g}x{minutes}"


def flat(value: float, minutes: int) -> str:
    return f"{value:g}+0x{minutes}"


def redirect_series(ok: float, errors: float, fast: float, minutes: int) -> dict[str, str]:
    job = {"job": "hop-redirect", "http_route": "/{code}"}
    return {
        sel(DURATION, **job, http_response_status_code="302"): per_minute(ok, minutes),
        sel(DURATION, **job, http_response_status_code="500"): per_minute(errors, minutes),
        sel(BUCKET, **job, http_response_status_code="302", le="0.05"): per_minute(fast, minutes),
        # Errors are answered fast: a 5xx spends the availability budget, not the latency one.
        sel(BUCKET, **job, http_response_status_code="500", le="0.05"): per_minute(errors, minutes),
    }


def links_series(ok: float, errors: float, minutes: int) -> dict[str, str]:
    api = {"job": "hop-links", "http_route": "/api/v1/links"}
    internal = {"job": "hop-links", "http_route": "/internal/v1/links/{code}"}
    return {
        sel(DURATION, **api, http_response_status_code="201"): per_minute(ok, minutes),
        sel(DURATION, **api, http_response_status_code="500"): per_minute(errors, minutes),
        # Internal resolves failing do not count against the public API's SLO.
        sel(DURATION, **internal, http_response_status_code="500"): per_minute(50, minutes),
    }


#: Traefik's name of redirect's Service (namespace hop, release hop, port http).
EDGE_SERVICE = "hop-hop-redirect-http@kubernetes"


def edge_series(ok: float, errors: float, fast: float, minutes: int) -> dict[str, str]:
    """Traefik's counters for redirect's Service, scraped in Traefik's own namespace."""
    edge = {"namespace": "traefik", "job": "traefik", "service": EDGE_SERVICE}
    duration = m.TRAEFIK_DURATION
    return {
        sel(m.TRAEFIK_REQUESTS, **edge, code="302"): per_minute(ok, minutes),
        sel(m.TRAEFIK_REQUESTS, **edge, code="503"): per_minute(errors, minutes),
        sel(f"{duration}_bucket", **edge, code="302", le="0.1"): per_minute(fast, minutes),
        sel(f"{duration}_count", **edge, code="302"): per_minute(ok, minutes),
        sel(f"{duration}_bucket", **edge, code="503", le="0.1"): per_minute(errors, minutes),
        sel(f"{duration}_count", **edge, code="503"): per_minute(errors, minutes),
    }


def stats_series(ok: float, errors: float, minutes: int) -> dict[str, str]:
    stats = {"job": "hop-analytics", "http_route": "/api/v1/stats/{code}"}
    intake = {"job": "hop-analytics", "http_route": "/internal/v1/clicks"}
    return {
        sel(DURATION, **stats, http_response_status_code="200"): per_minute(ok, minutes),
        sel(DURATION, **stats, http_response_status_code="500"): per_minute(errors, minutes),
        # Click intake failing is the freshness SLO's business, not the stats API's.
        sel(DURATION, **intake, http_response_status_code="503"): per_minute(50, minutes),
    }


def console_series(ok: float, errors: float, minutes: int) -> dict[str, str]:
    page = {"job": "hop-console", "http_route": "/console/links"}
    return {
        sel(DURATION, **page, http_response_status_code="200"): per_minute(ok, minutes),
        sel(DURATION, **page, http_response_status_code="500"): per_minute(errors, minutes),
    }


def analytics_series(lag: float, minutes: int, *, ingested: float = 100) -> dict[str, str]:
    job = {"job": "hop-analytics"}
    return {
        sel(m.ANALYTICS_INGESTION_LAG, **job): flat(lag, minutes),
        sel(m.ANALYTICS_INGESTED, **job): per_minute(ingested, minutes),
        sel(m.ANALYTICS_STREAM_LAG, **job): flat(0, minutes),
        sel(m.ANALYTICS_STREAM_PENDING, **job): flat(0, minutes),
        sel(m.ANALYTICS_STREAM_OLDEST_AGE, **job): flat(1, minutes),
        sel(m.ANALYTICS_INTAKE_OLDEST_AGE, **job): flat(0, minutes),
        sel(m.UP, **job, instance="10.0.0.3:9000"): flat(1, minutes),
        sel(m.ANALYTICS_REJECTED, **job, transport="http"): flat(0, minutes),
        sel(m.ANALYTICS_REJECTED, **job, transport="redis"): flat(0, minutes),
        sel(m.ANALYTICS_DEAD_LETTERED, **job, reason="invalid"): flat(0, minutes),
        sel(m.ANALYTICS_DEAD_LETTERED, **job, reason="refused"): flat(0, minutes),
        sel(m.ANALYTICS_CONSUMER_STATE, **job, pod="hop-analytics-0", state="running"): flat(
            1, minutes
        ),
        sel(m.ANALYTICS_CONSUMER_STATE, **job, pod="hop-analytics-0", state="backoff"): flat(
            0, minutes
        ),
    }


def clicks_series(buffered: float, sent: float, dropped: float, minutes: int) -> dict[str, str]:
    job = {"job": "hop-redirect"}
    return {
        sel(m.REDIRECT_CLICKS_BUFFERED, **job): flat(buffered, minutes),
        # A batch in flight: the oldest click waits a second or two.
        sel(m.REDIRECT_CLICKS_OLDEST_AGE, **job): flat(2 if buffered else 0, minutes),
        sel(m.REDIRECT_CLICKS_SENT, **job): per_minute(sent, minutes),
        sel(m.REDIRECT_CLICKS_DROPPED, **job, reason="buffer_full"): per_minute(dropped, minutes),
        sel(m.UP, job="hop-redirect", instance="10.0.0.1:9000"): flat(1, minutes),
        sel(m.DEPLOYMENT_AVAILABLE, deployment="hop-redirect"): flat(2, minutes),
        sel(m.UP, job="hop-links", instance="10.0.0.2:9000"): flat(1, minutes),
        sel(m.CONTAINER_RESTARTS, pod="hop-redirect-0", container="redirect"): flat(0, minutes),
        **spool_series(
            minutes, events=flat(buffered, minutes), bytes_=flat(buffered * 500, minutes)
        ),
    }


#: A small spool, so the scenarios read as shares: 1,000 events or 1 MB.
SPOOL_EVENTS = 1000
SPOOL_BYTES = 1_000_000


def spool_series(minutes: int, *, events: str, bytes_: str) -> dict[str, str]:
    """One redirect process' spool: events and bytes in use (promtool series), capacities."""
    job = {"job": "hop-redirect", "pod": "hop-redirect-0"}
    return {
        sel(m.REDIRECT_SPOOL_EVENTS, **job): events,
        sel(m.REDIRECT_SPOOL_BYTES, **job): bytes_,
        sel(m.REDIRECT_SPOOL_CAPACITY_EVENTS, **job): flat(SPOOL_EVENTS, minutes),
        sel(m.REDIRECT_SPOOL_CAPACITY_BYTES, **job): flat(SPOOL_BYTES, minutes),
    }


#: redirect's pod, container, autoscaler and spool claim as kube-state-metrics, cAdvisor and
#: the kubelet name them.
POD = {"pod": "hop-redirect-0", "container": "redirect"}
HPA = {"horizontalpodautoscaler": "hop-redirect"}
CLAIM = {"persistentvolumeclaim": "spool-hop-redirect-0"}


def cluster_series(
    minutes: int,
    *,
    crash_looping: float = 0,
    pending: float = 0,
    replicas: float = 2,
    throttled: float = 1,
    free: float = 9e9,
) -> dict[str, str]:
    return {
        sel(m.CONTAINER_WAITING, **POD, reason="CrashLoopBackOff"): flat(crash_looping, minutes),
        sel(m.POD_PHASE, pod=POD["pod"], phase="Pending"): flat(pending, minutes),
        sel(m.HPA_CURRENT_REPLICAS, **HPA): flat(replicas, minutes),
        sel(m.HPA_MAX_REPLICAS, **HPA): flat(10, minutes),
        sel(m.CPU_THROTTLED_PERIODS, **POD): per_minute(throttled, minutes),
        sel(m.CPU_PERIODS, **POD): per_minute(100, minutes),
        sel(m.VOLUME_AVAILABLE, **CLAIM): flat(free, minutes),
        sel(m.VOLUME_CAPACITY, **CLAIM): flat(10e9, minutes),
        sel(m.PVC_INFO, **CLAIM, storageclass="standard"): flat(1, minutes),
        sel(m.POD_CLAIMS, **CLAIM, pod=POD["pod"], volume="spool"): flat(1, minutes),
        # Ordinal 1 was scaled away with its spool empty: its claim is kept, and is no alert.
        **retained_claim_series("hop-redirect-1", events=0, minutes=minutes),
    }


def retained_claim_series(pod: str, *, events: float, minutes: int) -> dict[str, str]:
    """A StatefulSet pod gone after 30 minutes with ``events`` in its spool; its claim stays."""
    job = {"job": "hop-redirect", "pod": pod}
    return {
        sel(m.REDIRECT_SPOOL_EVENTS, **job): f"{events:g}+0x30 _x{minutes - 31}",
        sel(m.PVC_INFO, persistentvolumeclaim=f"spool-{pod}", storageclass="standard"): flat(
            1, minutes
        ),
    }


def healthy_series(minutes: int) -> dict[str, str]:
    # Within every objective: 0.05% redirect errors, 0.25% slow redirects, 0.2% links errors.
    return {
        **edge_series(ok=2000, errors=1, fast=1996, minutes=minutes),
        **redirect_series(ok=2000, errors=1, fast=1996, minutes=minutes),
        **links_series(ok=499, errors=1, minutes=minutes),
        **stats_series(ok=499, errors=1, minutes=minutes),
        **console_series(ok=499, errors=1, minutes=minutes),
        **analytics_series(lag=2, minutes=minutes),
        **clicks_series(buffered=5, sent=100, dropped=0, minutes=minutes),
        **cluster_series(minutes),
    }
