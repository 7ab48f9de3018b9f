"""charts/README.md's install commands work on a fresh clone exactly as written."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from hop_chart_helpers import CHARTS, PROFILES, SERVICES, Render, of_kind, serving

README = CHARTS / "README.md"
# Lines that need a cluster (or the network) are not run here: the cluster workflow does.
NEEDS_A_CLUSTER = re.compile(
    r"^(tools/install-helm|helm (install|upgrade|test|uninstall)|kubectl)\b"
)


def install_block() -> list[str]:
    """Return the lines of the bash block under "Install from a clone" that holds `helm install`."""
    section = README.read_text().split("## Install from a clone", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    (block,) = [b for b in blocks if "helm install" in b]
    return block.splitlines()


def _fresh_copy(tmp_path: Path) -> Path:
    """Copy charts/ as a clone has it: nothing vendored, no lock files."""
    root = tmp_path / "clone"
    shutil.copytree(CHARTS, root / "charts", ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    return root


def test_readme_block_builds_lints_renders_then_installs() -> None:
    commands = [line.split("#")[0].strip() for line in install_block()]
    helm = [c for c in commands if "helm " in c]
    assert [c.split()[1] if c.startswith("helm ") else "for" for c in helm] == [
        "for",
        "dependency",
        "lint",
        "template",
        "install",
        "test",
    ]
    # Every chart but the umbrella vendors its dependencies first; the umbrella comes last.
    assert "helm dependency build" in helm[0]
    assert re.search(r"for chart in charts/\*/;", helm[0])
    assert helm[1] == "helm dependency build charts/hop"


def test_readme_commands_on_a_fresh_copy_pass(helm: Path, tmp_path: Path) -> None:
    root = _fresh_copy(tmp_path)
    assert not list(root.glob("charts/*/charts"))
    (root / ".tools" / "bin").mkdir(parents=True)
    (root / ".tools" / "bin" / "helm").symlink_to(helm)
    runnable = [line for line in install_block() if not NEEDS_A_CLUSTER.match(line.strip())]
    script = "set -euo pipefail\n" + "\n".join(runnable) + "\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for chart in SERVICES:
        assert list((root / "charts" / chart / "charts").glob("hop-service-*.tgz")), chart


def test_first_try_creates_every_secret_the_production_profile_names(render: Render) -> None:
    """The TLS Secret was missing: Traefik served its self-signed default certificate."""
    section = README.read_text().split("## Install from a clone", 1)[1].split("\n## ", 1)[0]
    created = set(re.findall(r"kubectl create secret (?:generic|tls) ([\w-]+)", section))
    objects = render(*PROFILES["production"])
    ingresses = of_kind(objects, "Ingress").values()
    named = {tls["secretName"] for i in ingresses for tls in i["spec"].get("tls", [])}
    for deployment in serving(objects).values():  # redirect's StatefulSet too
        for volume in deployment["spec"]["template"]["spec"]["volumes"]:
            sources = volume.get("projected", {}).get("sources", [])
            named |= {source["secret"]["name"] for source in sources if "secret" in source}
    assert created == named
