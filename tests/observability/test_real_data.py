"""Every dashboard panel and recording rule has data on the real services, an analytics
outage makes its alerts go pending (and the lost clicks' alert fire), and redirect gone
makes the page for it go pending.

The local stack (tests/e2e) runs the four services; a real Prometheus scrapes them every
second and evaluates the generated rule file every second. Traffic covers humans, bots,
unknown codes, refused keys, a taken code, malformed click events and the console's pages.
Counters that stay 0 while hop is healthy (dead letters, rate-limited requests, spooled or
dropped clicks) are exported from 0, so their panels show 0 rather than no data. Panels
reading cluster-only metrics (cAdvisor, kube-state-metrics, the redis stream consumer) are
the only ones skipped, and the test names them.

No ``for:`` override is needed: an alert is pending from the first evaluation its expression
holds, and the shipped ``for:`` (2 minutes) only delays firing. redirect's spool is made
small (10 clicks) so the outage fills it within seconds.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from hop_dashboard_queries import alert_states, has_values, query, substitute, variables
from hop_e2e_flow import Clicks, click, create_link, eventually
from hop_e2e_prometheus import Prometheus, running_prometheus
from hop_e2e_stack import RunningStack, running_stack
from hop_local.stack import SERVICES

from hop_contracts import CLICKS_PATH
from hop_observability import generate
from hop_observability.dashboards import BOARDS
from hop_observability.metrics import REQUEST_DURATION
from hop_observability.promql import rate
from hop_observability.slos import ERROR_RATIO, SLOS, WINDOWS

pytestmark = [pytest.mark.process, pytest.mark.timeout(300)]

RULE_FILE = generate.FILES / generate.RULES
CLUSTER_ONLY = {
    ("hop / Overview", "CPU per pod"),
    ("hop / Overview", "Memory per pod"),
    ("hop / Overview", "Restarts (1h)"),
    ("hop / analytics", "Stream consumer state"),
    *(
        (board, f"{slo.title}: {panel}")
        for slo in SLOS
        if slo.cluster_only
        for board, panel in (
            ("hop / Overview", "budget left"),
            ("hop / SLOs", "budget left"),
            ("hop / SLOs", "burn rate"),
            ("hop / SLOs", "budget burndown"),
        )
    ),
}
#: SLOs measured at the cluster's edge (Traefik): no local process exports their metrics.
LOCAL_SLOS = [slo for slo in SLOS if not slo.cluster_only]
#: A spool of 10 clicks: the outage fills it within seconds (its default holds 10 minutes).
SPOOL_EVENTS = 10


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, Prometheus]]:
    """The stack, scraped by a Prometheus evaluating hop's rules, after a burst of traffic."""
    root = tmp_path_factory.mktemp("observed")
    small_spool = {"HOP_CLICK_SPOOL_MAX_EVENTS": str(SPOOL_EVENTS)}
    with running_stack(root / "stack", settings=small_spool) as hop:
        targets = {s: f"127.0.0.1:{hop.stack.ports.of(s).management}" for s in SERVICES}
        with running_prometheus(root / "prometheus", targets, rule_files=[RULE_FILE]) as prom:
            link = create_link(hop)
            for _ in range(15):
                _traffic(hop, link["code"])
            _wait_for_rates(hop, prom, link["code"])
            yield hop, prom


def test_every_dashboard_panel_has_data_but_cluster_only_ones(
    observed: tuple[RunningStack, Prometheus], dashboards: dict[str, dict[str, Any]]
) -> None:
    hop, prom = observed
    _traffic(hop, create_link(hop)["code"])
    skipped, empty = set(), []
    for title, board in dashboards.items():
        values = variables(prom, board)
        marked = {p.title for b in BOARDS if b.title == title for p in b.panels if p.cluster_only}
        for panel in (p for p in board["panels"] if p["type"] != "row"):
            if panel["title"] in marked:
                skipped.add((title, panel["title"]))
                continue
            for target in panel["targets"]:
                expr = substitute(target["expr"], values)
                if not has_values(query(prom, expr)):
                    empty.append(f"{title}: {panel['title']}: {expr}")
    assert empty == []
    assert skipped == CLUSTER_ONLY


