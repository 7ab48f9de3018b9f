"""hop's services, read from where each one declares itself: its ``pyproject.toml``.

A folder ``services/<name>/`` is a service when its ``pyproject.toml`` has a ``[tool.hop]``
table (the shared packages, ``instrumentation`` and ``contracts``, have none)::

    [tool.hop]
    ports = { http = 8001, management = 9001, internal = 7001 }  # make run's local ports
    database = true                                              # migrated before it serves

Everything else follows from the name: the package ``hop_<name>``, the command and image
``hop-<name>``, the chart ``charts/<name>``. This is the one list of services: `make run`,
the image builds, the benchmarks and the tests read it, and ``tests/ci/test_service_list.py``
fails where a file that cannot read it (skaffold, the workflows, the charts) disagrees.
The order is the order of the local API ports.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = ["ALL", "ROOT", "SERVICES", "Service", "ServicePorts", "by_name", "read_services"]

ROOT: Final = Path(__file__).resolve().parents[3]
_PORT_KEYS: Final = ("http", "management", "internal")


@dataclass(frozen=True, slots=True)
class ServicePorts:
    """A service's API, management and internal (service-to-service) ports."""

    http: int
    management: int
    internal: int


@dataclass(frozen=True, slots=True)
class Service:
    """One service as its ``[tool.hop]`` table declares it."""

    name: str
    ports: ServicePorts
    database: bool

    @property
    def package(self) -> str:
        """Return its import package (``hop_links``)."""
        return f"hop_{self.name}"

    @property
    def command(self) -> str:
        """Return its command line and image name (``hop-links``)."""
        return f"hop-{self.name}"


def read_services(root: Path = ROOT) -> tuple[Service, ...]:
    """Return every service under ``root/services``, in the order of their local API ports."""
    found = []
    for pyproject in sorted((root / "services").glob("*/pyproject.toml")):
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("hop")
        if table is not None:
            found.append(_service(pyproject.parent.name, table, pyproject))
    return tuple(sorted(found, key=lambda service: service.ports.http))


def _service(name: str, table: dict[str, Any], source: Path) -> Service:
    try:
        ports = ServicePorts(**{key: int(table["ports"][key]) for key in _PORT_KEYS})
        database = table["database"]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{source}: [tool.hop] needs ports = {{ http = N, management = N, internal = N }} "
            f"and database = true|false ({err!r})."
        ) from None
    if not isinstance(database, bool):
        raise ValueError(f"{source}: [tool.hop] database = {database!r}; write true or false.")
    return Service(name=name, ports=ports, database=database)


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
