"""promtool unit-test scenarios for hop's rule file: one healthy history, one fire per alert.

The scenarios are written against cluster-style series (``job="hop-redirect"``,
``namespace="hop"``); the expected alerts' labels and annotations are derived from the
rules themselves, so a changed description does not need a changed test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hop_observability import metrics as m

__all__ = [
    "HEALTHY_MINUTES",
    "Scenario",
    "expected_alert",
    "firing_scenarios",
    "healthy_scenario",
    "promtool_file",
]

NS = "hop"
#: A little more than the longest window (3d), sampled every minute.
HEALTHY_MINUTES = 3 * 24 * 60 + 120
DURATION = f"{m.REQUEST_DURATION}_count"
BUCKET = f"{m.REQUEST_DURATION}_bucket"


@dataclass(slots=True)
class Scenario:
    """Input series (every minute) and the time the alerts are evaluated at."""

    name: str
    series: dict[str, str]
    eval_minutes: int


def _s(metric: str, **labels: str) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in {"namespace": NS, **labels}.items())
    return f"{metric}{{{inner}}}"


def _per_minute(rate: float, minutes: int) -> str:
    return f"0+{rate:g}x{minutes}"


def _flat(value: float, minutes: int) -> str:
    return f"{value:g}+0x{minutes}"


def _redirect(ok: float, errors: float, fast: float, minutes: int) -> dict[str, str]:
    job = {"job": "hop-redirect", "http_route": "/{code}"}
    return {
        _s(DURATION, **job, http_response_status_code="302"): _per_minute(ok, minutes),
        _s(DURATION, **job, http_response_status_code="500"): _per_minute(errors, minutes),
        _s(BUCKET, **job, http_response_status_code="302", le="0.05"): _per_minute(fast, minutes),
        # Errors are answered fast: a 5xx spends the availability budget, not the latency one.
        _s(BUCKET, **job, http_response_status_code="500", le="0.05"): _per_minute(errors, minutes),
    }


def _links(ok: float, errors: float, minutes: int) -> dict[str, str]:
    api = {"job": "hop-links", "http_route": "/api/v1/links"}
    internal = {"job": "hop-links", "http_route": "/internal/v1/links/{code}"}
    return {
        _s(DURATION, **api, http_response_status_code="201"): _per_minute(ok, minutes),
        _s(DURATION, **api, http_response_status_code="500"): _per_minute(errors, minutes),
        # Internal resolves failing do not count against the public API's SLO.
        _s(DURATION, **internal, http_response_status_code="500"): _per_minute(50, minutes),
    }


#: Traefik's name of redirect's Service (namespace hop, release hop, port http).
EDGE_SERVICE = "hop-hop-redirect-http@kubernetes"


def _edge(ok: float, errors: float, fast: float, minutes: int) -> dict[str, str]:
    """Traefik's counters for redirect's Service, scraped in Traefik's own namespace."""
    edge = {"namespace": "traefik", "job": "traefik", "service": EDGE_SERVICE}
    duration = m.TRAEFIK_DURATION
    return {
        _s(m.TRAEFIK_REQUESTS, **edge, code="302"): _per_minute(ok, minutes),
        _s(m.TRAEFIK_REQUESTS, **edge, code="503"): _per_minute(errors, minutes),
        _s(f"{duration}_bucket", **edge, code="302", le="0.1"): _per_minute(fast, minutes),
        _s(f"{duration}_count", **edge, code="302"): _per_minute(ok, minutes),
        _s(f"{duration}_bucket", **edge, code="503", le="0.1"): _per_minute(errors, minutes),
        _s(f"{duration}_count", **edge, code="503"): _per_minute(errors, minutes),
    }


def _stats(ok: float, errors: float, minutes: int) -> dict[str, str]:
    stats = {"job": "hop-analytics", "http_route": "/api/v1/stats/{code}"}
    intake = {"job": "hop-analytics", "http_route": "/internal/v1/clicks"}
    return {
        _s(DURATION, **stats, http_response_status_code="200"): _per_minute(ok, minutes),
        _s(DURATION, **stats, http_response_status_code="500"): _per_minute(errors, minutes),
        # Click intake failing is the freshness SLO's business, not the stats API's.
        _s(DURATION, **intake, http_response_status_code="503"): _per_minute(50, minutes),
    }


