"""A real Prometheus scrapes every service's management port and answers the dashboards' queries."""

from __future__ import annotations

import math
from collections.abc import Callable

import httpx
import pytest
from hop_e2e_flow import SETTLED_COUNTERS, Clicks, click, create_link
from hop_e2e_prometheus import Prometheus
from hop_e2e_stack import RunningStack

from hop_instrumentation.testing import eventually

# The first test may install Debian's prometheus (fresh CI machine) and start it.
pytestmark = [pytest.mark.process, pytest.mark.timeout(300)]

JOBS = {"links", "redirect", "analytics"}
WINDOW = "30s"
DURATION = "http_server_request_duration_seconds"


def _poll(
    hop: RunningStack,
    prometheus: Prometheus,
    promql: str,
    done: Callable[[dict[str, float]], bool],
) -> dict[str, float]:
    """Query ``promql`` until ``done`` accepts the answer, with fresh traffic before each query.

    Each round follows one link twice (a human and a bot, so clicks reach analytics) and
    reads its stats, so every service has fresh requests in the rate window.
    """
    link = create_link(hop)

    def traffic_then_query() -> dict[str, float]:
        click(hop, link["code"], Clicks(humans=1, bots=1))
        with hop.client() as client:
            client.get(f"/api/v1/stats/{link['code']}", headers=hop.auth)
        return prometheus.query(promql)

    return eventually(traffic_then_query, done, timeout=60.0)


def _every_job(check: Callable[[float], bool]) -> Callable[[dict[str, float]], bool]:
    return lambda found: set(found) >= JOBS and all(check(found[job]) for job in JOBS)


def _sent_so_far(hop: RunningStack) -> float:
    """Read redirect's own /metrics: the clicks it delivered so far."""
    text = httpx.get(f"{hop.stack.management_url('redirect')}/metrics", timeout=5.0).text
    line = next(x for x in text.splitlines() if x.startswith("hop_redirect_clicks_sent_total "))
    return float(line.split()[1])


def test_prometheus_request_rate_of_every_service_positive(
    hop: RunningStack, prometheus: Prometheus
) -> None:
    rate = f"sum by (job) (rate({DURATION}_count[{WINDOW}]))"
    rates = _poll(hop, prometheus, rate, _every_job(lambda value: value > 0))
    assert all(rates[job] > 0 for job in JOBS)


def test_prometheus_error_ratio_of_every_service_zero(
    hop: RunningStack, prometheus: Prometheus
) -> None:
    errors = f'sum by (job) (rate({DURATION}_count{{http_response_status_code=~"5.."}}[{WINDOW}]))'
    total = f"sum by (job) (rate({DURATION}_count[{WINDOW}]))"
    ratio = f"({errors} or {total} * 0) / {total}"
    ratios = _poll(hop, prometheus, ratio, _every_job(lambda value: value >= 0))
    assert {job: ratios[job] for job in JOBS} == dict.fromkeys(JOBS, 0.0)


def test_prometheus_latency_p99_of_every_service_finite(
    hop: RunningStack, prometheus: Prometheus
) -> None:
    quantile = f"histogram_quantile(0.99, sum by (job, le) (rate({DURATION}_bucket[{WINDOW}])))"
    p99 = _poll(hop, prometheus, quantile, _every_job(math.isfinite))
    assert all(0 < p99[job] < 10 for job in JOBS)


def test_prometheus_click_pipeline_sent_equals_settled(
    hop: RunningStack, prometheus: Prometheus
) -> None:
    before = _sent_so_far(hop)
    link = create_link(hop)
    click(hop, link["code"], Clicks(humans=3, bots=1))
    # Every click sent is settled: stored, or known already, or inside a disabled period (the
    # stack is shared: other tests' deleted links answered from redirect's cache land there).
    settled = "|".join(name.removeprefix("hop_analytics_events_") for name in SETTLED_COUNTERS)
    settled_query = f'sum({{__name__=~"hop_analytics_events_({settled})_total", transport="http"}})'

    def pipeline() -> tuple[float, float, float]:
        sent = prometheus.query("sum(hop_redirect_clicks_sent_total)")
        ingested = prometheus.query(settled_query)
        dropped = prometheus.query("sum(hop_redirect_clicks_dropped_total)")
        return sent.get("", -1), ingested.get("", -2), dropped.get("", -1)

    sent, ingested, dropped = eventually(
        pipeline, lambda v: v[0] >= before + 4 and v[0] == v[1] and v[2] == 0, timeout=60.0
    )
    assert (sent, dropped) == (ingested, 0)
