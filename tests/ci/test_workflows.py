"""The GitHub Actions workflows: valid for GitHub, clean for zizmor, calling .ci/run's verbs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hop_chart_helpers import find_uv

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
ZIZMOR = "zizmor==1.32.0"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
MAKE = re.compile(r"\bmake ([a-z][a-z-]*)")


def _load(path: Path) -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load(path.read_text())
    return workflow


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _make_verbs(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return MAKE.findall("\n".join(lines))


def test_workflows_ci_and_cluster_present() -> None:
    assert {"ci.yml", "cluster.yml"} <= {path.name for path in FILES}


def test_workflows_valid_against_github_workflow_schema() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_offline_default_persona_no_findings() -> None:
    # zizmor runs as a pinned uv tool (like checkov in tests/charts), in an environment of its own.
    uv = find_uv()
    assert uv, "run `make install` (or the tests through `uv run`) so zizmor can be installed"
    command = ["tool", "run", "--from", ZIZMOR, "zizmor", "--offline", "--format", "json"]
    done = subprocess.run(
        [uv, *command, str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = [(f["ident"], f["desc"]) for f in json.loads(done.stdout or "null") or []]
    assert (done.returncode, findings) == (0, []), done.stderr


def test_ci_workflow_runs_the_ci_run_verbs_in_order() -> None:
    expected = _make_verbs((ROOT / ".ci" / "run").read_text())
    assert expected == ["lint", "test"]
    runs = "\n".join(step.get("run", "") for step in _steps(_load(WORKFLOWS / "ci.yml")))
    assert _make_verbs(runs) == expected


def test_workflows_make_verbs_all_defined_in_makefile() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    for path in FILES:
        runs = "\n".join(step.get("run", "") for step in _steps(_load(path)))
        assert set(_make_verbs(runs)) <= targets, path.name


def test_workflows_actions_pinned_by_sha_with_version_comment() -> None:
    for path in FILES:
        uses = _uses_lines(path)
        assert uses, path.name
        for ref in uses:
            assert PINNED.match(ref), f"{path.name}: {ref}"


def _uses_lines(path: Path) -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]


def test_workflows_least_privilege_no_persisted_credentials_bounded() -> None:
    for path in FILES:
        workflow = _load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        assert workflow["concurrency"]["cancel-in-progress"] is True, path.name
        for job in workflow["jobs"].values():
            assert 0 < job["timeout-minutes"] <= 60, path.name
        checkouts = [
            s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout@")
        ]
        assert [s["with"]["persist-credentials"] for s in checkouts] == [False], path.name


def test_ci_workflow_services_where_the_tests_expect_them() -> None:
    services = _load(WORKFLOWS / "ci.yml")["jobs"]["test"]["services"]
    assert services["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert services["postgres"]["env"] == {
        "POSTGRES_HOST_AUTH_METHOD": "trust",
        "POSTGRES_DB": "test",
    }
    assert services["redis"]["ports"] == ["127.0.0.1:6379:6379"]


def test_cluster_workflow_runs_cluster_tests_against_the_deployed_release() -> None:
    workflow = _load(WORKFLOWS / "cluster.yml")
    job = workflow["jobs"]["kind"]
    assert job["env"]["HOP_CLUSTER_URL"].startswith("http://127.0.0.1:")
    runs = [step.get("run", "") for step in job["steps"]]
    order = [
        "tools/kind/install-tools",
        "kind create cluster",
        "tools/kind/load-images",
        "tools/kind/deploy",
        "pytest tests/cluster",
        "tools/kind/collect-diagnostics",
    ]
    positions = [next(i for i, run in enumerate(runs) if what in run) for what in order]
    assert positions == sorted(positions)
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["if"] for s in uploads] == ["failure()"]
    assert set(workflow[True]) == {"push", "pull_request", "workflow_dispatch"}
