"""Panels and alerts that read 0 on a healthy stack move when their event happens, on the
real services with the cluster's redis transport: a malformed stream entry is dead-lettered
(`hop / analytics`, HopClicksDeadLettered), a key guesser is rate-limited (`hop / links`),
an entry a dead consumer holds shows on the stream backlog until it is reclaimed, a scan
of unknown codes is answered 429 and spends no availability budget, and ingestion stalled
with analytics up (its database locked) makes the freshness page go pending.

The main real-data test runs the local stack's http transport, where no stream consumer
runs, and its traffic stays under the rate limits: there these panels can only show 0.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from hop_dashboard_queries import alert_states, panel, query, substitute, variables
from hop_e2e_flow import Clicks, click, create_link
from hop_e2e_prometheus import Prometheus, running_prometheus
from hop_e2e_stack import RunningStack, running_stack

from hop_contracts import dead_letter_stream
from hop_instrumentation.testing import eventually
from hop_observability import generate
from hop_observability.metrics import ANALYTICS_DEAD_LETTERED, RATE_LIMITED, REQUEST_DURATION, UP
from hop_observability.promql import rate, select
from hop_observability.slis import ERROR_RATIO_INSTANT, FRESHNESS_LIMIT_SECONDS
from hop_observability.slos import SLOS, error_ratio_series

pytestmark = [pytest.mark.process, pytest.mark.redis, pytest.mark.timeout(300)]

REDIS_URL = "redis://127.0.0.1:6379/0"
RULE_FILE = generate.FILES / generate.RULES
#: Wrong keys an address may present per window before it gets 429 instead of 401.
GUESSES = 2
#: How long an entry a consumer holds stays pending before analytics reclaims it.
CLAIM_IDLE_MS = 5000
#: Unknown-code lookups redirect makes at once before it throttles them (and per second after).
LOOKUP_BURST = 5
#: Unknown codes the scan asks for: far past the burst.
SCAN = 40
#: Clicks wait the SLO's limit before they count as stale; then rules and alerts follow.
FRESHNESS_WAIT = FRESHNESS_LIMIT_SECONDS + 60.0


@pytest.fixture(scope="module")
def stream() -> Iterator[str]:
    """A stream key of this module only, deleted (with its dead-letter stream) afterwards."""
    key = f"hop:observability:{uuid.uuid4().hex}:clicks"
    yield key
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(key, dead_letter_stream(key))
    finally:
        client.close()


@pytest.fixture(scope="module")
def observed(
    tmp_path_factory: pytest.TempPathFactory, stream: str
) -> Iterator[tuple[RunningStack, Prometheus]]:
    """The stack on the redis transport, links and analytics scraped with their counters at 0."""
    root = tmp_path_factory.mktemp("observed-redis")
    settings = {
        "HOP_REDIS_URL": REDIS_URL,
        "HOP_RATE_LIMIT_AUTH_FAILURES": str(GUESSES),
        "HOP_CLAIM_IDLE_MS": str(CLAIM_IDLE_MS),
        "HOP_CACHE_UNKNOWN_LOOKUP_BURST": str(LOOKUP_BURST),
        "HOP_CACHE_UNKNOWN_LOOKUP_RATE": "1",
    }
    with running_stack(
        root / "stack", click_transport="redis", click_stream=stream, settings=settings
    ) as hop:
        targets = {
            s: f"127.0.0.1:{hop.stack.ports.of(s).management}"
            for s in ("redirect", "links", "analytics")
        }
        with running_prometheus(root / "prometheus", targets, rule_files=[RULE_FILE]) as prom:
            # Scraped at 0 first: rates and alerts see the events as increases from there.
            ready = (
                f"count({ANALYTICS_DEAD_LETTERED}) + count(count by (job) ({RATE_LIMITED}))"
                f" == {2 + len(targets)}"
            )
            eventually(lambda: prom.query(ready), bool, timeout=30.0)
            yield hop, prom


def test_malformed_stream_entry_on_the_dead_letter_panel_and_alerted(
    observed: tuple[RunningStack, Prometheus], stream: str, dashboards: dict[str, dict[str, Any]]
) -> None:
    _, prom = observed
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.xadd(stream, {"event": b"{not a click"})
    finally:
        client.close()
    analytics = dashboards["hop / analytics"]
    shown = _panel_until(prom, analytics, "Dead-lettered by reason", "reason", "invalid")
    assert shown["refused"] == 0
    states = eventually(
        lambda: alert_states(prom), lambda s: "HopClicksDeadLettered/analytics" in s
    )
    assert states == {"HopClicksDeadLettered/analytics": "firing"}


def test_key_guesser_on_the_rate_limited_panel(
    observed: tuple[RunningStack, Prometheus], dashboards: dict[str, dict[str, Any]]
) -> None:
    hop, prom = observed
    wrong = {"Authorization": "Bearer guessed"}
    with hop.client() as client:
        answers = [client.get("/api/v1/links", headers=wrong) for _ in range(GUESSES + 1)]
    # 401 until loopback's budget is spent (other processes of the stack share the address
    # and may have spent some of it), then 429.
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 429}
    assert statuses[-1] == 429
    links = dashboards["hop / links"]
    shown = _panel_until(prom, links, "Rate-limited requests", "reason", "auth_failures")
    assert shown["address"] == shown["key"] == 0


def test_entry_a_dead_consumer_holds_is_pending_on_the_backlog_until_reclaimed(
    observed: tuple[RunningStack, Prometheus], stream: str, dashboards: dict[str, dict[str, Any]]
) -> None:
    _, prom = observed
    client = redis.Redis.from_url(REDIS_URL)
    try:
        group = client.xinfo_groups(stream)[0]["name"]
        # One transaction: the blocked analytics consumer is served only after it, so the
        # "dead" consumer reads the entry first and never acknowledges it.
        with client.pipeline(transaction=True) as pipe:
            pipe.xadd(stream, {"event": b"{held by a consumer that died"})
            pipe.xreadgroup(group, "dead", {stream: ">"}, count=1)
            held = pipe.execute()[1]
    finally:
        client.close()
    assert len(held[0][1]) == 1
    backlog = panel(dashboards["hop / analytics"], "Stream backlog")
    pending = substitute(
        backlog["targets"][1]["expr"], variables(prom, dashboards["hop / analytics"])
    )

    def shown() -> float:
        return sum(float(s["value"][1]) for s in query(prom, pending))

    eventually(shown, lambda value: value == 1, timeout=CLAIM_IDLE_MS / 1000)
    eventually(shown, lambda value: value == 0, timeout=60.0)  # reclaimed, dead-lettered


def test_scan_of_unknown_codes_is_answered_429_and_spends_no_availability_budget(
    observed: tuple[RunningStack, Prometheus],
) -> None:
    hop, prom = observed
    redirect = f"http://127.0.0.1:{hop.stack.ports.of('redirect').http}"
    throttled = ('job="redirect"', 'http_response_status_code="429"')
    exported = select(f"{REQUEST_DURATION}_count", throttled)
    rising = f"sum({rate(f'{REQUEST_DURATION}_count', throttled, '1m')}) > 0"
    scan: list[httpx.Response] = []
    with httpx.Client(base_url=redirect) as client:
        # A first round creates the 404 and 429 series; once scraped, the rest is a rate.
        for count, scraped in ((LOOKUP_BURST + 2, exported), (SCAN, rising)):
            scan += [client.get(f"/scan{uuid.uuid4().hex[:12]}") for _ in range(count)]
            eventually(lambda query=scraped: prom.query(query), bool, timeout=30.0)
    assert {answer.status_code for answer in scan} == {404, 429}
    assert {a.headers["retry-after"] for a in scan if a.status_code == 429} == {"1"}
    (availability,) = [slo for slo in SLOS if slo.name == "redirect-availability"]
    ratio = eventually(lambda: prom.query(error_ratio_series(availability, "5m")), bool)
    assert ratio == {"": 0.0}
    assert not {s for s in alert_states(prom) if "Availability" in s}


def test_stalled_ingestion_with_analytics_up_makes_freshness_pending(
    observed: tuple[RunningStack, Prometheus], stream: str
) -> None:
    """Last in this module: the freshness alert stays active after it."""
    hop, prom = observed
    code = create_link(hop)["code"]
    click(hop, code, Clicks(humans=1, bots=0))
    fresh = select(ERROR_RATIO_INSTANT, ('slo="click-freshness"',))
    assert eventually(lambda: prom.query(fresh), bool) == {"": 0.0}
    database = sqlite3.connect(hop.stack.data_dir / "analytics.db", isolation_level=None)
    try:
        database.execute("BEGIN EXCLUSIVE")  # analytics stays up; no batch can commit

        def states() -> dict[str, str]:
            click(hop, code, Clicks(humans=1, bots=0))
            return alert_states(prom)

        # Stale once clicks have waited uncounted for the SLO's 2 minutes.
        found = eventually(
            states, lambda s: "HopClickFreshnessBurn/critical" in s, timeout=FRESHNESS_WAIT
        )
        assert prom.query(select(UP, ('job="analytics"',))) == {"analytics": 1.0}
    finally:
        database.close()
    assert found["HopClickFreshnessBurn/critical"] == "pending"


def _panel_until(
    prom: Prometheus, board: dict[str, Any], title: str, label: str, moved: str
) -> dict[str, float]:
    """Query a panel of ``board`` until its ``label=moved`` series is above 0."""
    expr = substitute(panel(board, title)["targets"][0]["expr"], variables(prom, board))

    def by_label() -> dict[str, float]:
        return {s["metric"][label]: float(s["value"][1]) for s in query(prom, expr)}

    return eventually(by_label, lambda found: found.get(moved, 0) > 0, timeout=60.0)
