"""The umbrella ships the generated dashboards and rules: ConfigMaps for the Grafana sidecar,
and a PrometheusRule only where the cluster serves the Prometheus Operator's CRD."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import CHARTS, LINT_PROFILES, PROFILES, Render, of_kind, run_helm
from hop_local.services import ALL

from hop_observability.rules import RUNBOOKS_URL

FILES = CHARTS / "hop" / "files"
RULE_FILE = FILES / "rules" / "hop.rules.yaml"
WITH_CRD = ("--api-versions", "monitoring.coreos.com/v1/PrometheusRule")
SCHEMA = Path(__file__).parent / "schemas" / "prometheusrule-monitoring-v1.json"
KUBERNETES_VERSION = "1.33.0"


def _dashboards(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    maps = of_kind(objects, "ConfigMap")
    return {name: cm for name, cm in maps.items() if "-dashboard-" in name}


def test_render_without_crd_no_prometheusrule(render: Render, profile: str) -> None:
    assert of_kind(render(*LINT_PROFILES[profile]), "PrometheusRule") == {}


def test_render_with_crd_one_prometheusrule_labelled_for_kube_prometheus_stack(
    render: Render,
) -> None:
    rules = of_kind(render(*WITH_CRD), "PrometheusRule")
    assert list(rules) == ["hop"]
    assert rules["hop"]["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rules["hop"]["metadata"]["namespace"] == "hop"


def test_render_with_crd_rules_equal_the_file_promtool_tested(render: Render) -> None:
    (rule,) = of_kind(render(*WITH_CRD), "PrometheusRule").values()
    assert rule["spec"] == yaml.safe_load(RULE_FILE.read_text())


def test_render_with_crd_prometheusrule_matches_its_schema(render: Render) -> None:
    schema = json.loads(SCHEMA.read_text())
    for args in (WITH_CRD, (*WITH_CRD, *PROFILES["production"])):
        for rule in of_kind(render(*args), "PrometheusRule").values():
            jsonschema.validate(rule, schema)


def test_render_prometheusrule_disabled_or_relabelled(render: Render) -> None:
    off = render(*WITH_CRD, "--set", "prometheusRule.enabled=false")
    assert of_kind(off, "PrometheusRule") == {}
    custom = render(*WITH_CRD, "--set", "prometheusRule.labels.release=monitoring")
    (rule,) = of_kind(custom, "PrometheusRule").values()
    assert rule["metadata"]["labels"]["release"] == "monitoring"


def test_render_runbook_url_value_rewrites_every_alert_link(render: Render) -> None:
    url = "https://wiki.example.org/hop/runbooks"
    (rule,) = of_kind(
        render(*WITH_CRD, "--set", f"prometheusRule.runbookUrl={url}"), "PrometheusRule"
    ).values()
    links = [
        r["annotations"]["runbook_url"]
        for g in rule["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    assert links
    assert all(link.startswith(f"{url}#hop") for link in links)


def test_values_runbook_url_default_is_the_generator_s() -> None:
    values = yaml.safe_load((CHARTS / "hop" / "values.yaml").read_text())
    assert values["prometheusRule"]["runbookUrl"] == RUNBOOKS_URL


def test_render_dashboards_one_configmap_each_for_the_sidecar(render: Render, profile: str) -> None:
    maps = _dashboards(render(*PROFILES[profile]))
    files = {path.name: path.read_text() for path in (FILES / "dashboards").glob("*.json")}
    boards = ["overview", "slos", *(s.name for s in ALL if s.dashboard)]
    assert sorted(maps) == sorted(f"hop-dashboard-{board}" for board in boards)
    assert {"hop-dashboard-links", "hop-dashboard-console"} <= set(maps)
    shipped = {key: value for cm in maps.values() for key, value in cm["data"].items()}
    assert {k: json.loads(v) for k, v in shipped.items()} == {
        k: json.loads(v) for k, v in files.items()
    }
    for cm in maps.values():
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"] == {"grafana_folder": "hop"}
        kubernetes_validate.validate(cm, KUBERNETES_VERSION, strict=True)


def test_render_dashboards_label_folder_configurable_or_off(render: Render) -> None:
    custom = render(
        "--set", "dashboards.labels.grafana_dashboard=null",
        "--set", "dashboards.labels.dashboards=hop",
        "--set", "dashboards.annotations.grafana_folder=Platform",
    )  # fmt: skip
    for cm in _dashboards(custom).values():
        assert "grafana_dashboard" not in cm["metadata"]["labels"]
        assert cm["metadata"]["labels"]["dashboards"] == "hop"
        assert cm["metadata"]["annotations"] == {"grafana_folder": "Platform"}
    assert _dashboards(render("--set", "dashboards.enabled=false")) == {}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("dashboards.enable=true", "at '/dashboards': additional properties 'enable' not allowed"),
        ("prometheusRule.labels.release=1", "at '/prometheusRule/labels/release'"),
        ("prometheusRule.runbookUrl=runbooks.md", "at '/prometheusRule/runbookUrl'"),
    ],
)
def test_values_schema_bad_observability_value_fails_naming_it(
    helm: Path, setting: str, message: str
) -> None:
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "--set", setting)
    assert done.returncode != 0
    assert message in done.stderr
