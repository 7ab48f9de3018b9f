"""Small PromQL builders, so queries read like what they compute.

Selectors are tuples of label matchers; an empty tuple selects everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = [
    "DASHBOARD_SCOPE",
    "RATE_INTERVAL",
    "Matchers",
    "increase",
    "job_matcher",
    "quantile",
    "rate",
    "ratio_or_zero",
    "select",
    "share",
    "sum_by",
]

Matchers = tuple[str, ...]

#: Grafana's rate window: at least four scrape intervals of the selected range.
RATE_INTERVAL: Final = "$__rate_interval"

#: The matchers every dashboard query carries: its namespace, service and pod variables.
DASHBOARD_SCOPE: Final[Matchers] = (
    'namespace=~"$namespace"',
    'job=~"$service"',
    'pod=~"$pod"',
)


def job_matcher(service: str) -> str:
    """Match a service's scrape job, named ``<release>-<service>`` in a cluster or bare locally."""
    return f'job=~"(.+-)?{service}"'


def select(metric: str, matchers: Sequence[str] = ()) -> str:
    """Return ``metric{matchers}``."""
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


def rate(metric: str, matchers: Sequence[str] = (), window: str = RATE_INTERVAL) -> str:
    """Return the per-second rate of a counter over ``window``."""
    return f"rate({select(metric, matchers)}[{window}])"


def increase(metric: str, matchers: Sequence[str], window: str) -> str:
    """Return how much a counter grew over ``window``."""
    return f"increase({select(metric, matchers)}[{window}])"


def share(used: str, capacity: str, matchers: Sequence[str] = ()) -> str:
    """Return the share of a capacity gauge a usage gauge holds, series by series."""
    return f"{select(used, matchers)} / {select(capacity, matchers)}"


def sum_by(labels: Sequence[str], expr: str) -> str:
    """Sum ``expr`` keeping ``labels`` (none: one series)."""
    return f"sum by ({', '.join(labels)}) ({expr})" if labels else f"sum({expr})"


def ratio_or_zero(bad: str, total: str) -> str:
    """Return ``bad / total``, 0 rather than no data when nothing was bad.

    No data (rather than NaN) when there was no request at all: an idle window has no
    ratio, so an average over time skips it instead of turning NaN.
    Both sides must carry the same labels (sum them by the same ones).
    """
    return f"({bad} or {total} * 0) / ({total} > 0)"


def quantile(
    q: float,
    histogram: str,
    matchers: Sequence[str] = (),
    *,
    by: Sequence[str] = (),
    window: str = RATE_INTERVAL,
) -> str:
    """Return the ``q`` quantile of a histogram's buckets, kept apart by ``by``."""
    buckets = rate(f"{histogram}_bucket", matchers, window)
    return f"histogram_quantile({q:g}, {sum_by((*by, 'le'), buckets)})"