def _console(ok: float, errors: float, minutes: int) -> dict[str, str]:
    page = {"job": "hop-console", "http_route": "/console/links"}
    return {
        _s(DURATION, **page, http_response_status_code="200"): _per_minute(ok, minutes),
        _s(DURATION, **page, http_response_status_code="500"): _per_minute(errors, minutes),
    }


def _analytics(lag: float, minutes: int, *, ingested: float = 100) -> dict[str, str]:
    job = {"job": "hop-analytics"}
    return {
        _s(m.ANALYTICS_INGESTION_LAG, **job): _flat(lag, minutes),
        _s(m.ANALYTICS_INGESTED, **job): _per_minute(ingested, minutes),
        _s(m.ANALYTICS_STREAM_LAG, **job): _flat(0, minutes),
        _s(m.ANALYTICS_STREAM_PENDING, **job): _flat(0, minutes),
        _s(m.ANALYTICS_STREAM_OLDEST_AGE, **job): _flat(1, minutes),
        _s(m.ANALYTICS_INTAKE_OLDEST_AGE, **job): _flat(0, minutes),
        _s(m.UP, **job, instance="10.0.0.3:9000"): _flat(1, minutes),
        _s(m.ANALYTICS_REJECTED, **job, transport="http"): _flat(0, minutes),
        _s(m.ANALYTICS_REJECTED, **job, transport="redis"): _flat(0, minutes),
        _s(m.ANALYTICS_DEAD_LETTERED, **job, reason="invalid"): _flat(0, minutes),
        _s(m.ANALYTICS_DEAD_LETTERED, **job, reason="refused"): _flat(0, minutes),
        _s(m.ANALYTICS_CONSUMER_STATE, **job, pod="hop-analytics-0", state="running"): _flat(
            1, minutes
        ),
        _s(m.ANALYTICS_CONSUMER_STATE, **job, pod="hop-analytics-0", state="backoff"): _flat(
            0, minutes
        ),
    }


def _clicks(buffered: float, sent: float, dropped: float, minutes: int) -> dict[str, str]:
    job = {"job": "hop-redirect"}
    return {
        _s(m.REDIRECT_CLICKS_BUFFERED, **job): _flat(buffered, minutes),
        # A batch in flight: the oldest click waits a second or two.
        _s(m.REDIRECT_CLICKS_OLDEST_AGE, **job): _flat(2 if buffered else 0, minutes),
        _s(m.REDIRECT_CLICKS_SENT, **job): _per_minute(sent, minutes),
        _s(m.REDIRECT_CLICKS_DROPPED, **job, reason="buffer_full"): _per_minute(dropped, minutes),
        _s(m.UP, job="hop-redirect", instance="10.0.0.1:9000"): _flat(1, minutes),
        _s(m.DEPLOYMENT_AVAILABLE, deployment="hop-redirect"): _flat(2, minutes),
        _s(m.UP, job="hop-links", instance="10.0.0.2:9000"): _flat(1, minutes),
        _s(m.CONTAINER_RESTARTS, pod="hop-redirect-0", container="redirect"): _flat(0, minutes),
        **_spool(minutes, events=_flat(buffered, minutes), bytes_=_flat(buffered * 500, minutes)),
    }


#: A small spool, so the scenarios read as shares: 1,000 events or 1 MB.
SPOOL_EVENTS = 1000
SPOOL_BYTES = 1_000_000


def _spool(minutes: int, *, events: str, bytes_: str) -> dict[str, str]:
    """One redirect process' spool: events and bytes in use (promtool series), capacities."""
    job = {"job": "hop-redirect", "pod": "hop-redirect-0"}
    return {
        _s(m.REDIRECT_SPOOL_EVENTS, **job): events,
        _s(m.REDIRECT_SPOOL_BYTES, **job): bytes_,
        _s(m.REDIRECT_SPOOL_CAPACITY_EVENTS, **job): _flat(SPOOL_EVENTS, minutes),
        _s(m.REDIRECT_SPOOL_CAPACITY_BYTES, **job): _flat(SPOOL_BYTES, minutes),
    }


