"""A malformed entry on the Redis click stream shows on `hop / analytics` and fires
HopClicksDeadLettered, on the real services with the cluster's redis transport.

The main real-data test runs the local stack's http transport, where no stream consumer
runs and the dead-letter panel can only show its 0; this one proves it moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from hop_dashboard_queries import alert_states, panel, query, substitute, variables
from hop_e2e_prometheus import running_prometheus
from hop_e2e_stack import running_stack

from hop_contracts import dead_letter_stream
from hop_instrumentation.testing import eventually
from hop_observability import generate
from hop_observability.metrics import ANALYTICS_DEAD_LETTERED

pytestmark = [pytest.mark.process, pytest.mark.redis, pytest.mark.timeout(300)]

REDIS_URL = "redis://127.0.0.1:6379/0"
RULE_FILE = generate.FILES / generate.RULES


@pytest.fixture
def stream() -> Iterator[str]:
    """A stream key of this test only, deleted (with its dead-letter stream) afterwards."""
    key = f"hop:observability:{uuid.uuid4().hex}:clicks"
    yield key
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(key, dead_letter_stream(key))
    finally:
        client.close()


def test_malformed_stream_entry_on_the_dead_letter_panel_and_alerted(
    tmp_path: Path, stream: str, dashboards: dict[str, dict[str, Any]]
) -> None:
    with running_stack(
        tmp_path / "stack",
        click_transport="redis",
        click_stream=stream,
        settings={"HOP_REDIS_URL": REDIS_URL},
    ) as hop:
        targets = {"analytics": f"127.0.0.1:{hop.stack.ports.of('analytics').management}"}
        with running_prometheus(tmp_path / "prometheus", targets, rule_files=[RULE_FILE]) as prom:
            # Scraped at 0 first: an alert sees the dead letter as an increase from there.
            eventually(lambda: prom.query(ANALYTICS_DEAD_LETTERED), bool, timeout=30.0)
            client = redis.Redis.from_url(REDIS_URL)
            try:
                client.xadd(stream, {"event": b"{not a click"})
            finally:
                client.close()
            board = dashboards["hop / analytics"]
            values = variables(prom, board)
            expr = substitute(panel(board, "Dead-lettered by reason")["targets"][0]["expr"], values)

            def by_reason() -> dict[str, float]:
                return {s["metric"]["reason"]: float(s["value"][1]) for s in query(prom, expr)}

            shown = eventually(by_reason, lambda found: found.get("invalid", 0) > 0, timeout=60.0)
            assert shown["refused"] == 0
            states = eventually(
                lambda: alert_states(prom), lambda s: "HopClicksDeadLettered/analytics" in s
            )
            assert states == {"HopClicksDeadLettered/analytics": "firing"}
