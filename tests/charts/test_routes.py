"""The Ingress and the HTTPRoute route exactly `routes:` of charts/hop/values.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hop_chart_helpers import CHARTS, SERVICES, WITH_CRDS, Render, of_kind, run_helm
from hop_local.edge import routes_of
from hop_local.services import ALL
from hop_local.stack import Stack


def chart_routes() -> dict[str, str]:
    """Return the public routes (path prefix -> service): the one source of truth."""
    values = yaml.safe_load((CHARTS / "hop" / "values.yaml").read_text())
    return dict(values["routes"])


def _ingress_routes(objects: list[dict[str, Any]]) -> dict[str, str]:
    """Return the routes of hop's Ingresses (split by body cap), longest prefix first."""
    paths = [
        path
        for name, ingress in of_kind(objects, "Ingress").items()
        if not name.endswith("-redirect-https")
        for path in ingress["spec"]["rules"][0]["http"]["paths"]
    ]
    paths.sort(key=lambda p: len(p["path"]), reverse=True)
    return {p["path"]: p["backend"]["service"]["name"].removeprefix("hop-") for p in paths}


def test_ingress_routes_equal_values_routes(render: Render) -> None:
    assert _ingress_routes(render()) == chart_routes()


def test_ingress_catch_all_comes_last(render: Render) -> None:
    routes = list(_ingress_routes(render()))
    assert routes == sorted(routes, key=lambda path: (-len(path), path))  # longest first
    assert routes[-1] == "/"
    assert set(routes) == {route for service in ALL for route in service.routes}
    assert routes.index("/api/v1/links:batch") < routes.index("/api/v1/links")


def test_httproute_routes_equal_values_routes(render: Render) -> None:
    route = of_kind(render("--set", "exposure.kind=httproute", *WITH_CRDS), "HTTPRoute")["hop"]
    routes = {
        rule["matches"][0]["path"]["value"]: rule["backendRefs"][0]["name"].removeprefix("hop-")
        for rule in route["spec"]["rules"]
    }
    assert routes == chart_routes()


def _local_edge_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """Return the routes of the edge config `make run` writes, highest priority first."""
    written = Stack(data_dir=tmp_path).write_edge_config()
    return list(routes_of(yaml.safe_load(written.read_text())).items())


def test_local_edge_routes_equal_chart_routes(tmp_path: Path) -> None:
    assert dict(_local_edge_routes(tmp_path)) == chart_routes()


def test_local_edge_routes_in_the_ingress_order(render: Render, tmp_path: Path) -> None:
    assert _local_edge_routes(tmp_path) == list(_ingress_routes(render()).items())


WITH_TRAEFIK = ("--api-versions", "traefik.io/v1alpha1/Middleware")


def test_ingress_on_traefik_gets_the_edge_limits_as_middlewares(render: Render) -> None:
    objects = render(*WITH_TRAEFIK)
    middlewares = of_kind(objects, "Middleware")
    assert set(middlewares) >= {"hop-limits", "hop-batch-limits", "hop-rate-limit"}
    assert middlewares["hop-limits"]["spec"] == {"buffering": {"maxRequestBodyBytes": 65536}}
    assert middlewares["hop-batch-limits"]["spec"] == {
        "buffering": {"maxRequestBodyBytes": 8388608}
    }
    assert middlewares["hop-rate-limit"]["spec"] == {
        "rateLimit": {"average": 200, "burst": 400, "period": "1s"}
    }
    ingresses = of_kind(objects, "Ingress")
    chains = {
        name: ingresses[name]["metadata"]["annotations"][
            "traefik.ingress.kubernetes.io/router.middlewares"
        ]
        for name in ("hop", "hop-batch")
    }
    assert chains == {
        "hop": "hop-hop-rate-limit@kubernetescrd,hop-hop-limits@kubernetescrd",
        "hop-batch": "hop-hop-rate-limit@kubernetescrd,hop-hop-batch-limits@kubernetescrd",
    }


def test_no_middleware_without_traefik_crd_or_for_another_controller(render: Render) -> None:
    assert of_kind(render(), "Middleware") == {}
    other = render(
        *WITH_TRAEFIK,
        "--set", "exposure.ingress.className=haproxy",
        "--set", "exposure.ingress.traefik.enabled=false",
    )  # fmt: skip
    assert of_kind(other, "Middleware") == {}
    for ingress in of_kind(other, "Ingress").values():
        assert "annotations" not in ingress["metadata"]


def test_route_to_no_service_fails_naming_the_route_and_the_services(helm: Path) -> None:
    # The schema refuses it first; the template's own check names the chart's dependencies.
    args = ["--skip-schema-validation", "--set", "routes./x=nope"]
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), *args)
    assert done.returncode != 0
    services = ", ".join(sorted(SERVICES))
    assert f'routes./x: "nope" is not a hop service ({services})' in done.stderr
