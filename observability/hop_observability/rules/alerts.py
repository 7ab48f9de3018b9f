"""Alerts on single signals: lost or spooled clicks, stalled delivery or consumption, refused
events, targets, pods.

Every alert carries ``summary``, ``description`` and a ``runbook_url`` to its section of
docs/runbooks.md (the umbrella chart swaps `RUNBOOKS_URL` for where you host the docs).
"""

from __future__ import annotations

from typing import Any, Final

from hop_observability import metrics as m
from hop_observability.promql import increase, job_matcher, select, share, sum_by

__all__ = ["RUNBOOKS_URL", "alert", "direct_alerts"]

RUNBOOKS_URL: Final = "https://hop.example.com/docs/runbooks.md"

_HOP_JOBS: Final = job_matcher("(" + "|".join(m.SERVICES) + ")")
_JOB: Final = ("namespace", "job")
_POD: Final = ("namespace", "pod", "container")
_HOP_CONTAINERS: Final = 'container=~"' + "|".join(m.SERVICES) + '"'
#: The spool share above which `HopClickSpoolFilling` fires (half: minutes left at full load).
SPOOL_FILLING: Final = 0.5
#: The drop reasons of a spool whose disk fails it (full, read-only, I/O errors, lost files).
SPOOL_DISK_REASONS: Final = ("spool_write_failed", "spool_abandoned")
#: How long redirect may have no target up (or no available pod) before it pages: longer
#: than a rollout of a single replica takes to replace its pod.
REDIRECT_DOWN_FOR: Final = "3m"


