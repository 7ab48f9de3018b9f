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


# The first major of each action that runs on node24 (GitHub removed node20 in September 2026).
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/attest-build-provenance": 3,
    "actions/download-artifact": 7,
}


def test_workflows_ci_cluster_release_and_bench_present() -> None:
    assert {"ci.yml", "cluster.yml", "release.yml", "bench.yml"} <= {p.name for p in FILES}


def test_bench_workflow_runs_redirect_benchmarks_with_the_multicore_phase() -> None:
    # On the 4-vCPU hosted runners, not the 2 shared cores the scaling target cannot show on.
    steps = _steps(_load(WORKFLOWS / "bench.yml"))
    runs = [step.get("run", "") for step in steps]
    assert _make_verbs("\n".join(runs)) == ["bench-redirect", "bench-redirect-miss"]
    assert not any("--skip" in run or "BENCH_REDIRECT_ARGS" in run for run in runs)
    # The default shell has no pipefail: a failed benchmark piped to tee would pass.
    assert all(step.get("shell") == "bash" for step in steps if "| tee" in step.get("run", ""))


def test_workflows_actions_on_node24_majors() -> None:
    for path in FILES:
        for ref in _uses_lines(path):
            action, comment = ref.split("@", 1)[0], ref.rsplit("# v", 1)[1]
            assert action in NODE24_MAJORS, f"{path.name}: {action} has no known node24 major"
            assert int(comment.split(".")[0]) >= NODE24_MAJORS[action], f"{path.name}: {ref}"


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
        assert checkouts, path.name
        assert all(s["with"]["persist-credentials"] is False for s in checkouts), path.name


def test_ci_workflow_services_where_the_tests_expect_them() -> None:
    services = _load(WORKFLOWS / "ci.yml")["jobs"]["test"]["services"]
    assert services["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert services["postgres"]["env"] == {
        "POSTGRES_HOST_AUTH_METHOD": "trust",
        "POSTGRES_DB": "test",
    }
    assert services["redis"]["ports"] == ["127.0.0.1:6379:6379"]


def test_cluster_workflow_make_cluster_skaffold_then_tests_for_every_variant() -> None:
    workflow = _load(WORKFLOWS / "cluster.yml")
    job = workflow["jobs"]["kind"]
    variants = {v["variant"]: v for v in job["strategy"]["matrix"]["include"]}
    assert set(variants) == {"dev", "production", "httproute"}
    assert variants["production"]["url"].startswith("https://")
    assert variants["dev"]["observability"] == "1"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    order = [
        "make cluster",
        "skaffold run",
        "pytest tests/cluster",
        "k8s/collect-diagnostics",
    ]
    positions = [runs.index(what) for what in order]
    assert positions == sorted(positions)
    # kubernetes-sigs/kind#3795: `kind load docker-image` fails with the containerd image store.
    assert "load docker-image" not in runs
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["if"] for s in uploads] == ["failure()"]
    assert set(workflow[True]) == {"push", "pull_request", "workflow_dispatch"}


def test_release_workflow_multi_arch_images_chart_oci_signed_provenance() -> None:
    workflow = _load(WORKFLOWS / "release.yml")
    assert list(workflow[True]) == ["push"]
    assert workflow[True]["push"]["tags"]
    images, chart = workflow["jobs"]["images"], workflow["jobs"]["chart"]
    # One image per service, as tools/local/hop_local/services.py lists them.
    assert images["needs"] == ["test", "services"]
    matrix = images["strategy"]["matrix"]["service"]
    assert matrix == "${{ fromJSON(needs.services.outputs.names) }}"
    build = "\n".join(step.get("run", "") for step in images["steps"])
    assert "--platform linux/amd64,linux/arm64" in build
    assert "--push" in build
    assert "ghcr.io/" in build
    publish = "\n".join(step.get("run", "") for step in chart["steps"])
    # The charts are vendored as charts/README.md's install commands do it.
    readme = (ROOT / "charts" / "README.md").read_text()
    (vendor,) = [line for line in readme.splitlines() if line.startswith("for chart in")]
    assert vendor.replace("helm ", '"$helm" ') in publish
    assert '"$helm" dependency build charts/hop' in publish
    assert '"$helm" push' in publish
    assert "oci://ghcr.io/" in publish
    for job in (images, chart):
        assert job["permissions"] == {
            "contents": "read",
            "packages": "write",
            "id-token": "write",
            "attestations": "write",
        }
        attests = [
            s
            for s in job["steps"]
            if s.get("uses", "").startswith("actions/attest-build-provenance@")
        ]
        assert [s["with"]["push-to-registry"] for s in attests] == [True]
