"""hop's SLOs and the multi-window multi-burn-rate policy that alerts on them.

Each SLO states its error ratio over a window as one PromQL expression aggregated by
``namespace``; the recording rules store it as ``slo:sli_error:ratio_rate<window>``
for every window the alerts and dashboards read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hop_observability import slis
from hop_observability.promql import select
from hop_observability.slis import (
    ERROR_RATIO_INSTANT,
    FRESHNESS_LIMIT_SECONDS,
    LATENCY_LIMIT_SECONDS,
)

__all__ = [
    "BURN_POLICIES",
    "ERRORS_RATE",
    "ERROR_RATIO",
    "ERROR_RATIO_INSTANT",
    "FRESHNESS_LIMIT_SECONDS",
    "LATENCY_LIMIT_SECONDS",
    "PERIOD",
    "REQUESTS_RATE",
    "SLOS",
    "WINDOWS",
    "BurnPolicy",
    "BurnWindow",
    "Slo",
    "error_ratio_series",
]

#: Every window an error ratio is recorded for.
WINDOWS: Final = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
#: The recorded error ratio's name without its window.
ERROR_RATIO: Final = "slo:sli_error:ratio_rate"
#: A request SLI's request rate and error rate over `WINDOWS[0]`: budgets sum them over time.
REQUESTS_RATE: Final = "slo:requests:rate5m"
ERRORS_RATE: Final = "slo:sli_errors:rate5m"
#: The SLO period the burn rates are computed for.
PERIOD: Final = "30d"
#: Why an edge SLO has no data outside a cluster.
_EDGE_ONLY: Final = "Traefik's metrics exist only where the cluster's edge is scraped."


@dataclass(frozen=True, slots=True)
class Slo:
    """One objective: its name (the ``slo`` label), service, target and error ratio."""

    name: str
    service: str
    title: str
    objective: float
    description: str
    alert: str
    error_ratio: Callable[[str], str]
    #: A 0/1 "bad right now" expression recorded each evaluation, for gauge-based SLIs.
    instant: str | None = None
    #: Why this SLO has no data outside a cluster (None: it has).
    cluster_only: str | None = None
    #: The request rate over a window, for request SLIs: budgets weigh each moment by it.
    requests: Callable[[str], str] | None = None

    @property
    def budget(self) -> float:
        """Return the allowed error ratio (1 - objective), rounded to what it means."""
        return round(1 - self.objective, 10)


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """Alert when both windows burn the budget ``factor`` times faster than sustainable."""

    long: str
    short: str
    factor: float


@dataclass(frozen=True, slots=True)
class BurnPolicy:
    """A severity and the window pairs that raise it."""

    severity: str
    windows: tuple[BurnWindow, BurnWindow]
    wait: str
    meaning: str


BURN_POLICIES: Final = (
    BurnPolicy(
        "critical",
        (BurnWindow("1h", "5m", 14.4), BurnWindow("6h", "30m", 6)),
        "2m",
        "pages: 2% of the 30-day budget gone in 1 h, or 5% in 6 h",
    ),
    BurnPolicy(
        "warning",
        (BurnWindow("1d", "2h", 3), BurnWindow("3d", "6h", 1)),
        "15m",
        "a ticket: 10% of the 30-day budget gone in 1 d, or 10% in 3 d",
    ),
)


SLOS: Final = (
    Slo(
        "redirect-edge-availability",
        "redirect",
        "Redirect availability at the edge",
        0.999,
        "Redirects answered without a 5xx as clients see them (Traefik's answers included,"
        " such as a 503 when no redirect pod is ready).",
        "HopRedirectEdgeAvailabilityBurn",
        slis.edge_errors,
        cluster_only=_EDGE_ONLY,
        requests=slis.edge_requests,
    ),
    Slo(
        "redirect-edge-latency",
        "redirect",
        "Redirect latency at the edge",
        0.99,
        f"Redirects answered within {slis.EDGE_LATENCY_LIMIT_SECONDS * 1000:g} ms at the edge.",
        "HopRedirectEdgeLatencyBurn",
        slis.edge_slow_requests,
        cluster_only=_EDGE_ONLY,
        requests=slis.edge_requests,
    ),
    Slo(
        "redirect-availability",
        "redirect",
        "Redirect availability",
        0.999,
        "Redirects answered without a 5xx at the server.",
        "HopRedirectAvailabilityBurn",
        slis.server_errors("redirect"),
        requests=slis.requests("redirect"),
    ),
    Slo(
        "redirect-latency",
        "redirect",
        "Redirect latency",
        0.99,
        f"Redirects answered within {LATENCY_LIMIT_SECONDS * 1000:g} ms at the server.",
        "HopRedirectLatencyBurn",
        slis.slow_requests("redirect"),
        requests=slis.requests("redirect"),
    ),
    Slo(
        "links-availability",
        "links",
        "Links API availability",
        0.995,
        "Public links API requests answered without a 5xx (internal resolves excluded).",
        "HopLinksAvailabilityBurn",
        slis.server_errors("links", 'http_route!~"/internal/.*"'),
        requests=slis.requests("links", 'http_route!~"/internal/.*"'),
    ),
    Slo(
        "stats-availability",
        "analytics",
        "Stats API availability",
        0.995,
        "Stats API requests (/api/v1/stats...) answered without a 5xx (click intake excluded).",
        "HopStatsAvailabilityBurn",
        slis.server_errors("analytics", 'http_route=~"/api/v1/stats.*"'),
        requests=slis.requests("analytics", 'http_route=~"/api/v1/stats.*"'),
    ),
    Slo(
        "console-availability",
        "console",
        "Console availability",
        0.99,
        "Console pages and forms (/console...) answered without a 5xx.",
        "HopConsoleAvailabilityBurn",
        slis.server_errors("console", 'http_route=~"/console.*"'),
        requests=slis.requests("console", 'http_route=~"/console.*"'),
    ),
    Slo(
        "click-freshness",
        "analytics",
        "Click freshness",
        0.99,
        f"Evaluations at which no click waited over {FRESHNESS_LIMIT_SECONDS} s uncounted"
        " (redirect's buffer and spool, the stream) and analytics was scraped.",
        "HopClickFreshnessBurn",
        slis.stale_share,
        instant=slis.stale_now(),
    ),
)


def error_ratio_series(slo: Slo, window: str, *matchers: str) -> str:
    """Return the recorded error ratio of ``slo`` over ``window``."""
    return select(f"{ERROR_RATIO}{window}", (f'slo="{slo.name}"', *matchers))
