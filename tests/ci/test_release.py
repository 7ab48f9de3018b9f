"""The release: gated by the tests, the chart pinned to the digests it built; pipefail."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import SERVICES, install_helm

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
# A pipe between two commands (not `||`, not inside a jq filter's quotes).
PIPE = re.compile(r"(?<![|'\"])\|(?![|])\s*[\w\"$.]")


def _load(name: str) -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return workflow


def _unquoted(script: str) -> str:
    return re.sub(r"'[^'\n]*'", "''", script)


def _pipefail_missing(workflow: dict[str, Any]) -> list[str]:
    """Return the names of steps piping commands under a shell without pipefail."""
    default = workflow.get("defaults", {}).get("run", {}).get("shell")
    missing: list[str] = []
    for job in workflow["jobs"].values():
        job_default = job.get("defaults", {}).get("run", {}).get("shell", default)
        for step in job.get("steps", []):
            script = step.get("run", "")
            # GitHub runs `shell: bash` as `bash -eo pipefail`; the default shell has no pipefail.
            shell = step.get("shell", job_default)
            has_pipe = PIPE.search(_unquoted(script))
            if has_pipe and shell != "bash" and "set -o pipefail" not in script:
                missing.append(step.get("name", script))
    return missing


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_pipe_runs_with_pipefail(name: str) -> None:
    assert _pipefail_missing(_load(name)) == []


def test_pipefail_check_catches_a_tee_under_the_default_shell() -> None:
    step = {"name": "push", "run": 'helm push chart.tgz oci://x 2>&1 | tee "$RUNNER_TEMP/p.txt"'}
    workflow = {"jobs": {"chart": {"steps": [step]}}}
    assert _pipefail_missing(workflow) == ["push"]
    assert _pipefail_missing({**workflow, "defaults": {"run": {"shell": "bash"}}}) == []


def test_release_runs_only_after_the_ci_tests_pass() -> None:
    release, ci = _load("release.yml"), _load("ci.yml")
    assert release["jobs"]["test"] == ci["jobs"]["test"]
    runs = [s.get("run", "") for s in release["jobs"]["test"]["steps"]]
    assert "make lint" in runs
    assert any("make test" in run for run in runs)
    assert "test" in release["jobs"]["images"]["needs"]
    assert release["jobs"]["chart"]["needs"] == "images"


def test_release_pins_the_chart_to_the_digests_the_image_jobs_pushed() -> None:
    jobs = _load("release.yml")["jobs"]
    uploads = [s for s in jobs["images"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert [s["with"]["name"] for s in uploads] == ["digest-${{ matrix.service }}"]
    chart_steps = jobs["chart"]["steps"]
    (download,) = [s for s in chart_steps if "download-artifact" in s.get("uses", "")]
    assert download["with"]["pattern"] == "digest-*"
    script = "\n".join(s.get("run", "") for s in chart_steps)
    assert script.index("tools/pin-image-digests") < script.index("package charts/hop")


def _copy(tmp_path: Path) -> Path:
    """Copy what tools/pin-image-digests reads and writes: charts, tools, the services' lists."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "charts", copy / "charts", ignore=shutil.ignore_patterns("*.tgz"))
    shutil.copytree(ROOT / "tools", copy / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    for project in ROOT.glob("services/*/pyproject.toml"):
        (copy / project.parent.relative_to(ROOT)).mkdir(parents=True)
        shutil.copy(project, copy / project.relative_to(ROOT))
    return copy


def test_pin_image_digests_pins_every_service(tmp_path: Path) -> None:
    """Run tools/pin-image-digests on a copy of the repository's charts; render the result."""
    copy = _copy(tmp_path)
    digests = tmp_path / "digests"
    digests.mkdir()
    expected = {}
    for index, service in enumerate(SERVICES):
        expected[service] = f"sha256:{index:064x}"
        (digests / service).write_text(expected[service] + "\n")
    subprocess.run([str(copy / "tools" / "pin-image-digests"), str(digests)], check=True)
    helm = install_helm()
    for service in SERVICES:
        subprocess.run(
            [str(helm), "dependency", "build", str(copy / "charts" / service)], check=True
        )
    subprocess.run([str(helm), "dependency", "build", str(copy / "charts" / "hop")], check=True)
    done = subprocess.run(
        [str(helm), "template", "hop", str(copy / "charts" / "hop")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    objects = [o for o in yaml.safe_load_all(done.stdout) if o and o["kind"] == "Deployment"]
    images = {o["metadata"]["name"]: o["spec"]["template"]["spec"]["containers"][0]["image"]
              for o in objects}  # fmt: skip
    assert images == {f"hop-{s}": f"hop-{s}:0.1.0@{expected[s]}" for s in SERVICES}


def test_pin_image_digests_refuses_a_missing_or_bad_digest(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "links").write_text("latest\n")
    done = subprocess.run(
        [str(copy / "tools" / "pin-image-digests"), str(digests)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert 'holds "latest", not an image digest' in done.stderr
