"""The edge's limits and the services' own come from the same values, and agree route by route.

`global.limits` sets every service's HOP_MAX_BODY_BYTES / HOP_MAX_BATCH_BODY_BYTES and the
edge's body caps (Traefik Middlewares, ingress-nginx annotations). These tests build each
service's real app from what the chart renders (its ConfigMap and Secret files) and compare
the cap the app enforces on each routed path with the cap the edge puts in front of it.
"""

from __future__ import annotations

import importlib
import os
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from hop_chart_helpers import CHARTS, PROFILES, WITH_CRDS, Render, of_kind, run_helm, serving
from hop_local.edge import EdgeLimits
from hop_local.services import ALL

from hop_instrumentation import ServiceSettings, get_instrumentation
from hop_instrumentation.ratelimit import InProcessWindows, RedisWindows

Obj = dict[str, Any]
NGINX = (
    "--set", "exposure.ingress.className=nginx",
    "--set", "exposure.ingress.nginx.enabled=true",
    "--set", "exposure.ingress.traefik.enabled=false",
)  # fmt: skip
CASES = {
    "traefik": WITH_CRDS,
    "traefik-production": PROFILES["production"],
    "traefik-equal-caps": (*WITH_CRDS, "--set", "global.limits.maxBatchBodyBytes=65536"),
    "nginx": NGINX,
    "nginx-dev": (*PROFILES["dev"], *NGINX),
    "nginx-other-caps": (
        *NGINX,
        "--set", "global.limits.maxBodyBytes=1048576",
        "--set", "global.limits.maxBatchBodyBytes=2097152",
    ),
}  # fmt: skip
SECRET_VALUES = {
    "HOP_DATABASE_URL": "postgresql://hop:secret@db.test:5432/hop",
    "HOP_REDIS_URL": "redis://redis.test:6379/0",
    "HOP_RATE_LIMIT_REDIS_URL": "redis://redis.test:6379/0",
    "HOP_SESSION_SECRET": "s" * 40,
}
NGINX_BODY = "nginx.ingress.kubernetes.io/proxy-body-size"
TRAEFIK_CHAIN = "traefik.ingress.kubernetes.io/router.middlewares"


def edge_caps(objects: list[Obj]) -> dict[str, int]:
    """Return the body cap the edge applies to each routed path."""
    middlewares = of_kind(objects, "Middleware")
    caps: dict[str, int] = {}
    for name, ingress in of_kind(objects, "Ingress").items():
        if name.endswith("-redirect-https"):
            continue  # its router only answers 301 to https://
        annotations = ingress["metadata"].get("annotations", {})
        found = [int(annotations[NGINX_BODY])] if NGINX_BODY in annotations else []
        for ref in filter(None, annotations.get(TRAEFIK_CHAIN, "").split(",")):
            spec = middlewares[ref.removesuffix("@kubernetescrd").removeprefix("hop-")]["spec"]
            found += [spec["buffering"]["maxRequestBodyBytes"]] if "buffering" in spec else []
        assert len(found) == 1, f"Ingress {name}: one body cap expected, found {found}"
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            caps[path["path"]] = found[0]
    return caps


def service_apps(objects: list[Obj], tmp_path: Path) -> dict[str, FastAPI]:
    """Build each service's app from its rendered ConfigMap and Secret files, by Service name."""
    configmaps = of_kind(objects, "ConfigMap")
    apps = {}
    for name, deployment in serving(objects).items():
        with pytest.MonkeyPatch.context() as env:
            for variable in [v for v in os.environ if v.startswith(("HOP_", "OTEL_"))]:
                env.delenv(variable)
            for variable, value in configmaps[name]["data"].items():
                env.setenv(variable, value)
            env.setenv("HOP_SECRETS_DIR", str(_secret_files(deployment, tmp_path / name)))
            module = importlib.import_module(f"hop_{name.removeprefix('hop-')}.app")
            apps[name] = module.app_from_environment()
    return apps


def service_caps(objects: list[Obj], tmp_path: Path) -> dict[str, int]:
    """Return the body cap the backend service enforces on each routed path."""
    apps = service_apps(objects, tmp_path)
    caps = {}
    for ingress in of_kind(objects, "Ingress").values():
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            app = apps[path["backend"]["service"]["name"]]
            caps[path["path"]] = get_instrumentation(app).limits.body_limit(path["path"])
    return caps


def _secret_files(deployment: Obj, folder: Path) -> Path:
    """Write a plausible value into each file the pod's projected Secret volume would hold."""
    folder.mkdir(parents=True)
    for volume in deployment["spec"]["template"]["spec"]["volumes"]:
        for source in volume.get("projected", {}).get("sources", []):
            for item in source["secret"]["items"]:
                (folder / item["path"]).write_text(SECRET_VALUES[item["path"]])
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_edge_body_cap_equals_the_service_cap_on_every_route(
    render: Render, tmp_path: Path, case: str
) -> None:
    objects = render(*CASES[case])
    routes = yaml.safe_load((CHARTS / "hop" / "values.yaml").read_text())["routes"]
    edge = edge_caps(objects)
    assert set(edge) == set(routes)
    assert edge == service_caps(objects, tmp_path)


def test_a_changed_edge_cap_is_caught(render: Render, tmp_path: Path) -> None:
    objects = [yaml.safe_load(yaml.safe_dump(o)) for o in render(*WITH_CRDS)]
    of_kind(objects, "Middleware")["hop-batch-limits"]["spec"]["buffering"][
        "maxRequestBodyBytes"
    ] = 65536
    edge, services = edge_caps(objects), service_caps(objects, tmp_path)
    assert {p for p in edge if edge[p] != services[p]} == {"/api/v1/links:batch"}


