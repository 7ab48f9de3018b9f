"""Every place that names hop's services agrees with the one list (``hop_local.services``).

Each service declares itself in its ``pyproject.toml`` (``[tool.hop]``); Python reads that
list. The files that cannot read it (YAML, JSON, shell lines, templates) are checked here,
one test per place: a failure names the file and the difference.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_local.services import (
    ALL,
    ROOT,
    SERVICES,
    Service,
    ServicePorts,
    by_name,
    callers_of,
    read_services,
)

CHARTS = ROOT / "charts"


def _yaml(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text())


def assert_names_services(place: str, found: Iterable[str]) -> None:
    """Fail naming ``place`` unless ``found`` holds every service and nothing else."""
    names = list(found)
    missing = [s for s in SERVICES if s not in names]
    unknown = [n for n in names if n not in SERVICES]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or repeated:
        pytest.fail(
            f"{place} names {names}; the services are {list(SERVICES)} "
            f"(missing {missing}, not a service {unknown}, repeated {repeated})"
        )


# The one list itself.


def test_services_are_the_folders_with_a_tool_hop_table_in_port_order() -> None:
    declared = sorted(
        path.parent.name
        for path in ROOT.glob("services/*/pyproject.toml")
        if "hop" in tomllib.loads(path.read_text()).get("tool", {})
    )
    assert sorted(SERVICES) == declared
    assert {"contracts", "instrumentation"}.isdisjoint(SERVICES)
    https = [service.ports.http for service in ALL]
    assert https == sorted(https)


def test_services_ports_are_all_different() -> None:
    ports = [port for s in ALL for port in (s.ports.http, s.ports.management, s.ports.internal)]
    assert len(ports) == len(set(ports)), ports


def test_read_services_reads_tables_skips_shared_packages_and_orders_by_port(
    tmp_path: Path,
) -> None:
    def declare(name: str, table: str) -> None:
        (tmp_path / "services" / name).mkdir(parents=True)
        (tmp_path / "services" / name / "pyproject.toml").write_text(table)

    declare("beta", "[tool.hop]\nports = {http = 2, management = 3, internal = 4}\ndatabase = true")
    declare(
        "alpha", "[tool.hop]\nports = {http = 5, management = 6, internal = 7}\ndatabase = false"
    )
    declare("shared", "[project]\nname = 'hop-shared'\n")
    assert read_services(tmp_path) == (
        Service("beta", ServicePorts(2, 3, 4), database=True),
        Service("alpha", ServicePorts(5, 6, 7), database=False),
    )


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ("ports = {http = 1}\ndatabase = true", "needs ports = { http = N, management = N"),
        ("ports = {http = 1, management = 2, internal = 3}", "and database = true|false"),
        ("ports = {http = 1, management = 2, internal = 3}\ndatabase = 'yes'", "write true or"),
    ],
)
def test_read_services_bad_table_names_the_file_and_the_fix(
    tmp_path: Path, table: str, complaint: str
) -> None:
    (tmp_path / "services" / "odd").mkdir(parents=True)
    (tmp_path / "services" / "odd" / "pyproject.toml").write_text(f"[tool.hop]\n{table}\n")
    with pytest.raises(ValueError, match=re.escape(complaint)) as caught:
        read_services(tmp_path)
    assert "services/odd/pyproject.toml" in str(caught.value)


def test_by_name_unknown_service_lists_the_services() -> None:
    assert by_name("links").command == "hop-links"
    with pytest.raises(KeyError, match="the services are links, redirect"):
        by_name("nope")


def test_assert_names_services_names_the_place_and_the_difference() -> None:
    with pytest.raises(pytest.fail.Exception) as caught:
        assert_names_services("some.yaml", [*SERVICES[1:], "nope", "nope"])
    message = str(caught.value)
    assert message.startswith("some.yaml names")
    assert (
        f"missing ['{SERVICES[0]}'], not a service ['nope', 'nope'], repeated ['nope']" in message
    )


# What each service folder implies.


@pytest.mark.parametrize("service", ALL, ids=SERVICES)
def test_service_has_its_package_command_and_chart(service: Service) -> None:
    folder = ROOT / "services" / service.name
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["name"] == service.command
    assert service.command in project["scripts"]
    assert (folder / "src" / service.package / "__init__.py").is_file()
    chart = _yaml(f"charts/{service.name}/Chart.yaml")
    values = _yaml(f"charts/{service.name}/values.yaml")
    assert chart["name"] == service.name
    assert values["image"]["repository"] == service.command


# The places that cannot read the list.


def test_workspace_pyproject_names_every_service_for_mypy_and_coverage() -> None:
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    shared = {"contracts", "instrumentation"}
    sources = [p.split("/")[1] for p in tool["mypy"]["mypy_path"] if p.startswith("services/")]
    assert_names_services("pyproject.toml [tool.mypy] mypy_path", set(sources) - shared)
    covered = [p.removeprefix("hop_") for p in tool["coverage"]["run"]["source"]]
    assert_names_services("pyproject.toml [tool.coverage.run] source", set(covered) - shared)


def test_skaffold_builds_one_artifact_per_service() -> None:
    (hop,) = [doc for doc in yaml.safe_load_all((ROOT / "skaffold.yaml").read_text()) if
              doc["metadata"]["name"] == "hop"]  # fmt: skip
    artifacts = hop["build"]["artifacts"]
    assert_names_services(
        "skaffold.yaml build.artifacts (SERVICE)",
        [a["docker"]["buildArgs"]["SERVICE"] for a in artifacts],
    )
    (release,) = hop["deploy"]["helm"]["releases"]
    assert_names_services(
        "skaffold.yaml setValueTemplates",
        {key.split(".")[0] for key in release["setValueTemplates"]},
    )
    (dev,) = [p for p in hop["profiles"] if p["name"] == "dev"]
    # Every service's image, then the charts' watch (no image of a service: test_skaffold.py).
    *dev_artifacts, charts = dev["build"]["artifacts"]
    assert charts["image"] == "hop-charts"
    assert [a["image"] for a in dev_artifacts] == [a["image"] for a in artifacts]
    assert {a["docker"]["target"] for a in dev_artifacts} == {"dev"}, "skaffold.yaml dev targets"
    for artifact in dev_artifacts:
        own = f"services/{artifact['docker']['buildArgs']['SERVICE']}/src/**/*.py"
        assert own in [rule["src"] for rule in artifact["sync"]["manual"]], artifact["image"]
    positional = [p["path"] for p in dev.get("patches", []) if "/build/artifacts/" in p["path"]]
    assert positional == [], "skaffold.yaml: no patch names an artifact by its position"


def test_release_workflow_lists_the_services_with_the_one_list() -> None:
    workflow = _yaml(".github/workflows/release.yml")
    (step,) = [s for s in workflow["jobs"]["services"]["steps"] if s.get("id") == "list"]
    command = re.fullmatch(r'echo "names=\$\((.+)\)" >> "\$GITHUB_OUTPUT"', step["run"].strip())
    assert command, step["run"]
    done = subprocess.run(command[1].split(), cwd=ROOT, capture_output=True, text=True, check=True)
    assert_names_services("release.yml's services job", json.loads(done.stdout))


def test_umbrella_chart_depends_on_every_service_chart() -> None:
    chart = _yaml("charts/hop/Chart.yaml")
    assert_names_services(
        "charts/hop/Chart.yaml dependencies", [d["name"] for d in chart["dependencies"]]
    )
    for dependency in chart["dependencies"]:
        assert dependency["repository"] == f"file://../{dependency['name']}"


def _service_keys(document: dict[str, Any], others: set[str]) -> list[str]:
    return [key for key in document if key not in others]


UMBRELLA_KEYS = {"global", "routes", "exposure", "dashboards", "prometheusRule", "smokeTest"}


def test_umbrella_values_and_schema_have_a_key_per_service() -> None:
    values = _yaml("charts/hop/values.yaml")
    assert_names_services("charts/hop/values.yaml", _service_keys(values, UMBRELLA_KEYS))
    schema = json.loads((CHARTS / "hop" / "values.schema.json").read_text())
    properties = schema["properties"]
    assert_names_services(
        "charts/hop/values.schema.json properties", _service_keys(properties, UMBRELLA_KEYS)
    )
    assert_names_services(
        "charts/hop/values.schema.json routes' service enum",
        properties["routes"]["additionalProperties"]["enum"],
    )


@pytest.mark.parametrize(
    "profile",
    [
        "charts/hop/values-dev.yaml",
        "charts/hop/values-production.yaml",
        "k8s/values-sync.yaml",
        "k8s/values-production-kind.yaml",
    ],
)
def test_values_profile_names_only_services(profile: str) -> None:
    """A profile's defaults live under global.serviceDefaults; a block per service is optional."""
    named = _service_keys(_yaml(profile), UMBRELLA_KEYS)
    assert set(named) <= set(SERVICES), f"{profile} names {named}; the services are {SERVICES}"


