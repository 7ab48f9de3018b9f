"""The local edge: Traefik routing exactly the chart's public routes.

The routes come from ``routes:`` in ``charts/hop/values.yaml``, the one source of truth
that also renders the Ingress and the HTTPRoute. They become Traefik file-provider
routers (``PathPrefix`` rules, longer prefixes first, as Traefik's own Kubernetes Ingress
provider translates ``pathType: Prefix``) pointing at the services' API ports, never
their internal or management ports. Every router caps request bodies (Traefik's
``buffering``: the services' own caps, larger for ``:batch`` routes) and the API routers
rate-limit each client address (``rateLimit``), as the services do behind it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "ROOT",
    "VALUES",
    "EdgeLimits",
    "dynamic_config",
    "routes",
    "routes_of",
    "traefik_command",
    "write_dynamic_config",
]

ROOT: Final = Path(__file__).resolve().parents[3]
VALUES: Final = ROOT / "charts" / "hop" / "values.yaml"
ENTRYPOINT: Final = "web"
_RULE: Final = re.compile(r"^PathPrefix\(`(?P<prefix>/[^`]*)`\)$")


@dataclass(frozen=True, slots=True)
class EdgeLimits:
    """The edge's limits: body caps (the services' defaults) and a per-address request rate."""

    body_bytes: int = 65_536
    batch_body_bytes: int = 8_388_608
    #: Requests per second per client address on ``/api/`` routes, and the burst above it.
    api_rate: int = 200
    api_burst: int = 400

    def middlewares(self) -> dict[str, Any]:
        """Return Traefik's middleware definitions for these limits."""
        return {
            "body-limit": {"buffering": {"maxRequestBodyBytes": self.body_bytes}},
            "batch-body-limit": {"buffering": {"maxRequestBodyBytes": self.batch_body_bytes}},
            "api-rate-limit": {
                "rateLimit": {"average": self.api_rate, "period": "1s", "burst": self.api_burst}
            },
        }

    def of(self, prefix: str) -> list[str]:
        """Return the middlewares of the router for ``prefix``."""
        body = "batch-body-limit" if prefix.endswith(":batch") else "body-limit"
        return ["api-rate-limit", body] if prefix.startswith("/api/") else [body]


def routes(values: Path = VALUES) -> dict[str, str]:
    """Return the chart's public routes (path prefix -> service), longest prefix first."""
    loaded = yaml.safe_load(values.read_text())
    table = loaded.get("routes") if isinstance(loaded, dict) else None
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{values} has no 'routes:' map (path prefix -> service); add one.")
    pairs = [(str(prefix), str(service)) for prefix, service in table.items()]
    return dict(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def dynamic_config(
    route_table: Mapping[str, str],
    backends: Mapping[str, str],
    limits: EdgeLimits = EdgeLimits(),
) -> dict[str, Any]:
    """Return Traefik's dynamic configuration: one router per route, one service per backend.

    ``backends`` maps each service name to its base URL (``http://127.0.0.1:8001``).
    """
    missing = sorted(set(route_table.values()) - set(backends))
    if missing:
        raise ValueError(f"no backend URL for {', '.join(missing)}; pass one for every service.")
    routers = {
        _router_name(prefix, service): {
            "entryPoints": [ENTRYPOINT],
            "rule": f"PathPrefix(`{prefix}`)",
            # Explicit, not Traefik's rule-length default: the longest prefix always wins.
            "priority": len(prefix),
            "service": service,
            "middlewares": limits.of(prefix),
        }
        for prefix, service in route_table.items()
    }
    services = {
        name: {"loadBalancer": {"servers": [{"url": url}], "passHostHeader": True}}
        for name, url in sorted(backends.items())
        if name in route_table.values()
    }
    return {"http": {"routers": routers, "middlewares": limits.middlewares(), "services": services}}


def routes_of(config: Mapping[str, Any]) -> dict[str, str]:
    """Read the routes back from a dynamic configuration, highest priority first."""
    routers = sorted(config["http"]["routers"].values(), key=lambda r: -int(r["priority"]))
    table: dict[str, str] = {}
    for router in routers:
        match = _RULE.match(router["rule"])
        if match is None:
            raise ValueError(f"unexpected router rule {router['rule']!r}")
        table[match["prefix"]] = router["service"]
    return table


def write_dynamic_config(path: Path, config: Mapping[str, Any]) -> Path:
    """Write the dynamic configuration as YAML (with a header naming its source)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Generated from the routes: of charts/hop/values.yaml; do not edit.\n"
    path.write_text(header + yaml.safe_dump(dict(config), sort_keys=False))
    return path


def traefik_command(
    binary: str,
    *,
    port: int,
    dynamic_file: Path,
    log_level: str = "WARN",
    otlp_endpoint: str | None = None,
    sample_ratio: float = 1.0,
) -> list[str]:
    """Return Traefik's command line: one loopback entrypoint, the file provider, no phoning home.

    With ``otlp_endpoint`` (an OTLP/HTTP base URL) the edge exports its own spans too.
    """
    command = [
        binary,
        f"--entryPoints.{ENTRYPOINT}.address=127.0.0.1:{port}",
        # Headers that alias ones the services read (X_Forwarded_For...) are dropped.
        f"--entryPoints.{ENTRYPOINT}.http.aliasHeadersStrategy=delete",
        f"--providers.file.filename={dynamic_file}",
        "--providers.file.watch=false",
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        f"--log.level={log_level}",
    ]
    if otlp_endpoint:
        command += [
            f"--tracing.otlp.http.endpoint={otlp_endpoint.rstrip('/')}/v1/traces",
            f"--tracing.sampleRate={sample_ratio}",
            "--tracing.serviceName=edge",
        ]
    return command


def _router_name(prefix: str, service: str) -> str:
    slug = prefix.strip("/").replace("/", "-").replace(":", "-") or "catch-all"
    return f"{service}-{slug}"