def test_batch_routes_get_their_own_ingress_only_when_their_cap_differs(render: Render) -> None:
    split = of_kind(render(*NGINX), "Ingress")
    assert set(split) == {"hop", "hop-batch"}
    assert [p["path"] for p in split["hop-batch"]["spec"]["rules"][0]["http"]["paths"]] == [
        "/api/v1/links:batch"
    ]
    same = of_kind(render(*NGINX, "--set", "global.limits.maxBatchBodyBytes=65536"), "Ingress")
    assert set(same) == {"hop"}


def test_nginx_ingress_carries_the_per_address_limits(render: Render) -> None:
    objects = render(*NGINX, "--set", "exposure.tls.issuer=letsencrypt")
    ingresses = of_kind(objects, "Ingress")
    assert ingresses["hop"]["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt",
        "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2",
        "nginx.ingress.kubernetes.io/limit-connections": "100",
        "nginx.ingress.kubernetes.io/limit-rps": "200",
        "nginx.ingress.kubernetes.io/proxy-body-size": "65536",
    }
    # One Ingress asks cert-manager for the certificate; both serve it.
    assert "cert-manager.io/cluster-issuer" not in ingresses["hop-batch"]["metadata"]["annotations"]
    assert ingresses["hop-batch"]["spec"]["tls"] == ingresses["hop"]["spec"]["tls"]
    assert of_kind(objects, "Middleware") == {}


def test_chart_limit_defaults_equal_the_services_defaults(helm: Path) -> None:
    umbrella = yaml.safe_load((CHARTS / "hop" / "values.yaml").read_text())["global"]["limits"]
    library = run_helm(helm, "template", "hop", str(CHARTS / "links"), "-n", "hop")
    (configmap,) = [d for d in yaml.safe_load_all(library.stdout) if d and d["kind"] == "ConfigMap"]
    fields = ServiceSettings.model_fields
    defaults = {
        "maxBodyBytes": fields["max_body_bytes"].default,
        "maxBatchBodyBytes": fields["max_batch_body_bytes"].default,
    }
    assert umbrella == defaults
    assert configmap["data"]["HOP_MAX_BODY_BYTES"] == str(defaults["maxBodyBytes"])
    assert configmap["data"]["HOP_MAX_BATCH_BODY_BYTES"] == str(defaults["maxBatchBodyBytes"])


def test_rate_limit_counters_in_the_click_streams_redis(render: Render, tmp_path: Path) -> None:
    objects = render(*PROFILES["production"])
    apps = service_apps(objects, tmp_path)
    windows = {name: type(get_instrumentation(app).rate_windows) for name, app in apps.items()}
    shared = [s.command for s in ALL if "redis" in s.secrets]
    assert shared == ["hop-links", "hop-redirect", "hop-analytics"]
    # Without a Redis Secret (the console) a service counts alone.
    assert windows == {
        s.command: RedisWindows if s.command in shared else InProcessWindows for s in ALL
    }
    for name in shared:
        settings = get_instrumentation(apps[name]).settings
        assert settings.rate_limit_redis_url == SECRET_VALUES["HOP_REDIS_URL"]
        volumes = serving(objects)[name]["spec"]["template"]["spec"]["volumes"]
        (redis,) = [
            source["secret"]
            for volume in volumes
            for source in volume.get("projected", {}).get("sources", [])
            if source["secret"]["name"] == "hop-redis"
        ]
        assert redis["items"] == [  # the same Secret key as the click stream's and cache's URL
            {"key": "url", "path": "HOP_REDIS_URL"},
            {"key": "url", "path": "HOP_RATE_LIMIT_REDIS_URL"},
        ]
        egress = of_kind(objects, "NetworkPolicy")[name]["spec"]["egress"]
        assert any({"port": 6379, "protocol": "TCP"} in rule["ports"] for rule in egress)


@pytest.mark.parametrize(
    "args",
    [("--set", "links.rateLimit.redis=false"), ("--set", "links.secrets.redis=null")],
    ids=["rate-limit-redis-off", "no-redis"],
)
def test_links_without_redis_counts_in_process(
    render: Render, tmp_path: Path, args: tuple[str, ...]
) -> None:
    objects = render(*args)
    apps = service_apps(objects, tmp_path)
    assert isinstance(get_instrumentation(apps["hop-links"]).rate_windows, InProcessWindows)
    assert isinstance(get_instrumentation(apps["hop-analytics"]).rate_windows, RedisWindows)


def test_trusted_proxies_reach_every_service(render: Render, tmp_path: Path) -> None:
    dev = service_apps(render(*PROFILES["dev"]), tmp_path / "dev")
    for app in dev.values():  # kind's pod network, where Traefik's pods are
        assert get_instrumentation(app).settings.trusted_proxies == (ip_network("10.244.0.0/16"),)
    default = service_apps(render(), tmp_path / "default")
    for app in default.values():
        assert get_instrumentation(app).settings.trusted_proxies == ()


def test_local_edge_caps_equal_the_services_defaults() -> None:
    fields = ServiceSettings.model_fields
    edge = EdgeLimits()  # `make run`'s Traefik, in front of services on their defaults
    assert (edge.body_bytes, edge.batch_body_bytes) == (
        fields["max_body_bytes"].default,
        fields["max_batch_body_bytes"].default,
    )
