"""Alerts on the cluster's view of hop's workloads (kube-state-metrics, cAdvisor, kubelet).

What kube-prometheus users expect for their own workloads, scoped to hop's containers so
they name hop's pods: crash loops, Pending pods, an HPA pinned at its maximum, CPU
throttling, the spool's volume filling up, and a spool claim left holding clicks with no pod
to deliver them (a scaled-down StatefulSet ordinal). All are warnings: the SLO alerts and
`HopRedirectDown` page for what users feel.
"""

from __future__ import annotations

from typing import Any, Final

from hop_observability import metrics as m
from hop_observability.promql import rate, select, sum_by
from hop_observability.rules.alerts import alert

__all__ = ["ORPHAN_LOOKBACK", "THROTTLED_SHARE", "VOLUME_FREE_SHARE", "cluster_alerts"]

_SERVICES: Final = "|".join(m.SERVICES)
_CONTAINERS: Final = (f'container=~"{_SERVICES}"',)
_PODS: Final = (f'pod=~".+-({_SERVICES})-.+"',)
_HPAS: Final = (f'horizontalpodautoscaler=~"(.+-)?({_SERVICES})"',)
#: The spool's claim: redirect's PersistentVolumeClaims (a StatefulSet's are named after it).
_SPOOL_CLAIMS: Final = ('persistentvolumeclaim=~".*redirect.*"',)
_CONTAINER: Final = ("namespace", "pod", "container")
#: The share of CPU periods throttled above which `HopCpuThrottled` fires.
THROTTLED_SHARE: Final = 0.25
#: The free share of the spool's volume below which `HopSpoolVolumeFilling` fires.
VOLUME_FREE_SHARE: Final = 0.2
#: How far back `HopSpoolClaimOrphaned` looks for what a gone pod's spool last held.
ORPHAN_LOOKBACK: Final = "7d"


def cluster_alerts() -> list[dict[str, Any]]:
    """Return the alerts on hop's pods, HPAs and volumes as the cluster sees them."""
    return [
        _crash_looping(),
        _pending(),
        _hpa_at_max(),
        _throttled(),
        _volume_filling(),
        _spool_orphaned(),
    ]


def _crash_looping() -> dict[str, Any]:
    waiting = select(m.CONTAINER_WAITING, (*_CONTAINERS, 'reason="CrashLoopBackOff"'))
    return alert(
        "HopPodCrashLooping",
        f"max by (namespace, pod, container) ({waiting}) == 1",
        wait="5m",
        severity="warning",
        summary="A hop container is crash-looping.",
        description="{{ $labels.container }} in {{ $labels.pod }} ({{ $labels.namespace }})"
        " has been waiting in CrashLoopBackOff for 5 minutes.",
    )


def _pending() -> dict[str, Any]:
    pending = select(m.POD_PHASE, (*_PODS, 'phase="Pending"'))
    return alert(
        "HopPodPending",
        f"sum by (namespace, pod) ({pending}) > 0",
        wait="10m",
        severity="warning",
        summary="A hop pod cannot be scheduled or started.",
        description="{{ $labels.pod }} in {{ $labels.namespace }} has been Pending for 10"
        " minutes: no node fits its requests, its volume cannot bind, or its image cannot"
        " be pulled.",
    )


def _hpa_at_max() -> dict[str, Any]:
    current = select(m.HPA_CURRENT_REPLICAS, _HPAS)
    ceiling = select(m.HPA_MAX_REPLICAS, _HPAS)
    return alert(
        "HopHpaAtMax",
        f"{current}\n>=\n{ceiling}",
        wait="15m",
        severity="warning",
        summary="A hop autoscaler is at its maximum.",
        description="{{ $labels.horizontalpodautoscaler }} in {{ $labels.namespace }} has run"
        " its maximum replicas for 15 minutes: it cannot add capacity if load grows.",
    )


def _throttled() -> dict[str, Any]:
    throttled = sum_by(_CONTAINER, rate(m.CPU_THROTTLED_PERIODS, _CONTAINERS, "5m"))
    periods = sum_by(_CONTAINER, rate(m.CPU_PERIODS, _CONTAINERS, "5m"))
    return alert(
        "HopCpuThrottled",
        f"{throttled}\n/\n{periods}\n> {THROTTLED_SHARE:g}",
        wait="15m",
        severity="warning",
        summary="A hop container is CPU-throttled.",
        description="{{ $labels.container }} in {{ $labels.pod }} ({{ $labels.namespace }})"
        f" was throttled in over {THROTTLED_SHARE:.0%} of its CPU periods for 15 minutes:"
        " its CPU limit adds latency.",
    )


def _volume_filling() -> dict[str, Any]:
    available = select(m.VOLUME_AVAILABLE, _SPOOL_CLAIMS)
    capacity = select(m.VOLUME_CAPACITY, _SPOOL_CLAIMS)
    return alert(
        "HopSpoolVolumeFilling",
        f"{available}\n/\n{capacity}\n< {VOLUME_FREE_SHARE:g}",
        wait="5m",
        severity="warning",
        summary="The volume of redirect's click spool is filling up.",
        description="{{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has"
        f" under {VOLUME_FREE_SHARE:.0%} of its space free: the spool soon drops clicks.",
    )


def _spool_orphaned() -> dict[str, Any]:
    """A spool claim no pod mounts, whose pod last reported clicks in it.

    A StatefulSet scaled down keeps the removed ordinals' claims (``whenScaled: Retain``):
    what their spools hold waits, undelivered, until the ordinal comes back. Pod ``<n>``'s
    claim is ``spool-<n>`` (``<n>`` the pod's name), so the pod's last spool gauge, looked up
    to ORPHAN_LOOKBACK back, is joined to the claims kube-state-metrics lists and no pod's
    spec names. Rollouts and rescheduling remount a claim within minutes: the wait covers them.
    """
    last = f"last_over_time({select(m.REDIRECT_SPOOL_EVENTS, ())}[{ORPHAN_LOOKBACK}])"
    held = (
        f"sum by (namespace, persistentvolumeclaim) (label_replace({last},"
        ' "persistentvolumeclaim", "spool-$1", "pod", "(.+)"))'
    )
    claims = select(m.PVC_INFO, _SPOOL_CLAIMS)
    mounted = select(m.POD_CLAIMS, _SPOOL_CLAIMS)
    unmounted = f"{claims}\nunless on (namespace, persistentvolumeclaim)\n{mounted}"
    return alert(
        "HopSpoolClaimOrphaned",
        f"{held} > 0\nand on (namespace, persistentvolumeclaim)\n({unmounted})",
        wait="15m",
        severity="warning",
        summary="A redirect spool claim holds clicks that no pod delivers.",
        description="{{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is mounted"
        " by no pod (its StatefulSet ordinal was scaled away) and its pod's spool last held"
        " clicks: they are delivered only when that ordinal runs again.",
    )
