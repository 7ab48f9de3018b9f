"""`make service NAME=<name>` makes a full citizen: in a copy of the repository, the new
service's own tests and mypy pass, the regenerated files are what `make generate` writes, and
the umbrella chart renders it with its Deployment, NetworkPolicy, ServiceMonitor and route."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import CHARTS, ROOT, WITH_CRDS, install_helm, of_kind, run_helm
from hop_generate.service import check_name
from hop_generate.testing import copy_repository, run_in_copy

NAME = "zq"


def _env(copy: Path) -> dict[str, str]:
    paths = [copy / "tools" / "local", copy / "tools", copy / "services" / NAME / "src"]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}


def _render(copy: Path) -> list[dict[str, Any]]:
    helm = install_helm()
    charts = [p.name for p in (copy / "charts").iterdir() if (p / "Chart.yaml").is_file()]
    for chart in sorted(charts, key=lambda c: c == "hop"):  # the umbrella last
        if chart != "hop-service":
            done = run_helm(helm, "dependency", "build", str(copy / "charts" / chart))
            assert done.returncode == 0, done.stderr
    done = run_helm(helm, "template", "hop", str(copy / "charts" / "hop"), *WITH_CRDS)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_repository(tmp_path_factory.mktemp("make-service") / "repo")
    done = run_in_copy(copy, "hop_generate.service", NAME)
    assert done.returncode == 0, done.stderr
    return copy


def _mypy_config(copy: Path, directory: Path) -> Path:
    """The copy's mypy settings, the shared packages read from this repository: `make lint`
    has checked (and cached) them there, so only the new service is checked afresh."""
    shared = [ROOT / "services" / name / "src" for name in ("instrumentation", "contracts")]
    paths = ", ".join(f'"{path}"' for path in [*shared, copy / "services" / NAME / "src"])
    text = (copy / "pyproject.toml").read_text()
    config = directory / "pyproject.toml"
    config.write_text(re.sub(r"^mypy_path = .*$", f"mypy_path = [{paths}]", text, flags=re.M))
    return config


def test_new_service_passes_its_tests_and_mypy_and_regenerates_clean(
    copy: Path, tmp_path: Path
) -> None:
    config = _mypy_config(copy, tmp_path)
    mypy = subprocess.Popen(  # in the background: the slowest check
        [sys.executable, "-m", "mypy", "--config-file", str(config),
         "--cache-dir", str(ROOT / ".mypy_cache"),
         f"services/{NAME}/src", f"services/{NAME}/tests"],
        cwd=copy, env=_env(copy), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    regenerated = run_in_copy(copy, "hop_generate", extra_path=(copy / "services" / NAME / "src",))
    assert (regenerated.returncode, regenerated.stdout) == (0, ""), regenerated.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"services/{NAME}/tests"],
        cwd=copy, env=_env(copy), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
    output, _ = mypy.communicate(timeout=120)
    assert mypy.returncode == 0, output


def test_new_service_renders_with_its_policy_monitor_and_route(copy: Path) -> None:
    objects = _render(copy)
    name = f"hop-{NAME}"
    for kind in ("Deployment", "Service", "NetworkPolicy", "ServiceMonitor", "ConfigMap"):
        assert name in of_kind(objects, kind), kind
    backends = {
        path["path"]: path["backend"]["service"]["name"]
        for ingress in of_kind(objects, "Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends[f"/api/v1/{NAME}"] == name
    skaffold = (copy / "skaffold.yaml").read_text()
    assert f"SERVICE: {NAME}" in skaffold
    assert f"{NAME}.image.repository" in skaffold
    assert (copy / "observability" / "hop_observability" / "dashboards" / f"{NAME}.py").is_file()
    assert not (CHARTS / NAME).exists()  # the repository itself is untouched


@pytest.mark.parametrize(
    ("name", "complaint"),
    [("Bad-Name", "is no service name"), ("links", "is taken"), ("contracts", "is taken")],
)
def test_make_service_refuses_a_bad_or_taken_name(name: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        check_name(name)
