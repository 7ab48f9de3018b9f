"""Panel specs and the shared builders every dashboard lays out.

A `Panel` states what an on-call engineer reads (title, description, unit, thresholds,
queries); `board` turns specs into Grafana dashboards. Adding a panel for a new metric is
one call, e.g.::

    counter_rate("Dead-lettered events", m.ANALYTICS_DEAD_LETTERED, by=("reason",),
                 unit="cps", description="...")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

from hop_observability import metrics as m
from hop_observability.promql import (
    DASHBOARD_SCOPE,
    quantile,
    rate,
    ratio_or_zero,
    select,
    sum_by,
)
from hop_observability.slos import (
    ERRORS_RATE,
    PERIOD,
    REQUESTS_RATE,
    WINDOWS,
    Slo,
    error_ratio_series,
)

__all__ = [
    "CLUSTER_ONLY",
    "Panel",
    "Query",
    "Threshold",
    "active_requests",
    "alerted",
    "budget_burndown",
    "budget_remaining",
    "burn_rates",
    "container_cpu",
    "container_memory",
    "container_restarts",
    "counter_rate",
    "database_latency",
    "error_ratio",
    "gauge",
    "latency",
    "loop_lag",
    "rate_limited",
    "request_rate",
    "saturation",
    "status_classes",
]

#: Why a cluster-only panel has no data on a build machine.
CLUSTER_ONLY: Final = "reads cAdvisor or kube-state-metrics, which only a cluster exports"

#: (value, color): the color from ``value`` up; the first step starts at -Infinity.
Threshold = tuple[float | None, str]
GOOD: Final[tuple[Threshold, ...]] = ((None, "green"),)


@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL target of a panel."""

    expr: str
    legend: str
    exemplar: bool = False


@dataclass(frozen=True, slots=True)
class Panel:
    """What a panel shows; ``cluster_only`` says why it has no data outside a cluster."""

    title: str
    description: str
    queries: tuple[Query, ...]
    unit: str
    thresholds: tuple[Threshold, ...] = GOOD
    kind: Literal["timeseries", "stat"] = "timeseries"
    width: int = 8
    min: float | None = 0
    max: float | None = None
    cluster_only: str | None = None
    stack: bool = False
    #: The alerts this panel shows the signal of: the panel links to their runbooks.
    runbooks: tuple[str, ...] = ()


def alerted(panel: Panel, *alerts: str) -> Panel:
    """Return ``panel`` linking to the runbooks of ``alerts``, which read its signal."""
    return replace(panel, runbooks=(*panel.runbooks, *alerts))


def request_rate(by: Sequence[str] = ("job",), scope: Sequence[str] = DASHBOARD_SCOPE) -> Panel:
    """Requests per second, by ``by``."""
    expr = sum_by(by, rate(f"{m.REQUEST_DURATION}_count", scope))
    return Panel(
        "Request rate",
        "Requests served per second, every route and status (management endpoints excluded).",
        (Query(expr, _legend(by)),),
        "reqps",
    )


def error_ratio(by: Sequence[str] = ("job",), scope: Sequence[str] = DASHBOARD_SCOPE) -> Panel:
    """Share of requests answered with a 5xx, 0 when there were none."""
    errors = (*scope, 'http_response_status_code=~"5.."')
    bad = sum_by(by, rate(f"{m.REQUEST_DURATION}_count", errors))
    total = sum_by(by, rate(f"{m.REQUEST_DURATION}_count", scope))
    return Panel(
        "Error ratio (5xx)",
        "Share of requests answered with a 5xx. 4xx are the clients' errors and not counted.",
        (Query(ratio_or_zero(bad, total), _legend(by)),),
        "percentunit",
        ((None, "green"), (0.001, "orange"), (0.01, "red")),
    )


def latency(
    title: str = "Latency p50 / p90 / p99",
    by: Sequence[str] = ("job",),
    scope: Sequence[str] = DASHBOARD_SCOPE,
    description: str = "",
) -> Panel:
    """p50, p90 and p99 of the request duration, with exemplars linking to traces."""
    # Exemplars belong to the series, not the quantile: drawn once (on p99), not thrice.
    queries = tuple(
        Query(
            quantile(q, m.REQUEST_DURATION, scope, by=by), f"p{q * 100:g} {_legend(by)}", q == 0.99
        )
        for q in (0.5, 0.9, 0.99)
    )
    return Panel(
        title,
        description
        or "Server-side request duration. Exemplar dots carry trace_id: click one to open the"
        " trace in the trace datasource.",
        queries,
        "s",
        ((None, "green"), (0.05, "orange"), (0.25, "red")),
    )


def active_requests(by: Sequence[str] = ("job",)) -> Panel:
    """Requests in flight: the saturation a replica feels first."""
    expr = sum_by(by, select(m.ACTIVE_REQUESTS, DASHBOARD_SCOPE))
    return Panel(
        "Active requests",
        "Requests in flight. Sustained growth at a flat request rate means requests got slower.",
        (Query(expr, _legend(by)),),
        "short",
        ((None, "green"), (50, "orange"), (200, "red")),
    )


