"""What runs on one machine: the services and the edge, their ports and settings.

`make run` and the end-to-end tests build the same `Stack`; only the ports, the data
folder and the extra settings differ.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from hop_local import edge
from hop_local.services import ALL, SERVICES, ServicePorts, by_name

__all__ = ["MIGRATED", "SERVICES", "Ports", "ServicePorts", "Stack", "executable"]

#: Services with a database, migrated before anything starts.
MIGRATED: Final = tuple(service.name for service in ALL if service.database)
ANALYTICS_SHUTDOWN_DELAY: Final = "2"


def _declared_ports() -> dict[str, ServicePorts]:
    return {service.name: service.ports for service in ALL}


@dataclass(frozen=True, slots=True)
class Ports:
    """Every local port (the defaults are `make run`'s, declared by each service)."""

    edge: int = 8080
    services: Mapping[str, ServicePorts] = field(default_factory=_declared_ports)

    def of(self, service: str) -> ServicePorts:
        """Return one service's ports."""
        try:
            return self.services[service]
        except KeyError:
            raise KeyError(f"no ports for {service!r}; the services are {SERVICES}.") from None


@dataclass(frozen=True, slots=True)
class Stack:
    """The local platform: where its data lives, how clicks travel, which ports it uses."""

    data_dir: Path
    ports: Ports = Ports()
    database_urls: Mapping[str, str] = field(default_factory=dict)
    click_transport: str = "http"
    redis_url: str = "redis://127.0.0.1:6379/0"
    click_stream: str = "hop:clicks"
    log_format: str = "console"
    settings: Mapping[str, str] = field(default_factory=dict)
    service_settings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def edge_url(self) -> str:
        """Return the public base URL (the edge)."""
        return f"http://127.0.0.1:{self.ports.edge}"

    def api_url(self, service: str) -> str:
        """Return a service's API base URL."""
        return f"http://127.0.0.1:{self.ports.of(service).http}"

    def internal_url(self, service: str) -> str:
        """Return a service's internal base URL (``/internal/...``, for its peers only)."""
        return f"http://127.0.0.1:{self.ports.of(service).internal}"

    def management_url(self, service: str) -> str:
        """Return a service's management base URL (/livez, /readyz, /metrics)."""
        return f"http://127.0.0.1:{self.ports.of(service).management}"

    def database_url(self, service: str) -> str:
        """Return a service's database URL (SQLite in the data folder unless given)."""
        default = f"sqlite+aiosqlite:///{self.data_dir.resolve() / f'{service}.db'}"
        return self.database_urls.get(service, default)

    def env(self, service: str) -> dict[str, str]:
        """Return the ``HOP_*`` settings of one service (merge them over the environment)."""
        ports = self.ports.of(service)
        return {
            "HOP_SERVICE_NAME": service,
            "HOP_HOST": "127.0.0.1",
            "HOP_HTTP_PORT": str(ports.http),
            "HOP_MANAGEMENT_PORT": str(ports.management),
            "HOP_INTERNAL_PORT": str(ports.internal),
            "HOP_LOG_FORMAT": self.log_format,
            # The edge, the console and analytics run on loopback: the edge's trace sampling
            # decisions and the client addresses all three forward are believed.
            "HOP_TRUSTED_PROXIES": '["127.0.0.1/32"]',
            **self.peer_urls(service),
            **self._own_settings(service),
            **self.settings,
            **self.service_settings.get(service, {}),
        }

    def peer_urls(self, service: str) -> dict[str, str]:
        """Return the URLs of the services ``service`` calls, from the registry's ``calls``.

        As the chart names them: HOP_<NAME>_URL for a peer's API (or its internal port when
        only that is called), HOP_<NAME>_INTERNAL_URL for the internal port of a peer whose
        API it calls too.
        """
        calls = by_name(service).calls
        urls = {}
        for peer, ports in calls.items():
            name = peer.upper()
            if "http" in ports:
                urls[f"HOP_{name}_URL"] = self.api_url(peer)
            if "internal" in ports:
                key = f"HOP_{name}_INTERNAL_URL" if "http" in ports else f"HOP_{name}_URL"
                urls[key] = self.internal_url(peer)
        return urls

    def _own_settings(self, service: str) -> dict[str, str]:
        database = {"HOP_DATABASE_URL": self.database_url(service)}
        own = {
            "links": self._links_settings,
            "redirect": self._redirect_settings,
            "analytics": self._analytics_settings,
        }.get(service)
        return {**(database if by_name(service).database else {}), **(own() if own else {})}

    def _links_settings(self) -> dict[str, str]:
        # A branded domain's HTTP proof goes through the edge, as a CNAME to hop would take
        # it: connect to the loopback edge, send Host: <domain> (docs/local.md).
        return {
            "HOP_PUBLIC_BASE_URL": self.edge_url,
            "HOP_VERIFICATION_CONNECT_TO": f"127.0.0.1:{self.ports.edge}",
            "HOP_VERIFICATION_ALLOW_INTERNAL": "true",
            # The edge serves plain HTTP: a branded short URL says so (http://go.acme.test/x).
            "HOP_BRANDED_URL_SCHEME": "http",
        }

    def _pipeline(self) -> dict[str, str]:
        return {
            "HOP_CLICK_TRANSPORT": self.click_transport,
            "HOP_REDIS_URL": self.redis_url,
            "HOP_CLICK_STREAM": self.click_stream,
        }

    def _redirect_settings(self) -> dict[str, str]:
        spool = str(self.data_dir.resolve() / "spool")  # survives restarts, beside the data
        return {**self._pipeline(), "HOP_CLICK_SPOOL_DIR": spool}

    def _analytics_settings(self) -> dict[str, str]:
        # Everything stops at once on Ctrl-C: analytics keeps serving a moment after SIGTERM
        # (as a pod's preStop does) so redirect's last clicks still land.
        return {**self._pipeline(), "HOP_SHUTDOWN_DELAY": ANALYTICS_SHUTDOWN_DELAY}

    def serve_command(self, service: str) -> list[str]:
        """Return the command that serves one service."""
        return [executable(f"hop-{service}"), "serve"]

    def migrate_command(self, service: str) -> list[str]:
        """Return the command that migrates one service's database."""
        return [executable(f"hop-{service}"), "migrate"]

    @property
    def dynamic_config_file(self) -> Path:
        """Return where the edge's generated configuration is written."""
        return self.data_dir / "edge" / "dynamic.yml"

    def write_edge_config(self) -> Path:
        """Generate the edge's routes from the chart and write them; return the file."""
        backends = {service: self.api_url(service) for service in SERVICES}
        config = edge.dynamic_config(edge.routes(), backends)
        return edge.write_dynamic_config(self.dynamic_config_file, config)

    def edge_command(
        self, *, otlp_endpoint: str | None = None, sample_ratio: float = 1.0
    ) -> list[str]:
        """Return Traefik's command line for this stack (write the config first)."""
        return edge.traefik_command(
            executable("traefik"),
            port=self.ports.edge,
            dynamic_file=self.dynamic_config_file,
            otlp_endpoint=otlp_endpoint,
            sample_ratio=sample_ratio,
        )


def executable(name: str) -> str:
    """Return a console script installed next to this interpreter (the project's .venv)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `make install` first.")
    return str(path)
