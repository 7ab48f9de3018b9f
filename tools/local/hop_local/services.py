"""hop's registry of services, read from where each one declares itself: its ``pyproject.toml``.

A folder ``services/<name>/`` is a service when its ``pyproject.toml`` has a ``[tool.hop]``
table (the shared packages, ``instrumentation`` and ``contracts``, have none)::

    [tool.hop]
    ports = { http = 8001, management = 9001, internal = 7001 }  # make run's local ports
    database = true                  # migrated before it serves (chart: migration Job, egress)
    redis = true                     # talks to Redis (chart: egress)
    routes = ["/api/v1/links"]       # public path prefixes the Ingress and the edge route here
    calls = { analytics = ["internal"] }  # the services it calls, and on which port
    secrets = { redis = { name = "hop-redis", key = "url" } }  # existing Secrets it mounts
    dashboard = true                 # observability/hop_observability/dashboards/<name>.py
    external_egress = "verificationEnabled"  # the chart setting that, when true, opens egress
                                     # to DNS and web ports outside the cluster

Everything else follows from the name: the package ``hop_<name>``, the command and image
``hop-<name>``, the chart ``charts/<name>``. Callers are derived from the callees. This is the
one list of services: `make run`, the tests and the benchmarks read it, and ``make generate``
(tools/hop_generate) writes every file that cannot read it (charts, skaffold.yaml, ...).
The order is the order of the local API ports.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = [
    "ALL",
    "PORT_NAMES",
    "ROOT",
    "SERVICES",
    "Secret",
    "Service",
    "ServicePorts",
    "by_name",
    "callers_of",
    "read_services",
]

ROOT: Final = Path(__file__).resolve().parents[3]
_PORT_KEYS: Final = ("http", "management", "internal")
#: The ports one service may call on another.
PORT_NAMES: Final = ("http", "internal")


@dataclass(frozen=True, slots=True)
class ServicePorts:
    """A service's API, management and internal (service-to-service) ports."""

    http: int
    management: int
    internal: int


@dataclass(frozen=True, slots=True)
class Secret:
    """An existing Kubernetes Secret a service mounts as the file ``file`` (or HOP_<NAME>_URL)."""

    name: str
    key: str
    file: str = ""


@dataclass(frozen=True, slots=True)
class Service:
    """One service as its ``[tool.hop]`` table declares it."""

    name: str
    ports: ServicePorts
    database: bool
    redis: bool = False
    routes: tuple[str, ...] = ()
    calls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    dashboard: bool = True
    description: str = ""
    external_egress: str = ""

    @property
    def package(self) -> str:
        """Return its import package (``hop_links``)."""
        return f"hop_{self.name}"

    @property
    def command(self) -> str:
        """Return its command line and image name (``hop-links``)."""
        return f"hop-{self.name}"

    def callees(self, port: str) -> list[str]:
        """Return the services whose ``port`` (http or internal) this one calls, in order."""
        return [name for name, ports in self.calls.items() if port in ports]


def read_services(root: Path = ROOT) -> tuple[Service, ...]:
    """Return every service under ``root/services``, in the order of their local API ports."""
    found = []
    for pyproject in sorted((root / "services").glob("*/pyproject.toml")):
        document = tomllib.loads(pyproject.read_text())
        table = document.get("tool", {}).get("hop")
        if table is not None:
            description = str(document.get("project", {}).get("description", ""))
            found.append(_service(pyproject.parent.name, table, pyproject, description))
    services = tuple(sorted(found, key=lambda service: service.ports.http))
    _check_calls(services, root)
    return services


def _service(name: str, table: dict[str, Any], source: Path, description: str) -> Service:
    try:
        ports = ServicePorts(**{key: int(table["ports"][key]) for key in _PORT_KEYS})
        database = table["database"]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{source}: [tool.hop] needs ports = {{ http = N, management = N, internal = N }} "
            f"and database = true|false ({err!r})."
        ) from None
    for flag in ("database", "redis", "dashboard"):
        if not isinstance(table.get(flag, False), bool):
            raise ValueError(f"{source}: [tool.hop] {flag} = {table[flag]!r}; write true or false.")
    external = table.get("external_egress", "")
    if not isinstance(external, str) or (external and not external.replace("_", "").isalnum()):
        raise ValueError(
            f"{source}: [tool.hop] external_egress = {external!r}; name a chart setting "
            "(camelCase, as in values.yaml's settings:)."
        )
    return Service(
        name=name,
        ports=ports,
        database=database,
        redis=table.get("redis", False),
        routes=tuple(_routes(table.get("routes", []), source)),
        calls=_calls(table.get("calls", {}), source),
        secrets=_secrets(table.get("secrets", {}), source),
        dashboard=table.get("dashboard", True),
        description=description,
        external_egress=external,
    )


def _routes(routes: Any, source: Path) -> list[str]:
    if not isinstance(routes, list) or not all(
        isinstance(route, str) and route.startswith("/") for route in routes
    ):
        raise ValueError(
            f"{source}: [tool.hop] routes = {routes!r}; write a list of path prefixes "
            'starting with "/", e.g. routes = ["/api/v1/things"].'
        )
    return routes


def _calls(calls: Any, source: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(calls, dict) or not all(
        isinstance(ports, list) and ports and set(ports) <= set(PORT_NAMES)
        for ports in calls.values()
    ):
        raise ValueError(
            f"{source}: [tool.hop] calls = {calls!r}; write the services it calls and on which "
            'ports, e.g. calls = { links = ["internal"], analytics = ["http", "internal"] }.'
        )
    return {name: tuple(ports) for name, ports in calls.items()}


def _secrets(secrets: Any, source: Path) -> dict[str, Secret]:
    try:
        return {name: Secret(**spec) for name, spec in secrets.items()}
    except (AttributeError, TypeError) as err:
        raise ValueError(
            f"{source}: [tool.hop] secrets = {secrets!r}; write "
            f'secrets = {{ <name> = {{ name = "<Secret>", key = "<key>" }} }} ({err}).'
        ) from None


def _check_calls(services: tuple[Service, ...], root: Path) -> None:
    names = [service.name for service in services]
    for service in services:
        unknown = sorted(set(service.calls) - set(names))
        if unknown:
            raise ValueError(
                f"{root / 'services' / service.name / 'pyproject.toml'}: [tool.hop] calls "
                f"{unknown}, which are no services; the services are {', '.join(names)}."
            )


def callers_of(name: str, port: str, services: tuple[Service, ...] | None = None) -> list[str]:
    """Return the services that call ``name`` on ``port`` (derived from their ``calls``)."""
    return [s.name for s in (ALL if services is None else services) if name in s.callees(port)]


#: Every service, read once.
ALL: Final = read_services()
#: Their names, in order (``links``, ``redirect``, ...).
SERVICES: Final = tuple(service.name for service in ALL)


def by_name(name: str) -> Service:
    """Return the service ``name``; fail with the known names when there is none."""
    for service in ALL:
        if service.name == name:
            return service
    raise KeyError(f"no service {name!r}; the services are {', '.join(SERVICES)}.")


def main(argv: list[str]) -> int:
    """Print the services' names, one a line (tools/build-images), or with --json as a list."""
    print(json.dumps(list(SERVICES)) if argv == ["--json"] else "\n".join(SERVICES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
