"""Panels and alerts that read 0 on a healthy stack move when their event happens, on the
real services with the cluster's redis transport: a malformed stream entry is dead-lettered
(`hop / analytics`, HopClicksDeadLettered), a key guesser is rate-limited (`hop / links`),
and an entry a dead consumer holds shows on the stream backlog until it is reclaimed.

The main real-data test runs the local stack's http transport, where no stream consumer
runs, and its traffic stays under the rate limits: there these panels can only show 0.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hop_dashboard_queries import alert_states, panel, query, substitute, variables
from hop_e2e_prometheus import Prometheus, running_prometheus
from hop_e2e_stack import RunningStack, running_stack

from hop_contracts import dead_letter_stream
from hop_instrumentation.testing import eventually
from hop_observability import generate
from hop_observability.metrics import ANALYTICS_DEAD_LETTERED, RATE_LIMITED

pytestmark = [pytest.mark.process, pytest.mark.redis, pytest.mark.timeout(300)]

REDIS_URL = "redis://127.0.0.1:6379/0"
RULE_FILE = generate.FILES / generate.RULES
#: Wrong keys an address may present per window before it gets 429 instead of 401.
GUESSES = 2
#: How long an entry a consumer holds stays pending before analytics reclaims it.
CLAIM_IDLE_MS = 5000


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
    }
    with running_stack(
        root / "stack", click_transport="redis", click_stream=stream, settings=settings
    ) as hop:
        targets = {
            s: f"127.0.0.1:{hop.stack.ports.of(s).management}" for s in ("links", "analytics")
        }
        with running_prometheus(root / "prometheus", targets, rule_files=[RULE_FILE]) as prom:
            # Scraped at 0 first: rates and alerts see the events as increases from there.
            ready = (
                f"count({ANALYTICS_DEAD_LETTERED}) + count(count by (job) ({RATE_LIMITED})) == 4"
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


def _panel_until(
    prom: Prometheus, board: dict[str, Any], title: str, label: str, moved: str
) -> dict[str, float]:
    """Query a panel of ``board`` until its ``label=moved`` series is above 0."""
    expr = substitute(panel(board, title)["targets"][0]["expr"], variables(prom, board))

    def by_label() -> dict[str, float]:
        return {s["metric"][label]: float(s["value"][1]) for s in query(prom, expr)}

    return eventually(by_label, lambda found: found.get(moved, 0) > 0, timeout=60.0)
