"""The edge's Traefik configuration, generated from the chart's `routes:` (no processes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hop_local import edge
from hop_local.services import ALL

BACKENDS = {service.name: f"http://127.0.0.1:{service.ports.http}" for service in ALL}


def test_routes_longest_prefix_first() -> None:
    routes = list(edge.routes())
    assert routes == sorted(routes, key=lambda path: (-len(path), path))
    assert routes[-1] == "/"
    assert edge.routes() == {route: s.name for s in ALL for route in s.routes}  # the registry's


def test_dynamic_config_routers_and_services() -> None:
    config = edge.dynamic_config({"/api/v1/links": "links", "/": "redirect"}, BACKENDS)
    assert config == {
        "http": {
            "routers": {
                "links-api-v1-links": {
                    "entryPoints": ["web"],
                    "rule": "PathPrefix(`/api/v1/links`)",
                    "priority": 13,
                    "service": "links",
                    "middlewares": ["api-rate-limit", "body-limit"],
                },
                "redirect-catch-all": {
                    "entryPoints": ["web"],
                    "rule": "PathPrefix(`/`)",
                    "priority": 1,
                    "service": "redirect",
                    "middlewares": ["body-limit"],
                },
            },
            "middlewares": {
                "body-limit": {"buffering": {"maxRequestBodyBytes": 65_536}},
                "batch-body-limit": {"buffering": {"maxRequestBodyBytes": 8_388_608}},
                "api-rate-limit": {"rateLimit": {"average": 200, "period": "1s", "burst": 400}},
            },
            "services": {
                "links": {
                    "loadBalancer": {
                        "servers": [{"url": "http://127.0.0.1:8001"}],
                        "passHostHeader": True,
                    }
                },
                "redirect": {
                    "loadBalancer": {
                        "servers": [{"url": "http://127.0.0.1:8002"}],
                        "passHostHeader": True,
                    }
                },
            },
        }
    }


def test_dynamic_config_service_without_backend_refused() -> None:
    with pytest.raises(ValueError, match="no backend URL for stats; pass one for every service"):
        edge.dynamic_config({"/x": "stats"}, BACKENDS)


def test_routes_values_without_routes_refused(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("host: hop.example.com\n")
    with pytest.raises(ValueError, match=r"has no 'routes:' map \(path prefix -> service\)"):
        edge.routes(values)


def test_written_config_reads_back_as_the_routes(tmp_path: Path) -> None:
    table = edge.routes()
    written = edge.write_dynamic_config(tmp_path / "d.yml", edge.dynamic_config(table, BACKENDS))
    assert written.read_text().startswith("# Generated from the routes: of charts/hop/values.yaml")
    assert edge.routes_of(yaml.safe_load(written.read_text())) == table


def test_traefik_command_loopback_no_phoning_home_no_tracing() -> None:
    command = edge.traefik_command("traefik", port=8080, dynamic_file=Path("d.yml"))
    assert "--entryPoints.web.address=127.0.0.1:8080" in command
    assert "--global.checkNewVersion=false" in command
    assert "--global.sendAnonymousUsage=false" in command
    assert not [flag for flag in command if flag.startswith("--tracing")]


def test_traefik_command_with_endpoint_exports_spans() -> None:
    command = edge.traefik_command(
        "traefik",
        port=8080,
        dynamic_file=Path("d.yml"),
        otlp_endpoint="http://c:4318/",
        sample_ratio=0.5,
    )
    assert command[-3:] == [
        "--tracing.otlp.http.endpoint=http://c:4318/v1/traces",
        "--tracing.sampleRate=0.5",
        "--tracing.serviceName=edge",
    ]
