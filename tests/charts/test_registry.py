"""What the registry generates into the charts, rendered: per-service `enabled`, the shared
defaults shown in every chart's values, and the profiles' per-environment defaults (issue 23,
items 1, 8 and 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hop_chart_helpers import (
    CHARTS,
    PROFILES,
    SERVICES,
    WITH_CRDS,
    Render,
    of_kind,
    run_helm,
    serving,
)
from hop_generate.thin_charts import library_defaults

Obj = dict[str, Any]


def _library_defaults() -> tuple[Obj, Obj]:
    global_block, rest = library_defaults(CHARTS.parent)
    return yaml.safe_load("\n".join(global_block))["global"], yaml.safe_load("\n".join(rest))


def _named(objects: list[Obj], name: str) -> list[str]:
    return [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in objects
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == name
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_helm_show_values_shows_the_library_defaults_the_library_uses(
    helm: Path, service: str
) -> None:
    done = run_helm(helm, "show", "values", str(CHARTS / service))
    assert done.returncode == 0, done.stderr
    shown = yaml.safe_load(done.stdout)["global"]
    library_global, library_rest = _library_defaults()
    assert shown.pop("serviceDefaults") == library_rest
    assert shown == library_global


def test_disabled_service_renders_without_its_objects_routes_and_monitor(render: Render) -> None:
    objects = render("--set", "console.enabled=false", *WITH_CRDS)
    assert _named(objects, "console") == []
    paths = [
        (path["path"], path["backend"]["service"]["name"])
        for ingress in of_kind(objects, "Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert paths, "no Ingress paths"
    assert [p for p in paths if p[0].startswith("/console")] == []
    assert "hop-console" not in of_kind(objects, "ServiceMonitor")
    assert "hop-console" not in of_kind(objects, "NetworkPolicy")
    assert "hop-dashboard-console" not in of_kind(objects, "ConfigMap")
    assert "hop-dashboard-links" in of_kind(objects, "ConfigMap")
    assert "hop-links" in of_kind(objects, "Deployment")


def test_every_service_is_enabled_by_default_and_schema_accepts_enabled(render: Render) -> None:
    deployments = of_kind(render(*WITH_CRDS), "Deployment")
    assert {f"hop-{s}" for s in SERVICES} <= set(deployments)
    for service in SERVICES:
        schema = json.loads((CHARTS / service / "values.schema.json").read_text())
        jsonschema.validate({"image": {"repository": "x"}, "enabled": False}, schema)
    chart = yaml.safe_load((CHARTS / "hop" / "Chart.yaml").read_text())
    assert {d["name"]: d["condition"] for d in chart["dependencies"]} == {
        s: f"{s}.enabled" for s in SERVICES
    }


def test_production_profile_pulls_tagged_images_if_not_present(render: Render) -> None:
    for name, deployment in serving(render(*PROFILES["production"])).items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["imagePullPolicy"] == "IfNotPresent", name


def test_profile_defaults_apply_to_every_service_and_a_service_own_value_wins(
    render: Render,
) -> None:
    objects = render(
        "--set", "global.serviceDefaults.replicaCount=2", "--set", "links.replicaCount=4"
    )  # fmt: skip
    replicas = {n: d["spec"]["replicas"] for n, d in of_kind(objects, "Deployment").items()}
    assert replicas == {f"hop-{s}": 4 if s == "links" else 2 for s in SERVICES}


@pytest.mark.parametrize("profile", ["charts/hop/values-dev.yaml", "k8s/values-sync.yaml"])
def test_profile_sets_its_defaults_under_global_never_per_service(profile: str) -> None:
    values = yaml.safe_load((CHARTS.parent / profile).read_text())
    assert set(values).isdisjoint(SERVICES), profile
    assert values["global"]["serviceDefaults"]
