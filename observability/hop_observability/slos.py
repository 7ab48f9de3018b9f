"""hop's SLOs and the multi-window multi-burn-rate policy that alerts on them.

Each SLO states its error ratio over a window as one PromQL expression aggregated by
``namespace``; the recording rules store it as ``slo:sli_error:ratio_rate<window>``
for every window the alerts and dashboards read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hop_observability import metrics as m
from hop_observability.promql import job_matcher, rate, ratio_or_zero, select, sum_by

__all__ = [
    "BURN_POLICIES",
    "ERROR_RATIO",
    "ERROR_RATIO_INSTANT",
    "FRESHNESS_LIMIT_SECONDS",
    "LATENCY_LIMIT_SECONDS",
    "PERIOD",
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
#: A gauge-based SLI's 0/1 state at each evaluation, averaged into the windows.
ERROR_RATIO_INSTANT: Final = "slo:sli_error:instant"
#: Redirect latency SLO: a 0.05 s bucket boundary exists in the request histogram.
LATENCY_LIMIT_SECONDS: Final = 0.05
#: Click freshness SLO: a click is fresh when ingested within this many seconds.
FRESHNESS_LIMIT_SECONDS: Final = 60
#: The SLO period the burn rates are computed for.
PERIOD: Final = "30d"

BY: Final = ("namespace",)


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


def _requests(service: str, *matchers: str) -> tuple[str, ...]:
    return (job_matcher(service), *matchers)


def _server_errors(service: str, *matchers: str) -> Callable[[str], str]:
    def ratio(window: str) -> str:
        scope = _requests(service, *matchers)
        errors = (*scope, 'http_response_status_code=~"5.."')
        bad = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", errors, window))
        total = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", scope, window))
        return ratio_or_zero(bad, total)

    return ratio


def _slow_requests(service: str) -> Callable[[str], str]:
    def ratio(window: str) -> str:
        scope = _requests(service)
        fast_scope = (*scope, f'le="{LATENCY_LIMIT_SECONDS:g}"')
        fast = sum_by(BY, rate(f"{m.REQUEST_DURATION}_bucket", fast_scope, window))
        total = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", scope, window))
        return f"1 - {fast} / {total}"

    return ratio


def _stale_now() -> str:
    # A moment is stale when the newest batch was ingested late, or when analytics is not
    # scraped at all (its lag gauge vanishes with it, and nothing is ingested then).
    scope = (job_matcher("analytics"),)
    lag = select(m.ANALYTICS_INGESTION_LAG, scope)
    late = f"max by (namespace) ({lag}) > bool {FRESHNESS_LIMIT_SECONDS}"
    down = f"max by (namespace) ({select(m.UP, scope)}) == bool 0"
    return f"{late}\nor\n{down}"


def _stale_share(window: str) -> str:
    instant = select(f"{ERROR_RATIO_INSTANT}", ('slo="click-freshness"',))
    return f"avg_over_time({instant}[{window}])"


SLOS: Final = (
    Slo(
        "redirect-availability",
        "redirect",
        "Redirect availability",
        0.999,
        "Redirects answered without a 5xx at the server.",
        "HopRedirectAvailabilityBurn",
        _server_errors("redirect"),
    ),
    Slo(
        "redirect-latency",
        "redirect",
        "Redirect latency",
        0.99,
        f"Redirects answered within {LATENCY_LIMIT_SECONDS * 1000:g} ms at the server.",
        "HopRedirectLatencyBurn",
        _slow_requests("redirect"),
    ),
    Slo(
        "links-availability",
        "links",
        "Links API availability",
        0.995,
        "Public links API requests answered without a 5xx (internal resolves excluded).",
        "HopLinksAvailabilityBurn",
        _server_errors("links", 'http_route!~"/internal/.*"'),
    ),
    Slo(
        "click-freshness",
        "analytics",
        "Click freshness",
        0.99,
        f"Minutes in which clicks were ingested within {FRESHNESS_LIMIT_SECONDS} s.",
        "HopClickFreshnessBurn",
        _stale_share,
        instant=_stale_now(),
    ),
)


def error_ratio_series(slo: Slo, window: str, *matchers: str) -> str:
    """Return the recorded error ratio of ``slo`` over ``window``."""
    return select(f"{ERROR_RATIO}{window}", (f'slo="{slo.name}"', *matchers))
