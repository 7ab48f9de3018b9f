"""The cluster workflow runs `skaffold dev` with a scripted edit, and charts/README.md verbatim."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "cluster.yml"
README = ROOT / "charts" / "README.md"
SKAFFOLD = ROOT / "skaffold.yaml"


def _job(name: str) -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"][name]
    return job


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_dev_loop_job_runs_skaffold_dev_and_asserts_a_synced_edit() -> None:
    runs = _runs(_job("dev-loop"))
    assert runs.index("make cluster") < runs.index("k8s/check-dev-loop")
    script = (ROOT / "k8s" / "check-dev-loop").read_text()
    assert "skaffold dev " in script
    edited = re.search(r'^edited="\$root/(\S+)"', script, re.M).group(1)  # type: ignore[union-attr]
    configs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(SKAFFOLD.read_text())}
    (dev,) = [p for p in configs["hop"]["profiles"] if p["name"] == "dev"]
    synced = {
        path
        for artifact in dev["build"]["artifacts"]
        if "sync" in artifact
        for rule in artifact["sync"]["manual"]
        for path in ROOT.glob(rule["src"])
    }
    assert ROOT / edited in synced
    for check in ("Syncing 1 files", 'grep -c "Building \\[', "$(pods)"):
        assert check in script, check


def test_dev_loop_job_edits_the_library_and_a_thin_chart_and_waits_for_the_redeploy() -> None:
    """The files check-dev-loop writes are ones the dev profile's charts artifact watches."""
    script = (ROOT / "k8s" / "check-dev-loop").read_text()
    configs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(SKAFFOLD.read_text())}
    (dev,) = [p for p in configs["hop"]["profiles"] if p["name"] == "dev"]
    (charts,) = [a for a in dev["build"]["artifacts"] if "custom" in a]
    watched = {
        ROOT / charts["context"] / path for path in charts["custom"]["dependencies"]["paths"]
    }
    written = {
        name: ROOT / path for name, path in re.findall(r'^(\w+_file)="\$root/(\S+)"', script, re.M)
    }
    assert set(written) == {"library_file", "thin_file"}
    assert written["library_file"].parent.parent == ROOT / "charts" / "hop-service"
    assert written["thin_file"].parent.parent == ROOT / "charts" / "redirect"
    for path in written.values():
        assert any(root in path.parents for root in watched), path
    assert 'rm -f "$library_file" "$thin_file"' in script  # the cleanup removes both
    # The library's edit alone must reach the cluster: the value the ConfigMap carries changes.
    assert script.index("wait_for_value first") < script.index("library_define second")
    assert script.index("library_define second") < script.index("wait_for_value second")


def test_readme_job_runs_the_install_section_on_a_bare_cluster_with_a_registry() -> None:
    runs = _runs(_job("readme"))
    assert runs.index("k8s/cluster bare") < runs.index(
        "k8s/readme-install localhost:5001/hop | bash"
    )
    assert "skaffold" not in runs


def test_readme_install_is_the_readme_word_for_word() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "k8s" / "readme-install"), "localhost:5001/hop"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    section = README.read_text().split("## Install from a clone", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    readme = [line for block in blocks for line in block.splitlines() if line]
    script = [line for line in done.stdout.splitlines() if line]
    assert script[0] == "set -euo pipefail"
    (registry,) = [i for i, line in enumerate(readme) if line.startswith("export REGISTRY=")]
    assert script[1 + registry].startswith("export REGISTRY=localhost:5001/hop ")
    del script[1 + registry], readme[registry]
    assert script[1:] == readme
    assert "helm install" in done.stdout
    assert "helm test" in done.stdout


def test_readme_images_tagged_with_the_charts_app_version() -> None:
    chart = yaml.safe_load((ROOT / "charts" / "hop" / "Chart.yaml").read_text())
    section = README.read_text().split("## Install from a clone", 1)[1].split("\n## ", 1)[0]
    blocks = "".join(re.findall(r"```bash\n(.*?)```", section, re.S))
    (tag,) = set(re.findall(r"\bTAG=(\S+)", blocks))
    assert tag == chart["appVersion"]