def loop_lag(by: Sequence[str] = ("job",)) -> Panel:
    """p99 of how late the event loop ran a timer: the wait every request on it shares."""
    expr = quantile(0.99, m.EVENT_LOOP_LAG, DASHBOARD_SCOPE, by=by)
    return Panel(
        "Event-loop lag p99",
        "How late each process' event loop ran a timer (one sample every"
        " HOP_EVENT_LOOP_LAG_INTERVAL, 0.25 s by default): every request on that loop waited"
        " as long. Above a few ms, something blocks the loop"
        " (synchronous work, a long computation) or the process lacks CPU.",
        (Query(expr, f"p99 {_legend(by)}"),),
        "s",
        ((None, "green"), (0.025, "orange"), (0.1, "red")),
    )


def database_latency(by: Sequence[str] = ("db_operation_name",)) -> Panel:
    """p50 and p99 of the database statements' duration, as the service's driver saw it."""
    queries = tuple(
        Query(
            quantile(q, m.DB_OPERATION_DURATION, DASHBOARD_SCOPE, by=by),
            f"p{q * 100:g} {_legend(by)}",
        )
        for q in (0.5, 0.99)
    )
    return Panel(
        "Database latency p50 / p99",
        "Duration of each SQL statement from the driver's call to its answer, by operation"
        " (SELECT, INSERT, UPDATE, DELETE, WITH; _OTHER for the rest), failed ones included;"
        " waiting for a pooled connection is not in it. A lookup by key takes well under"
        " 10 ms: above it the database is slow or overloaded, and every request waits as long.",
        queries,
        "s",
        ((None, "green"), (0.01, "orange"), (0.1, "red")),
    )


def peer_latency(by: Sequence[str] = ("server_address",)) -> Panel:
    """p50 and p99 of the service's calls to its peers, by peer, as the service waited."""
    queries = tuple(
        Query(
            quantile(q, m.CLIENT_REQUEST_DURATION, DASHBOARD_SCOPE, by=by),
            f"p{q * 100:g} {_legend(by)}",
        )
        for q in (0.5, 0.99)
    )
    return Panel(
        "Calls to peers p50 / p99",
        "Duration of this service's HTTP requests to other hop services, by peer host, until"
        " the answer's head (http_client_request_duration_seconds), errors and requests"
        " without an answer included: a slow peer shows here before this service's own"
        " latency does.",
        queries,
        "s",
        ((None, "green"), (0.05, "orange"), (0.25, "red")),
    )


def saturation(by: Sequence[str] = ("pod",)) -> tuple[Panel, ...]:
    """What a service dashboard's saturation row shows: requests in flight and loop lag."""
    return (active_requests(by), loop_lag(by))


def rate_limited(by: Sequence[str] = ("reason",)) -> Panel:
    """Requests refused with 429, by the limit they hit."""
    return counter_rate(
        "Rate-limited requests",
        m.RATE_LIMITED,
        by=by,
        unit="reqps",
        description="Requests answered 429 on the rate-limited paths, by the limit they hit:"
        " address (per client address), key (per API key), auth_failures (an address kept"
        " presenting wrong keys). 0 when healthy; a burst names a noisy client or key guessing.",
        thresholds=((None, "green"), (0.1, "orange"), (5, "red")),
    )


def status_classes(scope: Sequence[str] = DASHBOARD_SCOPE) -> Panel:
    """Requests per second by status class (2xx, 3xx, 4xx, 5xx)."""
    codes = rate(f"{m.REQUEST_DURATION}_count", scope)
    classes = f'label_replace({codes}, "class", "${{1}}xx", "http_response_status_code", "(.).*")'
    return Panel(
        "Responses by status class",
        "Requests per second by status class: 3xx are redirects served, 4xx unknown codes and"
        " bad input, 5xx the server's failures.",
        (Query(sum_by(("class",), classes), "{{class}}"),),
        "reqps",
        stack=True,
    )


def counter_rate(
    title: str,
    metric: str,
    *,
    description: str,
    by: Sequence[str] = (),
    unit: str = "cps",
    thresholds: tuple[Threshold, ...] = GOOD,
    width: int = 8,
) -> Panel:
    """The per-second rate of one counter, summed by ``by``."""
    expr = sum_by(by, rate(metric, DASHBOARD_SCOPE))
    return Panel(title, description, (Query(expr, _legend(by)),), unit, thresholds, width=width)


def gauge(
    title: str,
    metric: str,
    *,
    description: str,
    unit: str,
    by: Sequence[str] = ("job",),
    aggregate: str = "sum",
    thresholds: tuple[Threshold, ...] = GOOD,
    cluster_only: str | None = None,
) -> Panel:
    """The current value of one gauge, aggregated by ``by``."""
    expr = f"{aggregate} by ({', '.join(by)}) ({select(metric, DASHBOARD_SCOPE)})"
    query = Query(expr, _legend(by))
    return Panel(title, description, (query,), unit, thresholds, cluster_only=cluster_only)