#: redirect's pod, container, autoscaler and spool claim as kube-state-metrics, cAdvisor and
#: the kubelet name them.
POD = {"pod": "hop-redirect-0", "container": "redirect"}
HPA = {"horizontalpodautoscaler": "hop-redirect"}
CLAIM = {"persistentvolumeclaim": "spool-hop-redirect-0"}


def _cluster(
    minutes: int,
    *,
    crash_looping: float = 0,
    pending: float = 0,
    replicas: float = 2,
    throttled: float = 1,
    free: float = 9e9,
) -> dict[str, str]:
    return {
        _s(m.CONTAINER_WAITING, **POD, reason="CrashLoopBackOff"): _flat(crash_looping, minutes),
        _s(m.POD_PHASE, pod=POD["pod"], phase="Pending"): _flat(pending, minutes),
        _s(m.HPA_CURRENT_REPLICAS, **HPA): _flat(replicas, minutes),
        _s(m.HPA_MAX_REPLICAS, **HPA): _flat(10, minutes),
        _s(m.CPU_THROTTLED_PERIODS, **POD): _per_minute(throttled, minutes),
        _s(m.CPU_PERIODS, **POD): _per_minute(100, minutes),
        _s(m.VOLUME_AVAILABLE, **CLAIM): _flat(free, minutes),
        _s(m.VOLUME_CAPACITY, **CLAIM): _flat(10e9, minutes),
    }


def _healthy(minutes: int) -> dict[str, str]:
    # Within every objective: 0.05% redirect errors, 0.25% slow redirects, 0.2% links errors.
    return {
        **_edge(ok=2000, errors=1, fast=1996, minutes=minutes),
        **_redirect(ok=2000, errors=1, fast=1996, minutes=minutes),
        **_links(ok=499, errors=1, minutes=minutes),
        **_stats(ok=499, errors=1, minutes=minutes),
        **_console(ok=499, errors=1, minutes=minutes),
        **_analytics(lag=2, minutes=minutes),
        **_clicks(buffered=5, sent=100, dropped=0, minutes=minutes),
        **_cluster(minutes),
    }


def healthy_scenario() -> Scenario:
    """Three days and two hours within every objective: no alert may fire at its end."""
    return Scenario(
        "healthy history longer than the longest window",
        _healthy(HEALTHY_MINUTES),
        HEALTHY_MINUTES,
    )


