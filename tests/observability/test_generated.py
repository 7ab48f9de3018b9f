"""The committed dashboards and rules are what the code generates, complete, on real metrics."""

from __future__ import annotations

import importlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import yaml
from hop_local.services import ALL
from hop_local.stack import SERVICES as STACK_SERVICES
from prometheus_client import CollectorRegistry

from hop_instrumentation import create_app, get_instrumentation
from hop_instrumentation.database import DatabaseMetrics
from hop_instrumentation.metrics import DURATION_BUCKETS
from hop_instrumentation.settings import ServiceSettings
from hop_instrumentation.testing import make_test_settings
from hop_observability import generate
from hop_observability.dashboards import BOARDS
from hop_observability.metrics import ANALYTICS_CONSUMER_STATE as CONSUMER_STATE
from hop_observability.metrics import CLUSTER_METRICS, SERVICES
from hop_observability.rules import RUNBOOKS_URL
from hop_observability.slos import LATENCY_LIMIT_SECONDS, SLOS, WINDOWS

RULES = generate.FILES / generate.RULES
SERVICE_METRIC = re.compile(r"\b(?:hop|http_server|db_client)_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def test_generate_committed_files_equal_code_output() -> None:
    stale = {
        str(path): "differs"
        for path, text in generate.generated().items()
        if (generate.FILES / path).read_text() != text
    }
    assert stale == {}, "run `make dashboards`"
    assert generate.main(["--check"]) == 0


def test_dashboards_titles_are_the_issue_s() -> None:
    titles = [board.title for board in BOARDS]
    boards = [f"hop / {service.name}" for service in ALL if service.dashboard]
    assert titles == ["hop / Overview", *boards, "hop / SLOs"]  # the registry's order


def test_every_service_has_its_dashboard_and_loop_lag_on_it_and_the_overview() -> None:
    assert sorted(SERVICES) == sorted(STACK_SERVICES)
    own = {board.services: board for board in BOARDS if len(board.services) == 1}
    assert set(own) == {(service,) for service in SERVICES}
    overview = next(board for board in BOARDS if board.title == "hop / Overview")
    for board in (overview, *own.values()):
        assert "Event-loop lag p99" in {panel.title for panel in board.panels}, board.title
    assert overview.services == SERVICES


def test_dashboards_every_panel_has_unit_thresholds_description(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    incomplete = []
    for title, board in dashboards.items():
        for panel in _panels(board):
            defaults = panel["fieldConfig"]["defaults"]
            if not (panel.get("description") and defaults.get("unit") and defaults["thresholds"]):
                incomplete.append(f"{title}: {panel['title']}")
    assert incomplete == []


def test_dashboards_variables_datasource_namespace_service_pod(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    names = {t: [v["name"] for v in b["templating"]["list"]] for t, b in dashboards.items()}
    scoped = ["datasource", "namespace", "service", "pod"]
    assert names == {t: scoped if t != "hop / SLOs" else scoped[:2] for t in names}


def test_dashboards_latency_panels_draw_exemplars_once(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    latency = [
        panel
        for board in dashboards.values()
        for panel in _panels(board)
        if "p50 / p90 / p99" in panel["title"]
    ]
    assert latency
    for panel in latency:
        drawn = [target["legendFormat"] for target in panel["targets"] if target["exemplar"]]
        assert [legend.split()[0] for legend in drawn] == ["p99"], panel["title"]


def test_every_alert_is_linked_from_a_panel_and_links_reach_runbook_sections(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    headings = re.findall(r"^## (\w+)$", (generate.ROOT / "docs" / "runbooks.md").read_text(), re.M)
    anchors = {f"{RUNBOOKS_URL}#{heading.lower()}" for heading in headings}
    links = {
        link["url"]
        for board in dashboards.values()
        for panel in _panels(board)
        for link in panel.get("links", [])
    }
    rules = yaml.safe_load(RULES.read_text())["groups"]
    alerted = {r["annotations"]["runbook_url"] for g in rules for r in g["rules"] if "alert" in r}
    assert links <= anchors
    assert alerted <= links


def test_latency_slo_limit_is_a_bucket_boundary() -> None:
    assert LATENCY_LIMIT_SECONDS in DURATION_BUCKETS


def test_every_service_metric_used_is_exported(dashboards: dict[str, dict[str, Any]]) -> None:
    exprs = [t["expr"] for b in dashboards.values() for p in _panels(b) for t in p["targets"]]
    exprs += [v["definition"] for b in dashboards.values() for v in b["templating"]["list"]
              if "definition" in v]  # fmt: skip
    rules = yaml.safe_load(RULES.read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in exprs for name in SERVICE_METRIC.findall(expr)}
    assert used - _exported() == set()
    assert len(used) > 20


def _exported() -> set[str]:
    """Every sample name the services export: what every app gets, and each one's own."""
    app = create_app(make_test_settings(ServiceSettings, service_name="any"))
    registry = get_instrumentation(app).metrics.registry
    own = CollectorRegistry()
    for service in ALL:  # each service's <Name>Metrics, by the skeleton's convention
        module = importlib.import_module(f"{service.package}.metrics")
        getattr(module, f"{service.name.capitalize()}Metrics").register(own)
    DatabaseMetrics(own)  # links and analytics, hop_instrumentation.database
    families = [*registry.collect(), *own.collect()]
    return {f.name + suffix for f in families for suffix in SUFFIXES.get(f.type, ("",))}


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in board["panels"] if panel["type"] != "row"]


def test_generate_check_stale_or_extra_file_fails_then_write_fixes(tmp_path: Path) -> None:
    assert generate.main([], root=tmp_path) == 0
    assert generate.main(["--check"], root=tmp_path) == 0
    (tmp_path / "dashboards" / "hop-links.json").write_text("{}")
    (tmp_path / "dashboards" / "old.json").write_text("{}")
    assert generate.main(["--check"], root=tmp_path) == 1
    assert generate.main([], root=tmp_path) == 0
    assert generate.main(["--check"], root=tmp_path) == 0
    assert not (tmp_path / "dashboards" / "old.json").exists()


def test_cluster_only_panels_are_exactly_those_reading_cluster_metrics() -> None:
    reads_cluster = {
        (board.title, panel.title)
        for board in BOARDS
        for panel in board.panels
        if any(name in query.expr for query in panel.queries for name in CLUSTER_METRICS)
        or any(CONSUMER_STATE in query.expr for query in panel.queries)
        or any(_reads_cluster_slo(query.expr) for query in panel.queries)
    }
    marked = {(b.title, p.title) for b in BOARDS for p in b.panels if p.cluster_only}
    assert marked == reads_cluster


def _reads_cluster_slo(expr: str) -> bool:
    """Say whether ``expr`` reads the recordings of an SLO measured on cluster-only metrics."""
    return any(f'slo="{slo.name}"' in expr for slo in SLOS if slo.cluster_only)


def test_cluster_only_slos_are_exactly_those_reading_cluster_metrics() -> None:
    reads_cluster = {
        slo.name
        for slo in SLOS
        for window in WINDOWS
        if any(name in slo.error_ratio(window) for name in CLUSTER_METRICS)
    }
    assert (
        {slo.name for slo in SLOS if slo.cluster_only}
        == reads_cluster
        == {
            "redirect-edge-availability",
            "redirect-edge-latency",
        }
    )


def test_panel_titles_unique_per_dashboard() -> None:
    for board in BOARDS:
        titles = [panel.title for panel in board.panels]
        assert len(titles) == len(set(titles)), board.title


def test_every_alert_runbook_url_is_a_section_of_docs_runbooks() -> None:
    headings = re.findall(r"^## (\w+)$", (generate.ROOT / "docs" / "runbooks.md").read_text(), re.M)
    anchors = {f"{RUNBOOKS_URL}#{heading.lower()}" for heading in headings}
    rules = yaml.safe_load(RULES.read_text())["groups"]
    links = {r["annotations"]["runbook_url"] for g in rules for r in g["rules"] if "alert" in r}
    assert links <= anchors
    assert len(links) == len(headings)
    alerts = [r for g in rules for r in g["rules"] if "alert" in r]
    assert all(r["annotations"]["summary"] and r["annotations"]["description"] for r in alerts)


#: "`hop / redirect`, *Clicks buffered* and *Clicks sent*": a dashboard and the panels it names.
CITED = re.compile(r"`(hop / \w+)`, ((?:\*[^*]+\*(?: \([^)]*\))?(?:,? and |, | or )?)+)")


def test_runbooks_cite_only_panels_their_dashboard_has() -> None:
    text = " ".join((generate.ROOT / "docs" / "runbooks.md").read_text().split())
    titles = {board.title: {panel.title for panel in board.panels} for board in BOARDS}
    cited = [
        (found[1], title)
        for found in CITED.finditer(text)
        for title in re.findall(r"\*([^*]+)\*", found[2])
    ]
    assert [(b, t) for b, t in cited if t not in titles.get(b, set())] == []
    assert len(cited) > 15


def test_dashboards_round_trip_through_the_sdk_model_unchanged(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK prefers schema v2
        from grafana_foundation_sdk.cog.encoder import JSONEncoder
        from grafana_foundation_sdk.cog.plugins import register_default_plugins
        from grafana_foundation_sdk.models.dashboard import Dashboard

        register_default_plugins()
    for title, raw in dashboards.items():
        decoded = Dashboard.from_json(raw)
        assert json.loads(JSONEncoder().encode(decoded)) == raw, title