def test_callers_are_derived_from_callees() -> None:
    for service in ALL:
        values = _yaml(f"charts/{service.name}/values.yaml")["networkPolicy"]
        assert values["callers"] == callers_of(service.name, "http")
        assert values["internalCallers"] == callers_of(service.name, "internal")
        assert values["callees"] == service.callees("http")
        assert values["internalCallees"] == service.callees("internal")
    assert callers_of("links", "internal") == ["redirect", "analytics", "console"]
    assert callers_of("analytics", "http") == ["console"]


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ('calls = { nope = ["http"] }', "calls ['nope'], which are no services"),
        ('calls = { links = ["admin"] }', "write the services it calls and on which ports"),
        ("routes = ['api']", 'write a list of path prefixes starting with "/"'),
    ],
)
def test_read_services_bad_registry_entry_names_the_fix(
    tmp_path: Path, table: str, complaint: str
) -> None:
    ports = "ports = {http = 1, management = 2, internal = 3}\ndatabase = false"
    for name, extra in (("links", ""), ("odd", table)):
        (tmp_path / "services" / name).mkdir(parents=True)
        (tmp_path / "services" / name / "pyproject.toml").write_text(
            f"[tool.hop]\n{ports}\n{extra}\n".replace("http = 1", f"http = {len(name)}")
        )
    with pytest.raises(ValueError, match=re.escape(complaint)):
        read_services(tmp_path)
