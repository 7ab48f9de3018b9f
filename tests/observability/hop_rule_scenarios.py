"""promtool unit-test scenarios for hop's rule file: one healthy history, one fire per alert.

The series come from `hop_rule_series` (cluster-style: ``job="hop-redirect"``,
``namespace="hop"``); the expected alerts' labels and annotations are derived from the
rules themselves, so a changed description does not need a changed test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hop_rule_series import (
    CLAIM,
    HPA,
    NS,
    POD,
    analytics_series,
    clicks_series,
    cluster_series,
    console_series,
    edge_series,
    flat,
    healthy_series,
    links_series,
    per_minute,
    redirect_series,
    retained_claim_series,
    sel,
    spool_series,
    stats_series,
)

from hop_observability import metrics as m

__all__ = [
    "HEALTHY_MINUTES",
    "Scenario",
    "expected_alert",
    "firing_scenarios",
    "healthy_scenario",
    "promtool_file",
]

#: A little more than the longest window (3d), sampled every minute.
HEALTHY_MINUTES = 3 * 24 * 60 + 120


@dataclass(slots=True)
class Scenario:
    """Input series (every minute) and the time the alerts are evaluated at."""

    name: str
    series: dict[str, str]
    eval_minutes: int


def healthy_scenario() -> Scenario:
    """Three days and two hours within every objective: no alert may fire at its end."""
    return Scenario(
        "healthy history longer than the longest window",
        healthy_series(HEALTHY_MINUTES),
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
        series = healthy_series(minutes)
        for part in changes.values():
            series.update(part)
        return series

    job = {"job": "hop-redirect"}
    analytics = {"job": "hop-analytics"}
    up_redirect = sel(m.UP, **job, instance="10.0.0.1:9000")
    available = sel(m.DEPLOYMENT_AVAILABLE, deployment="hop-redirect")
    available_set = sel(m.STATEFULSET_AVAILABLE, statefulset="hop-redirect")
    spool_filling = {**ns, **job, "pod": "hop-redirect-0", "severity": "warning"}
    write_failed = {**ns, **job, "reason": "spool_write_failed"}
    return [
        (
            Scenario(
                "spool writes fail on a full volume",
                broken(
                    w={
                        sel(m.REDIRECT_CLICKS_DROPPED, **job, reason="spool_write_failed"): (
                            per_minute(5, minutes)
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
                broken(r=redirect_series(ok=2000, errors=200, fast=2000, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectAvailabilityBurn": burn("redirect-availability", "redirect")},
        ),
        (
            Scenario(
                "redirect slow",
                broken(r=redirect_series(ok=2000, errors=0, fast=1500, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectLatencyBurn": burn("redirect-latency", "redirect")},
        ),
        (
            Scenario(
                "links API answers 5xx",
                broken(l=links_series(ok=400, errors=100, minutes=minutes)),
                minutes,
            ),
            {"HopLinksAvailabilityBurn": burn("links-availability", "links")},
        ),
        (
            Scenario(
                "redis: clicks wait in the stream, analytics up and counting none",
                broken(
                    a=analytics_series(lag=2, minutes=minutes, ingested=0),
                    s={
                        sel(m.ANALYTICS_STREAM_LAG, **analytics): per_minute(100, minutes),
                        sel(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): per_minute(60, minutes),
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
                    a=analytics_series(lag=2, minutes=minutes, ingested=0),
                    c={
                        sel(m.REDIRECT_CLICKS_BUFFERED, **job): per_minute(100, minutes),
                        sel(m.REDIRECT_CLICKS_OLDEST_AGE, **job): per_minute(60, minutes),
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
                    a=analytics_series(lag=2, minutes=minutes, ingested=0),
                    i={sel(m.ANALYTICS_INTAKE_OLDEST_AGE, **analytics): per_minute(60, minutes)},
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
                        sel(m.ANALYTICS_STREAM_LAG, **analytics): flat(30_000, minutes),
                        sel(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): flat(300, minutes),
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
                    s={sel(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): flat(110, minutes)},
                    c={sel(m.REDIRECT_CLICKS_OLDEST_AGE, **job): flat(115, minutes)},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "quiet after a late last batch: nothing waits, the old lag stays high",
                broken(
                    a=analytics_series(lag=300, minutes=minutes, ingested=0),
                    c=clicks_series(buffered=0, sent=0, dropped=0, minutes=minutes),
                    s={sel(m.ANALYTICS_STREAM_OLDEST_AGE, **analytics): flat(0, minutes)},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "edge answers 503 (no redirect pod behind Traefik)",
                broken(e=edge_series(ok=2000, errors=200, fast=2000, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectEdgeAvailabilityBurn": burn("redirect-edge-availability", "redirect")},
        ),
        (
            Scenario(
                "edge slow",
                broken(e=edge_series(ok=2000, errors=0, fast=1500, minutes=minutes)),
                minutes,
            ),
            {"HopRedirectEdgeLatencyBurn": burn("redirect-edge-latency", "redirect")},
        ),
        (
            Scenario(
                "stats API answers 5xx",
                broken(s=stats_series(ok=400, errors=100, minutes=minutes)),
                minutes,
            ),
            {"HopStatsAvailabilityBurn": burn("stats-availability", "analytics")},
        ),
        (
            Scenario(
                "console answers 5xx",
                broken(c=console_series(ok=400, errors=100, minutes=minutes)),
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
                        sel(series, **job): f"5x{minutes - 10} stale"
                        for series in (m.REDIRECT_CLICKS_BUFFERED, m.REDIRECT_CLICKS_SENT)
                    },
                    e=edge_series(ok=0, errors=0, fast=0, minutes=minutes),
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
                    n={sel(m.UP, **job, instance="10.0.0.9:9000"): f"_x{minutes - 1} 1"},
                ),
                minutes,
            ),
            {},
        ),
        (
            Scenario(
                "analytics unscraped",
                broken(
                    a={sel(m.UP, **analytics, instance="10.0.0.3:9000"): flat(0, minutes)},
                    lag={sel(m.ANALYTICS_INGESTION_LAG, **analytics): "2x10 stale"},
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
                broken(c=clicks_series(buffered=5, sent=100, dropped=3, minutes=minutes)),
                minutes,
            ),
            {"HopClicksDropped": [{**ns, **job, "reason": "buffer_full", "severity": "critical"}]},
        ),
        (
            Scenario(
                "click delivery stalled",
                broken(c=clicks_series(buffered=40, sent=0, dropped=0, minutes=minutes)),
                minutes,
            ),
            {"HopClickDeliveryStalled": [{**ns, **job, "severity": "warning"}]},
        ),
        (
            Scenario(
                "events rejected over http",
                broken(
                    r={
                        sel(m.ANALYTICS_REJECTED, **analytics, transport="http"): per_minute(
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
                        sel(m.ANALYTICS_REJECTED, **analytics, transport="redis"): per_minute(
                            1, minutes
                        ),
                        sel(m.ANALYTICS_DEAD_LETTERED, **analytics, reason="refused"): per_minute(
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
                broken(
                    s=spool_series(minutes, events=flat(600, minutes), bytes_=flat(1000, minutes))
                ),
                minutes,
            ),
            {"HopClickSpoolFilling": [spool_filling]},
        ),
        (
            Scenario(
                "spool over half full by bytes",
                broken(
                    s=spool_series(minutes, events=flat(50, minutes), bytes_=flat(700_000, minutes))
                ),
                minutes,
            ),
            {"HopClickSpoolFilling": [spool_filling]},
        ),
        (
            Scenario(
                "spool 45% full, then over half for the last minute only: quiet (pending)",
                broken(
                    s=spool_series(
                        minutes,
                        events=f"450+0x{minutes - 2} 600 600",
                        bytes_=flat(450_000, minutes),
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
                        sel(
                            m.ANALYTICS_CONSUMER_STATE,
                            **analytics,
                            pod="hop-analytics-0",
                            state="backoff",
                        ): flat(1, minutes),
                        sel(
                            m.ANALYTICS_CONSUMER_STATE,
                            **analytics,
                            pod="hop-analytics-0",
                            state="running",
                        ): flat(0, minutes),
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
            Scenario("crash-looping", broken(k=cluster_series(minutes, crash_looping=1)), minutes),
            {"HopPodCrashLooping": [{**ns, **POD, "severity": "warning"}]},
        ),
        (
            Scenario("pod pending", broken(k=cluster_series(minutes, pending=1)), minutes),
            {"HopPodPending": [{**ns, "pod": POD["pod"], "severity": "warning"}]},
        ),
        (
            Scenario(
                "autoscaler at its maximum", broken(k=cluster_series(minutes, replicas=10)), minutes
            ),
            {"HopHpaAtMax": [{**ns, **HPA, "severity": "warning"}]},
        ),
        (
            Scenario(
                "CPU throttled half the time",
                broken(k=cluster_series(minutes, throttled=50)),
                minutes,
            ),
            {"HopCpuThrottled": [{**ns, **POD, "severity": "warning"}]},
        ),
        (
            Scenario("spool volume 90% full", broken(k=cluster_series(minutes, free=1e9)), minutes),
            {"HopSpoolVolumeFilling": [{**ns, **CLAIM, "severity": "warning"}]},
        ),
        (
            Scenario(
                "a scaled-away ordinal's claim holds clicks",
                broken(o=retained_claim_series("hop-redirect-2", events=500, minutes=minutes)),
                minutes,
            ),
            {
                "HopSpoolClaimOrphaned": [
                    {**ns, "persistentvolumeclaim": "spool-hop-redirect-2", "severity": "warning"}
                ]
            },
        ),
        (
            Scenario(
                "pod restarting",
                broken(
                    p={
                        sel(
                            m.CONTAINER_RESTARTS, pod="hop-redirect-0", container="redirect"
                        ): per_minute(0.2, minutes)
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