_POD_SCOPE: Final = ('namespace=~"$namespace"', 'pod=~"$pod"', 'container!=""')


def container_cpu() -> Panel:
    """CPU the service's containers use, per pod (cAdvisor)."""
    expr = sum_by(("pod",), rate(m.CONTAINER_CPU, _POD_SCOPE))
    return Panel(
        "CPU per pod",
        "CPU seconds per second each pod's containers use. One uvicorn process saturates at 1.",
        (Query(expr, "{{pod}}"),),
        "short",
        ((None, "green"), (0.7, "orange"), (0.9, "red")),
        cluster_only=CLUSTER_ONLY,
    )


def container_memory() -> Panel:
    """Working-set memory per container as a share of its limit (cAdvisor, kube-state-metrics)."""
    limits = (*_POD_SCOPE, 'resource="memory"')
    used = sum_by(("pod", "container"), select(m.CONTAINER_MEMORY, _POD_SCOPE))
    limit = sum_by(("pod", "container"), select(m.CONTAINER_LIMITS, limits))
    return Panel(
        "Memory per pod",
        "Working-set bytes of each container as a share of its own memory limit: what the"
        " kubelet compares with it, whatever the profile sets. At 100% the container is"
        " OOM-killed.",
        (Query(f"{used} / {limit}", "{{pod}} {{container}}"),),
        "percentunit",
        ((None, "green"), (0.75, "orange"), (0.9, "red")),
        cluster_only=CLUSTER_ONLY,
    )


def container_restarts() -> Panel:
    """Container restarts in the last hour per pod (kube-state-metrics)."""
    scope = ('namespace=~"$namespace"', 'pod=~"$pod"')
    expr = sum_by(("pod",), f"increase({select(m.CONTAINER_RESTARTS, scope)}[1h])")
    return Panel(
        "Restarts (1h)",
        "Container restarts per pod over the last hour: crashes, OOM kills, failed liveness.",
        (Query(expr, "{{pod}}"),),
        "short",
        ((None, "green"), (1, "orange"), (3, "red")),
        cluster_only=CLUSTER_ONLY,
    )


_SLO_SCOPE: Final = ('namespace=~"$namespace"',)


def _spent(slo: Slo) -> str:
    """The error ratio over the SLO period: errors over requests, or the share of bad time."""
    if slo.requests is None:
        return f"avg_over_time({error_ratio_series(slo, WINDOWS[0], *_SLO_SCOPE)}[{PERIOD}])"
    scope = (f'slo="{slo.name}"', *_SLO_SCOPE)
    errors, requests = (
        sum_by(("namespace",), f"sum_over_time({select(name, scope)}[{PERIOD}])")
        for name in (ERRORS_RATE, REQUESTS_RATE)
    )
    return f"{errors} / {requests}"


def budget_remaining(slo: Slo, *, width: int = 6) -> Panel:
    """The share of the SLO period's error budget still unspent."""
    spent = _spent(slo)
    return Panel(
        f"{slo.title}: budget left",
        f"{slo.description} Objective {slo.objective:.2%} over {PERIOD}; share of the"
        " error budget not yet spent (below 0: the SLO is missed), weighed by requests.",
        (Query(f"1 - {spent} / {slo.budget:g}", "{{namespace}}"),),
        "percentunit",
        ((None, "red"), (0, "orange"), (0.25, "green")),
        kind="stat",
        width=width,
        min=None,
        cluster_only=slo.cluster_only,
        runbooks=(slo.alert,),
    )


def budget_burndown(slo: Slo) -> Panel:
    """The budget left over time: how fast it went, and when."""
    spent = _spent(slo)
    return Panel(
        f"{slo.title}: budget burndown",
        f"Share of the {PERIOD} error budget left at each moment (of the {PERIOD} before it):"
        " a steep drop is an incident, a steady slope a slow burn; below 0 the SLO is missed.",
        (Query(f"1 - {spent} / {slo.budget:g}", "{{namespace}}"),),
        "percentunit",
        ((None, "red"), (0, "orange"), (0.25, "green")),
        width=10,
        min=None,
        cluster_only=slo.cluster_only,
        runbooks=(slo.alert,),
    )


def burn_rates(slo: Slo) -> Panel:
    """How fast each window spends the budget; 1 spends exactly all of it in the period."""
    queries = tuple(
        Query(f"{error_ratio_series(slo, w, *_SLO_SCOPE)} / {slo.budget:g}", w) for w in WINDOWS
    )
    return Panel(
        f"{slo.title}: burn rate",
        f"Error ratio over each window divided by the budget ({slo.budget:g}). The page fires"
        " at 14.4 (1h and 5m) or 6 (6h and 30m), the ticket at 3 (1d and 2h) or 1 (3d and 6h).",
        queries,
        "short",
        ((None, "green"), (1, "orange"), (14.4, "red")),
        width=10,
        cluster_only=slo.cluster_only,
        runbooks=(slo.alert,),
    )


def _legend(by: Sequence[str]) -> str:
    return " ".join(f"{{{{{label}}}}}" for label in by) or "total"