def firing_scenarios() -> list[tuple[Scenario, dict[str, list[dict[str, str]]]]]:
    """Each scenario breaks one thing; the map gives the firing alerts' output labels."""
    minutes = 60
    ns = {"namespace": NS}
    slo = dict.fromkeys(("critical", "warning"))

    def burn(name: str, service: str) -> list[dict[str, str]]:
        return [{**ns, "slo": name, "service": service, "severity": s} for s in slo]

    def broken(**changes: dict[str, str]) -> dict[str, str]:
        series = _healthy(minutes)
        for part in changes.values():
            series.update(part)
        return series

    job = {"job": "hop-redirect"}
    analytics = {"job": "hop-analytics"}
    up_redirect = _s(m.UP, **job, instance="10.0.0.1:9000")
    available = _s(m.DEPLOYMENT_AVAILABLE, deployment="hop-redirect")
    available_set = _s(m.STATEFULSET_AVAILABLE, statefulset="hop-redirect")
    spool_filling = {**ns, **job, "pod": "hop-redirect-0", "severity": "warning"}
    write_failed = {**ns, **job, "reason": "spool_write_failed"}
    return [
        (
            Scenario(
                "spool writes fail on a full volume",
                broken(
                    w={
                        _s(m.REDIRECT_CLICKS_DROPPED, **job, reason="spool_write_failed"): (
                            _per_minute(5, minutes)
                        )
                    }
                ),
                minutes,
            ),
            {
                "HopClicksDropped": [{**write_failed, "severity": "critical"}],
                "HopClickSpoolDiskFailing": [{**write_failed, "severity": "warning"}],
            },
        ),
        (
            Scenario(
                "redirect answers 5xx",
                broken(r=_redirect(ok=2000, errors=200, fast=2000, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectAvailabilityBurn": burn("redirect-availability", "redirect")},
        ),
        (
            Scenario(
                "redirect slow",
                broken(r=_redirect(ok=2000, errors=0, fast=1500, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectLatencyBurn": burn("redirect-latency", "redirect")},
        ),
        (
            Scenario(
                "links API answers 5xx",
                broken(l=_links(ok=400, errors=100, minutes=minutes)),
                minutes,
            ),
            {"HopLinksAvailabilityBurn": burn("links-availability", "links")},
        ),
        (
            Scenario(
                "redis: clicks wait in the stream, analytics up and counting none",
                broken(
                    a=_analytics(lag=2, minutes=minutes, ingested=0),
                    s={
                        _s(m.ANALYTICS_STREAM_LAG, **analytics): _per_minute(100, minutes),
                        _s(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): _per_minute(60, minutes),
                    },
                ),
                minutes,
            ),
            {"HopClickFreshnessBurn": burn("click-freshness", "analytics")},
        ),
        (
            Scenario(
                "http: analytics up, batches refused with 503, clicks wait in redirect",
                broken(
                    a=_analytics(lag=2, minutes=minutes, ingested=0),
                    c={
                        _s(m.REDIRECT_CLICKS_BUFFERED, **job): _per_minute(100, minutes),
                        _s(m.REDIRECT_CLICKS_OLDEST_AGE, **job): _per_minute(60, minutes),
                    },
                ),
                minutes,
            ),
            {"HopClickFreshnessBurn": burn("click-freshness", "analytics")},
        ),
        (
            Scenario(
                "stall: a batch held by a locked database, its clicks ageing in intake",
                broken(
                    a=_analytics(lag=2, minutes=minutes, ingested=0),
                    i={_s(m.ANALYTICS_INTAKE_OLDEST_AGE, **analytics): _per_minute(60, minutes)},
                ),
                minutes,
            ),
            {"HopClickFreshnessBurn": burn("click-freshness", "analytics")},
        ),
        (
            Scenario(
                "ingestion commits every minute but falls behind: the oldest click 5 minutes old",
                broken(
                    s={
                        _s(m.ANALYTICS_STREAM_LAG, **analytics): _flat(30_000, minutes),
                        _s(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): _flat(300, minutes),
                    },
                ),
                minutes,
            ),
            {"HopClickFreshnessBurn": burn("click-freshness", "analytics")},
        ),
        (
            Scenario(
                "slow but keeping up: the oldest click is always under 2 minutes old",
                broken(
                    s={_s(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): _flat(110, minutes)},
                    c={_s(m.REDIRECT_CLICKS_OLDEST_AGE, **job): _flat(115, minutes)},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "quiet after a late last batch: nothing waits, the old lag stays high",
                broken(
                    a=_analytics(lag=300, minutes=minutes, ingested=0),
                    c=_clicks(buffered=0, sent=0, dropped=0, minutes=minutes),
                    s={_s(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): _flat(0, minutes)},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "edge answers 503 (no redirect pod behind Traefik)",
                broken(e=_edge(ok=2000, errors=200, fast=2000, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectEdgeAvailabilityBurn": burn("redirect-edge-availability", "redirect")},
        ),
        (
            Scenario(
                "edge slow", broken(e=_edge(ok=2000, errors=0, fast=1500, minutes=minutes)), minutes
            ),
            {"HopRedirectEdgeLatencyBurn": burn("redirect-edge-latency", "redirect")},
        ),
        (
            Scenario(
                "stats API answers 5xx",
                broken(s=_stats(ok=400, errors=100, minutes=minutes)),
                minutes,
            ),
            {"HopStatsAvailabilityBurn": burn("stats-availability", "analytics")},
        ),
        (
            Scenario(
                "console answers 5xx",
                broken(c=_console(ok=400, errors=100, minutes=minutes)),
                minutes,
            ),
            {"HopConsoleAvailabilityBurn": burn("console-availability", "console")},
        ),
        (
            Scenario(
                "redirect scaled to zero: its targets vanish, nobody asks the edge",
                broken(
                    u={up_redirect: f"1x{minutes - 10} stale"},
                    d={available: f"2x{minutes - 10} 0x9"},
                    c={
                        _s(series, **job): f"5x{minutes - 10} stale"
                        for series in (m.REDIRECT_CLICKS_BUFFERED, m.REDIRECT_CLICKS_SENT)
                    },
                    e=_edge(ok=0, errors=0, fast=0, minutes=minutes),
                ),
                minutes,
            ),
            {"HopRedirectDown": [{**ns, "severity": "critical"}]},
        ),
        (
            Scenario(
                "production: redirect's StatefulSet (persistent spool) scaled to zero",
                broken(
                    u={up_redirect: f"1x{minutes - 10} stale"},
                    d={available: f"_x{minutes}"},
                    t={available_set: f"2x{minutes - 10} 0x9"},
                ),
                minutes,
            ),
            {"HopRedirectDown": [{**ns, "severity": "critical"}]},
        ),
        (
            Scenario(
                "redirect crash-looping: its targets down, none available",
                broken(
                    u={up_redirect: f"1x{minutes - 10} 0x9"},
                    d={available: f"2x{minutes - 10} 0x9"},
                ),
                minutes,
            ),
            {
                "HopRedirectDown": [{**ns, "severity": "critical"}],
                "HopTargetDown": [
                    {**ns, **job, "instance": "10.0.0.1:9000", "severity": "warning"}
                ],
            },
        ),
        (
            Scenario(
                "no redirect target and no kube-state-metrics at all",
                broken(
                    u={up_redirect: f"1x{minutes - 10} stale"},
                    d={available: f"2x{minutes - 10} stale"},
                ),
                minutes,
            ),
            {"HopRedirectDown": [{"severity": "critical"}]},
        ),
        (
            Scenario(
                "a rollout replaces the only pod: 2 minutes without a target do not page",
                broken(
                    u={up_redirect: f"1x{minutes - 3} stale"},
                    n={_s(m.UP, **job, instance="10.0.0.9:9000"): f"_x{minutes - 1} 1"},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "analytics unscraped",
                broken(
                    a={_s(m.UP, **analytics, instance="10.0.0.3:9000"): _flat(0, minutes)},
                    lag={_s(m.ANALYTICS_INGESTION_LAG, **analytics): "2x10 stale"},
                ),
                minutes,
            ),
            {
                "HopClickFreshnessBurn": burn("click-freshness", "analytics"),
                "HopTargetDown": [
                    {**ns, **analytics, "instance": "10.0.0.3:9000", "severity": "warning"}
                ],
            },
        ),
        (
            Scenario(
                "clicks dropped",
                broken(c=_clicks(buffered=5, sent=100, dropped=3, minutes=minutes)),
                minutes,
            ),
            {"HopClicksDropped": [{**ns, **job, "reason": "buffer_full", "severity": "critical"}]},
        ),
        (
            Scenario(
                "click delivery stalled",
                broken(c=_clicks(buffered=40, sent=0, dropped=0, minutes=minutes)),
                minutes,
            ),
            {"HopClickDeliveryStalled": [{**ns, **job, "severity": "warning"}]},
        ),
        (
            Scenario(
                "events rejected over http",
                broken(
                    r={
                        _s(m.ANALYTICS_REJECTED, **analytics, transport="http"): _per_minute(
                            2, minutes
                        )
                    }
                ),
                minutes,
            ),
            {"HopClicksRejected": [{**ns, **analytics, "severity": "warning"}]},
        ),
        (
            Scenario(
                "events dead-lettered from the stream",
                broken(
                    d={
                        # Dead letters are rejected events of the redis transport too: only
                        # the dead-letter alert fires, by reason.
                        _s(m.ANALYTICS_REJECTED, **analytics, transport="redis"): _per_minute(
                            1, minutes
                        ),
                        _s(m.ANALYTICS_DEAD_LETTERED, **analytics, reason="refused"): _per_minute(
                            1, minutes
                        ),
                    }
                ),
                minutes,
            ),
            {
                "HopClicksDeadLettered": [
                    {**ns, **analytics, "reason": "refused", "severity": "warning"}
                ]
            },
        ),
        (
            Scenario(
                "spool over half full by events",
                broken(s=_spool(minutes, events=_flat(600, minutes), bytes_=_flat(1000, minutes))),
                minutes,
            ),
            {"HopClickSpoolFilling": [spool_filling]},
        ),
        (
            Scenario(
                "spool over half full by bytes",
                broken(
                    s=_spool(minutes, events=_flat(50, minutes), bytes_=_flat(700_000, minutes))
                ),
                minutes,
            ),
            {"HopClickSpoolFilling": [spool_filling]},
        ),
        (
            Scenario(
                "spool 45% full, then over half for the last minute only: quiet (pending)",
                broken(
                    s=_spool(
                        minutes,
                        events=f"450+0x{minutes - 2} 600 600",
                        bytes_=_flat(450_000, minutes),
                    )
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "consumer in backoff",
                broken(
                    s={
                        _s(
                            m.ANALYTICS_CONSUMER_STATE,
                            **analytics,
                            pod="hop-analytics-0",
                            state="backoff",
                        ): _flat(1, minutes),
                        _s(
                            m.ANALYTICS_CONSUMER_STATE,
                            **analytics,
                            pod="hop-analytics-0",
                            state="running",
                        ): _flat(0, minutes),
                    }
                ),
                minutes,
            ),
            {
                "HopClickConsumerStalled": [
                    {**ns, **analytics, "pod": "hop-analytics-0", "severity": "warning"}
                ]
            },
        ),
        (
            Scenario("crash-looping", broken(k=_cluster(minutes, crash_looping=1)), minutes),
            {"HopPodCrashLooping": [{**ns, **POD, "severity": "warning"}]},
        ),
        (
            Scenario("pod pending", broken(k=_cluster(minutes, pending=1)), minutes),
            {"HopPodPending": [{**ns, "pod": POD["pod"], "severity": "warning"}]},
        ),
        (
            Scenario(
                "autoscaler at its maximum", broken(k=_cluster(minutes, replicas=10)), minutes
            ),
            {"HopHpaAtMax": [{**ns, **HPA, "severity": "warning"}]},
        ),
        (
            Scenario(
                "CPU throttled half the time", broken(k=_cluster(minutes, throttled=50)), minutes
            ),
            {"HopCpuThrottled": [{**ns, **POD, "severity": "warning"}]},
        ),
        (
            Scenario("spool volume 90% full", broken(k=_cluster(minutes, free=1e9)), minutes),
            {"HopSpoolVolumeFilling": [{**ns, **CLAIM, "severity": "warning"}]},
        ),
        (
            Scenario(
                "pod restarting",
                broken(
                    p={
                        _s(
                            m.CONTAINER_RESTARTS, pod="hop-redirect-0", container="redirect"
                        ): _per_minute(0.2, minutes)
                    }
                ),
                minutes,
            ),
            {
                "HopPodRestarting": [
                    {
                        **ns,
                        "pod": "hop-redirect-0",
                        "container": "redirect",
                        "severity": "warning",
                    }
                ]
            },
        ),
    ]


def expected_alert(rule: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """Return promtool's exp_labels/exp_annotations of ``rule`` firing for ``labels``.

    ``labels`` are the alert's labels; the templates see the series' labels, which are
    those minus the rule's own labels.
    """
    series = {k: v for k, v in labels.items() if k not in rule.get("labels", {})}
    return {
        "exp_labels": dict(labels),
        "exp_annotations": {k: _expand(v, series) for k, v in rule["annotations"].items()},
    }


def _expand(template: str, labels: Mapping[str, str]) -> str:
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda mt: labels.get(mt[1], ""), template)


def promtool_file(
    rule_file: str, evaluation_interval: str, groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """Return a promtool test file."""
    return {
        "rule_files": [rule_file],
        "evaluation_interval": evaluation_interval,
        "tests": groups,
    }
