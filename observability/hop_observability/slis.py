"""The service level indicators: each SLO's error ratio over a window, as PromQL.

Request SLIs count bad requests among all requests, at the server (the services' own
histogram) or at the edge (Traefik's, which also sees requests no pod answered). The
freshness SLI is the share of evaluations at which the oldest click not yet counted was
older than `FRESHNESS_LIMIT_SECONDS`.
Every ratio is aggregated by ``namespace``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from hop_observability import metrics as m
from hop_observability.promql import job_matcher, rate, ratio_or_zero, select, sum_by

__all__ = [
    "EDGE_LATENCY_LIMIT_SECONDS",
    "EDGE_SERVICE",
    "ERROR_RATIO_INSTANT",
    "FRESHNESS_LIMIT_SECONDS",
    "LATENCY_LIMIT_SECONDS",
    "WAITING_AGES",
    "edge_errors",
    "edge_requests",
    "edge_slow_requests",
    "oldest_waiting",
    "requests",
    "server_errors",
    "slow_requests",
    "stale_now",
    "stale_share",
]

Ratio = Callable[[str], str]

#: Redirect latency SLO at the server: a 0.05 s bucket boundary exists in the request histogram.
LATENCY_LIMIT_SECONDS: Final = 0.05
#: Redirect latency SLO at the edge: 0.1 s is one of Traefik's default histogram buckets.
EDGE_LATENCY_LIMIT_SECONDS: Final = 0.1
#: Click freshness SLO: the oldest click not yet counted may be this old (a batch in flight
#: and a retry or two take seconds; a stall reaches it within four scrapes at 30 s).
FRESHNESS_LIMIT_SECONDS: Final = 120
#: A gauge-based SLI's 0/1 state at each evaluation, averaged into the windows.
ERROR_RATIO_INSTANT: Final = "slo:sli_error:instant"
#: Traefik's name of redirect's Service behind the Ingress: ``<namespace>-<release>-redirect``
#: and the port name (``http``), ``@kubernetes`` for the Ingress provider.
EDGE_SERVICE: Final = 'service=~".+-redirect-http@kubernetes"'
#: The Ingress' namespace, read back from Traefik's service name (release names hold no '-').
_EDGE_NAMESPACE: Final = '"namespace", "$1", "service", "(.+)-[^-]+-redirect-http@kubernetes"'
BY: Final = ("namespace",)


def server_errors(service: str, *matchers: str) -> Ratio:
    """Return the share of a service's requests answered with a 5xx, over a window."""

    def ratio(window: str) -> str:
        scope = (job_matcher(service), *matchers)
        errors = (*scope, 'http_response_status_code=~"5.."')
        bad = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", errors, window))
        total = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", scope, window))
        return ratio_or_zero(bad, total)

    return ratio


def requests(service: str, *matchers: str) -> Ratio:
    """Return a service's request rate over a window: what a request SLI's ratio divides by."""

    def rate_of(window: str) -> str:
        scope = (job_matcher(service), *matchers)
        return sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", scope, window))

    return rate_of


def slow_requests(service: str) -> Ratio:
    """Return the share of a service's requests slower than `LATENCY_LIMIT_SECONDS`."""

    def ratio(window: str) -> str:
        scope = (job_matcher(service),)
        fast_scope = (*scope, f'le="{LATENCY_LIMIT_SECONDS:g}"')
        fast = sum_by(BY, rate(f"{m.REQUEST_DURATION}_bucket", fast_scope, window))
        total = sum_by(BY, rate(f"{m.REQUEST_DURATION}_count", scope, window))
        return f"1 - {fast} / ({total} > 0)"

    return ratio


def _at_edge(metric: str, matchers: tuple[str, ...], window: str) -> str:
    relabelled = (
        f"label_replace({rate(metric, (EDGE_SERVICE, *matchers), window)}, {_EDGE_NAMESPACE})"
    )
    return sum_by(BY, relabelled)


def edge_requests(window: str) -> str:
    """Return the rate of requests Traefik routed to redirect over a window."""
    return _at_edge(m.TRAEFIK_REQUESTS, (), window)


def edge_errors(window: str) -> str:
    """Return the share of redirect's requests Traefik answered with a 5xx (its own included)."""
    bad = _at_edge(m.TRAEFIK_REQUESTS, ('code=~"5.."',), window)
    return ratio_or_zero(bad, _at_edge(m.TRAEFIK_REQUESTS, (), window))


def edge_slow_requests(window: str) -> str:
    """Return the share of redirect's requests slower than the edge limit, as Traefik saw them."""
    fast = _at_edge(
        f"{m.TRAEFIK_DURATION}_bucket", (f'le="{EDGE_LATENCY_LIMIT_SECONDS:g}"',), window
    )
    return f"1 - {fast} / ({_at_edge(f'{m.TRAEFIK_DURATION}_count', (), window)} > 0)"


#: Where clicks wait to be counted, each gauge the age of the oldest click waiting there.
WAITING_AGES: Final = (
    (m.REDIRECT_CLICKS_OLDEST_AGE, "redirect"),
    (m.ANALYTICS_STREAM_OLDEST_AGE, "analytics"),
    (m.ANALYTICS_INTAKE_OLDEST_AGE, "analytics"),
)


def oldest_waiting() -> str:
    """Return the age of the oldest click not yet counted, by namespace (0: none waits)."""
    ages = [
        f"max by (namespace) ({select(gauge, (job_matcher(service),))})"
        for gauge, service in WAITING_AGES
    ]
    return (
        "max by (namespace) (\n  "
        + "\n  or\n  ".join(
            f'label_replace({age}, "where", "{gauge}", "", "")'
            for age, (gauge, _service) in zip(ages, WAITING_AGES, strict=True)
        )
        + "\n)"
    )


def stale_now() -> str:
    """Return 1 while a click has waited uncounted `FRESHNESS_LIMIT_SECONDS`, or analytics is
    unscraped; else 0.

    Clicks wait in redirect's buffer and spool, in the stream (undelivered or pending) and
    in analytics' intake (a batch being stored); each exports the age of its oldest click,
    which grows with time while it waits, so a stall shows whether or not anything commits,
    and so does ingestion that commits but falls behind. Nothing waiting is age 0: a quiet
    spell is fresh, and so is a late batch once it committed.
    """
    analytics = (job_matcher("analytics"),)
    stale = f"{oldest_waiting()} >= {FRESHNESS_LIMIT_SECONDS}"
    down = f"max by (namespace) ({select(m.UP, analytics)}) == bool 0"
    return f"(\n{stale}\n) * 0 + 1\nor\n{down}"


def stale_share(window: str) -> str:
    """Return the share of evaluations over ``window`` at which clicks were stale."""
    instant = select(ERROR_RATIO_INSTANT, ('slo="click-freshness"',))
    return f"avg_over_time({instant}[{window}])"
