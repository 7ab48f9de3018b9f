"""`make generate`: every file the registry decides, written from it.

The registry is each service's ``[tool.hop]`` table (tools/local/hop_local/services.py reads
it). From it come the thin charts' Chart.yaml, template, values.yaml (below its marker) and
values.schema.json (settings' bounds from the service's Settings model), the umbrella's
Chart.yaml, routes and service keys and their schema, skaffold.yaml, observability's
services and boards, the route segments hop_contracts reserves, and the workspace's mypy
path and coverage sources. ``generated()``
returns every such file's text without writing; tests/ci/test_generated.py compares it with
the committed files in a copy of the repository.

Usage::

    make generate                      # write them
    make service NAME=qr               # a new service, then the same
"""

from __future__ import annotations

import json
from pathlib import Path

import chart_schemas
from hop_local.services import ALL, ROOT

from hop_generate import chart_readme, lists, skaffold, thin_charts, umbrella

__all__ = ["generated", "write"]

_UMBRELLA_INTRO = """hop's services (links, redirect, analytics, console) behind one Ingress or
HTTPRoute. Each service is a dependency chart whose values go under its name here (`links:`,
`redirect:`...; each service chart's README lists its keys), and `global.serviceDefaults`
sets the defaults they share per environment. Installing from a clone (images, Secrets,
`helm install`, `helm test`), the profiles (`values-dev.yaml`, `values-production.yaml`),
the sizes a cluster needs, exposure and TLS, the click spool and upgrades: `charts/README.md`
in hop's repository."""

_SERVICE_INTRO = """One hop service, built on the library chart hop-service and installed through
the umbrella chart hop, where these values go under the service's name. The keys under
`global.serviceDefaults` are the library's defaults, shared by every service (a profile sets
them per environment; a key of the service's own wins over them)."""


def generated(root: Path = ROOT) -> dict[str, str]:
    """Return every generated file's text, keyed by its path relative to ``root``."""
    files: dict[str, str] = {}
    for service in ALL:
        chart = f"charts/{service.name}"
        current = _read(root / chart / "values.yaml")
        files[f"{chart}/Chart.yaml"] = thin_charts.chart_yaml(service)
        files[f"{chart}/templates/{service.name}.yaml"] = thin_charts.template()
        files[f"{chart}/values.yaml"] = thin_charts.values(current, service, ALL, root)
        files[f"{chart}/README.md"] = chart_readme.readme(
            files[f"{chart}/Chart.yaml"], files[f"{chart}/values.yaml"], _SERVICE_INTRO
        )
    hop = root / "charts" / "hop"
    files["charts/hop/Chart.yaml"] = umbrella.chart_yaml(ALL)
    files["charts/hop/values.yaml"] = umbrella.values((hop / "values.yaml").read_text(), ALL)
    schema = json.loads((hop / "values.schema.json").read_text())
    files["charts/hop/values.schema.json"] = umbrella.schema(schema, ALL)
    files["charts/hop/README.md"] = chart_readme.readme(
        files["charts/hop/Chart.yaml"], files["charts/hop/values.yaml"], _UMBRELLA_INTRO
    )
    files["skaffold.yaml"] = skaffold.skaffold_yaml(ALL, root)
    observability = "observability/hop_observability"
    files[f"{observability}/_services.py"] = lists.services_module(ALL)
    files[f"{observability}/dashboards/__init__.py"] = lists.boards_module(ALL)
    files["services/contracts/src/hop_contracts/_route_segments.py"] = lists.reserved_module(ALL)
    workspace = (root / "pyproject.toml").read_text()
    files["pyproject.toml"] = lists.workspace_pyproject(workspace, ALL)
    return files


def write(root: Path = ROOT) -> list[str]:
    """Write every generated file that differs; return their paths."""
    changed = [path for path, text in _write_all(root, generated(root)).items() if text]
    # The schemas read each chart's settings from the values.yaml just written.
    schemas = {
        f"charts/{service.name}/values.schema.json": chart_schemas.render(service.name)
        for service in ALL
    }
    changed += [path for path, text in _write_all(root, schemas).items() if text]
    return changed


def _write_all(root: Path, files: dict[str, str]) -> dict[str, bool]:
    written = {}
    for relative, text in files.items():
        path = root / relative
        written[relative] = _read(path) != text
        if written[relative]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return written


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None