def alert(
    name: str,
    expr: str,
    *,
    wait: str | None,
    severity: str,
    summary: str,
    description: str,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return one alerting rule with its runbook link."""
    rule: dict[str, Any] = {"alert": name, "expr": expr}
    if wait is not None:
        rule["for"] = wait
    return {
        **rule,
        "labels": {"severity": severity, **(labels or {})},
        "annotations": {
            "summary": summary,
            "description": description,
            "runbook_url": f"{RUNBOOKS_URL}#{name.lower()}",
        },
    }


def direct_alerts() -> list[dict[str, Any]]:
    """Return the alerts that need no SLO: each names what broke and where."""
    redirect = (job_matcher("redirect"),)
    analytics = (job_matcher("analytics"),)
    stalled = (*analytics, 'state!="running"')
    return [
        alert(
            "HopClicksDropped",
            sum_by(
                ("namespace", "job", "reason"), increase(m.REDIRECT_CLICKS_DROPPED, redirect, "10m")
            )
            + " > 0",
            wait=None,
            severity="critical",
            summary="redirect dropped click events.",
            description="{{ $labels.job }} in {{ $labels.namespace }} lost click events"
            " ({{ $labels.reason }}) in the last 10 minutes: those clicks are gone for good.",
        ),
        alert(
            "HopClickSpoolDiskFailing",
            sum_by(
                ("namespace", "job", "reason"),
                increase(
                    m.REDIRECT_CLICKS_DROPPED,
                    (*redirect, f'reason=~"{"|".join(SPOOL_DISK_REASONS)}"'),
                    "10m",
                ),
            )
            + " > 0",
            wait=None,
            severity="warning",
            summary="redirect's click spool disk refuses writes or lost events.",
            description="{{ $labels.job }} in {{ $labels.namespace }} dropped clicks because"
            " its spool's disk failed ({{ $labels.reason }}) in the last 10 minutes: the volume"
            " is full, read-only or failing, whatever its budget says.",
        ),
        alert(
            "HopClickDeliveryStalled",
            f"{sum_by(_JOB, select(m.REDIRECT_CLICKS_BUFFERED, redirect))} > 0\nand\n"
            f"{sum_by(_JOB, increase(m.REDIRECT_CLICKS_SENT, redirect, '10m'))} == 0",
            wait="5m",
            severity="warning",
            summary="redirect buffers clicks but delivers none.",
            description="{{ $labels.job }} in {{ $labels.namespace }} holds click events and"
            " delivered none in 10 minutes: analytics (or the stream) is unreachable.",
        ),
        alert(
            "HopClickSpoolFilling",
            "\nor\n".join(
                f"max by (namespace, job, pod) ({share(used, capacity, redirect)})"
                f" > {SPOOL_FILLING:g}"
                for used, capacity in (
                    (m.REDIRECT_SPOOL_EVENTS, m.REDIRECT_SPOOL_CAPACITY_EVENTS),
                    (m.REDIRECT_SPOOL_BYTES, m.REDIRECT_SPOOL_CAPACITY_BYTES),
                )
            ),
            wait="2m",
            severity="warning",
            summary="redirect's click spool is filling up.",
            description="The click spool of {{ $labels.pod }} ({{ $labels.job }} in"
            f" {{{{ $labels.namespace }}}}) is over {SPOOL_FILLING:.0%} full (events or bytes):"
            " delivery to analytics falls behind, and a full spool drops clicks.",
        ),
        alert(
            "HopClicksRejected",
            sum_by(_JOB, increase(m.ANALYTICS_REJECTED, (*analytics, 'transport="http"'), "15m"))
            + " > 0",
            wait=None,
            severity="warning",
            summary="analytics answered click batches with 422.",
            description="{{ $labels.job }} in {{ $labels.namespace }} refused malformed click"
            " events sent over HTTP in the last 15 minutes: those clicks are not counted.",
        ),
        alert(
            "HopClicksDeadLettered",
            sum_by((*_JOB, "reason"), increase(m.ANALYTICS_DEAD_LETTERED, analytics, "15m"))
            + " > 0",
            wait=None,
            severity="warning",
            summary="analytics moved click events to the dead-letter stream.",
            description="{{ $labels.job }} in {{ $labels.namespace }} dead-lettered stream"
            " entries ({{ $labels.reason }}) in the last 15 minutes: those clicks are not"
            " counted until they are replayed.",
        ),
        alert(
            "HopClickConsumerStalled",
            f"max by (namespace, job, pod) ({select(m.ANALYTICS_CONSUMER_STATE, stalled)}) == 1",
            wait="10m",
            severity="warning",
            summary="the analytics stream consumer is not running.",
            description="The stream consumer of {{ $labels.pod }} in {{ $labels.namespace }}"
            " has not been running for 10 minutes: clicks wait in the stream.",
        ),
        alert(
            "HopTargetDown",
            f"{select(m.UP, (_HOP_JOBS,))} == 0",
            wait="2m",
            severity="warning",
            summary="Prometheus cannot scrape a hop service.",
            description="{{ $labels.instance }} of {{ $labels.job }} in"
            " {{ $labels.namespace }} has not answered scrapes for 2 minutes.",
        ),
        _redirect_down(),
        alert(
            "HopPodRestarting",
            f"{sum_by(_POD, increase(m.CONTAINER_RESTARTS, (_HOP_CONTAINERS,), '30m'))} > 2",
            wait=None,
            severity="warning",
            summary="A hop container keeps restarting.",
            description="{{ $labels.container }} in {{ $labels.pod }}"
            " ({{ $labels.namespace }}) restarted more than twice in 30 minutes.",
        ),
    ]


def _redirect_down() -> dict[str, Any]:
    # No series at all is the outage the SLOs cannot see: every redirect SLI is a ratio of
    # series the pods export (or Traefik's, which a vanished Service may stop reporting).
    targets = select(m.UP, (job_matcher("redirect"),))
    # redirect is a Deployment, or a StatefulSet where its spool is persistent (production).
    available = (
        select(m.DEPLOYMENT_AVAILABLE, ('deployment=~"(.+-)?redirect"',))
        + " or "
        + select(m.STATEFULSET_AVAILABLE, ('statefulset=~"(.+-)?redirect"',))
    )
    return alert(
        "HopRedirectDown",
        f"sum by (namespace) ({targets}) == 0\nor\n"
        f"sum by (namespace) ({available}) == 0\nor\n"
        # No target anywhere: once, without a namespace, unless the line above names it.
        f"absent({targets}) unless on () sum by (namespace) ({available}) == 0",
        wait=REDIRECT_DOWN_FOR,
        severity="critical",
        summary="No redirect pod is up: short links do not answer.",
        description="redirect in {{ $labels.namespace }} has had no scrape target up, no"
        f" available replica, or no target at all for {REDIRECT_DOWN_FOR}: every short link"
        " fails (scaled to zero, pods Pending, crash-looping or evicted).",
    )