def test_every_recording_rule_has_data(observed: tuple[RunningStack, Prometheus]) -> None:
    _, prom = observed
    groups = yaml.safe_load(RULE_FILE.read_text())["groups"]
    local = {slo.name for slo in LOCAL_SLOS}
    records = [
        r for g in groups for r in g["rules"] if "record" in r and r["labels"]["slo"] in local
    ]
    empty = [
        f"{r['record']}{{slo={r['labels']['slo']}}}"
        for r in records
        if not has_values(query(prom, f'{r["record"]}{{slo="{r["labels"]["slo"]}"}}'))
    ]
    assert empty == []
    weighted = [slo for slo in LOCAL_SLOS if slo.requests is not None]
    # + click freshness' instant state, + the request and error rates of request SLIs
    assert len(records) == len(LOCAL_SLOS) * len(WINDOWS) + 1 + 2 * len(weighted)


def test_analytics_outage_alerts_target_down_freshness_spool_and_drops(
    observed: tuple[RunningStack, Prometheus],
) -> None:
    hop, prom = observed
    hop.processes["analytics"].send_signal(signal.SIGTERM)
    assert hop.processes["analytics"].wait(timeout=30) == 0
    code = create_link(hop)["code"]

    def states() -> dict[str, str]:
        click(hop, code, Clicks(humans=1, bots=0))  # redirect still answers 302
        return alert_states(prom)

    # Undelivered clicks go to the spool; past its 10 events they are dropped (spool_full).
    expected = {
        "HopTargetDown/analytics": "pending",
        "HopClickFreshnessBurn/critical": "pending",
        "HopClickSpoolFilling/redirect": "pending",
        "HopClicksDropped/redirect": "firing",  # no for: a lost click is news at once
    }
    found = eventually(states, lambda s: set(expected) <= set(s), timeout=90.0)
    assert {name: found[name] for name in expected} == expected


def test_every_redirect_process_gone_pages_redirect_down(
    observed: tuple[RunningStack, Prometheus],
) -> None:
    hop, prom = observed
    hop.processes["redirect"].send_signal(signal.SIGTERM)
    assert hop.processes["redirect"].wait(timeout=30) == 0
    # No namespace locally: the alert carries only its severity. Its for: (3m) rides a
    # rollout; pending is the proof that the expression sees the outage.
    found = eventually(
        lambda: alert_states(prom), lambda s: "HopRedirectDown/critical" in s, timeout=60.0
    )
    assert found["HopRedirectDown/critical"] == "pending"


def _traffic(hop: RunningStack, code: str) -> None:
    """One round of everything the dashboards show, errors included."""
    click(hop, code, Clicks(humans=2, bots=1))
    with hop.client() as client:
        assert client.get(f"/unknown{uuid.uuid4().hex[:6]}").status_code == 404
        assert client.get(f"/api/v1/stats/{code}", headers=hop.auth).status_code == 200
        taken = client.post("/api/v1/links", json={"url": "https://example.com/t", "code": code},
                            headers=hop.auth)  # fmt: skip
        assert taken.status_code == 409
        refused = client.get("/api/v1/links", headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401
        assert client.get("/console/sign-in").status_code == 200
    malformed = httpx.post(
        f"{hop.stack.internal_url('analytics')}{CLICKS_PATH}", json={"events": [{"id": 1}]}
    )
    assert malformed.status_code == 422


def _wait_for_rates(hop: RunningStack, prom: Prometheus, code: str) -> None:
    """Wait until every service has a non-zero request rate and the SLOs are recorded."""
    recorded = f"count({ERROR_RATIO}{WINDOWS[0]}) >= {len(LOCAL_SLOS)}"
    requests = rate(f"{REQUEST_DURATION}_count", (), "1m")
    serving = f"count(sum by (job) ({requests}) > 0) >= {len(SERVICES)}"
    ready = f"{recorded} and {serving}"

    def round_then_query() -> dict[str, float]:
        _traffic(hop, code)
        return prom.query(ready)

    eventually(round_then_query, bool, timeout=60.0)
