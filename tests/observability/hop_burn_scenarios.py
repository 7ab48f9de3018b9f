"""promtool scenarios that pin the burn-rate policy of every request SLO.

The policy is written here again on purpose, as numbers, so a change to it in the code
fails a test: a page when 2% of the 30-day budget burns in 1 hour (14.4x over 1h and 5m)
or 5% in 6 hours (6x over 6h and 30m), held 2 minutes; a ticket at 3x (1d and 2h) or 1x
(3d and 6h), held 15 minutes. Both windows of a pair must burn (``and``): a short blip
burns only the short window, a recovered incident only the long one.

Each scenario is a history of segments (minutes at a burn rate, 100 requests a minute)
applied to every request SLO at once; the expectation names the severities firing at
its end, the same for every SLO.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hop_rule_series import EDGE_SERVICE, NS

from hop_observability import metrics as m
from hop_observability.slos import SLOS, Slo

__all__ = [
    "REQUEST_SLOS",
    "BurnScenario",
    "burn_scenarios",
    "namespace_of",
    "series_of",
    "slow_burn_scenarios",
]

#: Requests a minute in every scenario.
RATE = 100
DURATION = m.REQUEST_DURATION
#: Every SLO but click freshness (a share of time, not of requests).
REQUEST_SLOS = tuple(slo for slo in SLOS if slo.instant is None)

#: (minutes, burn rate): the error ratio is ``burn * budget`` for that many minutes;
#: a burn rate of None means no requests at all.
Segment = tuple[int, float | None]
#: A request SLO's series from its good and bad requests per minute, segment by segment.
Series = Callable[[list[float], list[float]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class BurnScenario:
    """A history and the severities of the SLO alerts firing at its end."""

    name: str
    segments: tuple[Segment, ...]
    firing: tuple[str, ...]

    @property
    def minutes(self) -> int:
        """Return how long the history lasts."""
        return sum(length for length, _ in self.segments)


def _counter(per_minute: list[float]) -> str:
    """Return a promtool series of a counter growing by ``per_minute[i]`` in minute ``i``."""
    values, total = ["0"], 0.0
    for step in per_minute:
        total += step
        values.append(f"{total:g}")
    return " ".join(values)


def _label(metric: str, **labels: str) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in {"namespace": NS, **labels}.items())
    return f"{metric}{{{inner}}}"


def _server(job: str, route: str, good_status: str) -> Series:
    def series(good: list[float], bad: list[float]) -> dict[str, str]:
        scope = {"job": job, "http_route": route}
        return {
            _label(f"{DURATION}_count", **scope, http_response_status_code=good_status): _counter(
                good
            ),
            _label(f"{DURATION}_count", **scope, http_response_status_code="500"): _counter(bad),
        }

    return series


def _latency(le: str, metric: str, **scope: str) -> Series:
    def series(good: list[float], bad: list[float]) -> dict[str, str]:
        total = [g + b for g, b in zip(good, bad, strict=True)]
        return {
            _label(f"{metric}_bucket", **scope, le=le): _counter(good),
            _label(f"{metric}_count", **scope): _counter(total),
        }

    return series


def _edge(good: list[float], bad: list[float]) -> dict[str, str]:
    edge = {"namespace": "traefik", "job": "traefik", "service": EDGE_SERVICE}
    return {
        _label(m.TRAEFIK_REQUESTS, **edge, code="302"): _counter(good),
        _label(m.TRAEFIK_REQUESTS, **edge, code="503"): _counter(bad),
    }


#: redirect's two server SLOs read one histogram: each lives in a namespace of its own.
LATENCY_NS = f"{NS}-latency"

SERIES: dict[str, Series] = {
    "redirect-edge-availability": _edge,
    "redirect-edge-latency": _latency(
        "0.1", m.TRAEFIK_DURATION, job="traefik", service=EDGE_SERVICE, namespace="traefik"
    ),
    "redirect-availability": _server("hop-redirect", "/{code}", "302"),
    "redirect-latency": _latency(
        "0.05", DURATION, job="hop-redirect", http_route="/{code}", namespace=LATENCY_NS
    ),
    "links-availability": _server("hop-links", "/api/v1/links", "201"),
    "stats-availability": _server("hop-analytics", "/api/v1/stats/{code}", "200"),
    "console-availability": _server("hop-console", "/console/links", "200"),
}


def namespace_of(slo: Slo) -> str:
    """Return the namespace ``slo``'s series and alerts carry in these scenarios."""
    return LATENCY_NS if slo.name == "redirect-latency" else NS


def series_of(slo: Slo, segments: tuple[Segment, ...]) -> dict[str, str]:
    """Return the input series of ``slo`` living through ``segments``."""
    good: list[float] = []
    bad: list[float] = []
    for length, burn in segments:
        total = 0 if burn is None else RATE
        errors = min(total, total * (burn or 0) * slo.budget)
        good += [total - errors] * length
        bad += [errors] * length
    return SERIES[slo.name](good, bad)


#: Six healthy hours first: the 6h window is then diluted, so only the pair under test burns.
CALM = (360, 0.0)


def burn_scenarios() -> list[BurnScenario]:
    """Return the short scenarios (minutes to hours), evaluated every minute."""
    return [
        BurnScenario("total outage pages within 13 minutes", (CALM, (13, 1e6)), ("critical",)),
        BurnScenario(
            "15x for 65 minutes pages (1h and 5m over 14.4x); the 3d/6h ticket too",
            (CALM, (65, 15.0)),
            ("critical", "warning"),
        ),
        BurnScenario(
            "13.5x for 65 minutes, under 14.4x: a ticket, no page",
            (CALM, (65, 13.5)),
            ("warning",),
        ),
        BurnScenario(
            "6.6x for 7 hours pages (6h and 30m over 6x)", ((420, 6.6),), ("critical", "warning")
        ),
        BurnScenario("5.4x for 7 hours, under 6x: a ticket, no page", ((420, 5.4),), ("warning",)),
        BurnScenario(
            "a 2-minute blip (5m window only) 8 minutes ago does not page",
            (CALM, (2, 0.0), (2, 100.0), (8, 0.0)),
            (),
        ),
        BurnScenario(
            "recovered 10 minutes ago (1h window only) does not page; the ticket stays",
            (CALM, (50, 20.0), (10, 0.0)),
            ("warning",),
        ),
        BurnScenario("no traffic at all", ((120, None),), ()),
        BurnScenario("traffic stops for 2 hours", (CALM, (120, None)), ()),
    ]


#: A little more than the 3d window.
LONG = 3 * 24 * 60 + 120


def slow_burn_scenarios() -> list[BurnScenario]:
    """Return the 3-day scenarios, evaluated every 5 minutes."""
    return [
        BurnScenario("1.2x for 3 days tickets and never pages", ((LONG, 1.2),), ("warning",)),
        BurnScenario("0.8x for 3 days: within budget, quiet", ((LONG, 0.8),), ()),
    ]
