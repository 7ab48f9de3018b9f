"""`make cluster` and `skaffold dev` on the machines developers have (issue 23, case 12)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SKAFFOLD = ROOT / "skaffold.yaml"
# Flags GNU coreutils/sed have and macOS' BSD tools lack.
GNU_ONLY = re.compile(
    r"base64 (--wrap|-w)|sha256sum --check|--quiet --strict|readlink -f|sed -i ['\"]?s"
)
RECORDING = """#!/bin/sh
echo "$0 $*" >> "$CALLS"
case "$(basename "$0")" in
  uname) [ "$1" = -s ] && echo "$FAKE_OS" || echo "$FAKE_ARCH" ;;
  curl) exit 22 ;;
esac
"""


def _configs() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(SKAFFOLD.read_text())}


def _profile(name: str, config: str = "hop") -> dict[str, Any]:
    (profile,) = [p for p in _configs()[config]["profiles"] if p["name"] == name]
    return dict(profile)


@pytest.mark.parametrize(
    ("os_name", "arch", "platform"),
    [("Darwin", "arm64", "darwin/arm64"), ("Linux", "aarch64", "linux/arm64"),
     ("Darwin", "x86_64", "darwin/amd64")],
)  # fmt: skip
def test_install_tools_fetches_the_binaries_of_this_platform(
    tmp_path: Path, os_name: str, arch: str, platform: str
) -> None:
    """A stand-in uname and curl: the first download asked for is this platform's kubectl."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("uname", "curl"):
        (bin_dir / name).write_text(RECORDING)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    copy = tmp_path / "repo" / "k8s"
    copy.mkdir(parents=True)
    (copy / "install-tools").write_bytes((K8S / "install-tools").read_bytes())
    (copy / "install-tools").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls),
           "FAKE_OS": os_name, "FAKE_ARCH": arch}  # fmt: skip
    done = subprocess.run(
        [str(copy / "install-tools")], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0  # the stand-in curl fails the download
    (download,) = [c for c in calls.read_text().splitlines() if c.split()[0].endswith("curl")]
    assert f"https://dl.k8s.io/release/v1.33.9/bin/{platform}/kubectl" in download
    assert "npm" not in calls.read_text()


def test_cluster_scripts_use_no_gnu_only_flags() -> None:
    for path in [K8S / "cluster", K8S / "install-tools", K8S / "load-prepare"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not GNU_ONLY.search(line), f"{path.name}:{number}: {line}"
    readme = (ROOT / "charts" / "README.md").read_text()
    for block in re.findall(r"```bash\n(.*?)```", readme, re.S):
        assert not GNU_ONLY.search(block), block


def test_grafana_port_forward_only_with_the_observability_stack() -> None:
    """The dev profile forwarded Grafana, which only -p observability deploys: endless retries."""
    dev = _profile("dev")["portForward"]
    assert [f["namespace"] for f in dev] == ["traefik"]
    (grafana,) = _profile("observability")["portForward"]
    assert grafana["resourceName"] == "kube-prometheus-stack-grafana"
    stack = _profile("observability", "observability")["deploy"]["helm"]["releases"]
    assert "kube-prometheus-stack" in [r["name"] for r in stack]


def test_console_templates_and_static_files_synced() -> None:
    """Every service's templates and static files too (the generator adds them per package)."""
    artifacts = [a for a in _profile("dev")["build"]["artifacts"] if "docker" in a]
    rules = {a["docker"]["buildArgs"]["SERVICE"]: a["sync"]["manual"] for a in artifacts}
    assert "console" in rules
    for service, manual in rules.items():
        synced = {p for rule in manual for p in ROOT.glob(rule["src"])}
        package = ROOT / "services" / service / "src" / f"hop_{service}"
        for folder in ("templates", "static"):
            if service != "console" and not (package / folder).is_dir():
                continue
            files = {p for p in (package / folder).iterdir() if p.is_file()}
            assert files, (service, folder)
            assert files <= synced, (service, folder)


def test_tempo_from_the_maintained_community_repository() -> None:
    """grafana/helm-charts stopped publishing tempo in January 2026 (grafana-community took it)."""
    releases = _profile("observability", "observability")["deploy"]["helm"]["releases"]
    (tempo,) = [r for r in releases if r["name"] == "tempo"]
    assert tempo["repo"] == "https://grafana-community.github.io/helm-charts"


def test_images_reach_kind_through_the_local_registry() -> None:
    """`kind load docker-image` fails with Docker's containerd image store (kind#3795)."""
    assert "push" not in _configs()["hop"]["build"]["local"]  # skaffold pushes where configured
    assert "push" not in _profile("dev")["build"]["local"]  # the dev profile's own build too
    script = (K8S / "cluster").read_text()
    port = re.search(r"^registry_port=(\d+)$", script, re.M).group(1)  # type: ignore[union-attr]
    assert 'default-repo "localhost:$registry_port"' in script
    assert "local-cluster false" in script
    kind = yaml.safe_load((K8S / "kind.yaml").read_text())
    (patch,) = kind["containerdConfigPatches"]
    assert 'config_path = "/etc/containerd/certs.d"' in patch
    assert port == "5001"


def test_one_namespace_for_the_dev_cluster() -> None:
    """HOP_NAMESPACE moved k8s/cluster's objects but not skaffold's release or k8s/'s manifests."""
    script = (K8S / "cluster").read_text()
    assert re.search(r"^namespace=hop\b", script, re.M)
    for path in (K8S / "cluster", K8S / "load-prepare"):
        assert "HOP_NAMESPACE" not in path.read_text(), path.name
    (release,) = _configs()["hop"]["deploy"]["helm"]["releases"]
    assert release["namespace"] == "hop"
    for path in K8S.glob("*.yaml"):
        for obj in yaml.safe_load_all(path.read_text()):
            namespace = (obj or {}).get("metadata", {}).get("namespace")
            assert namespace in {None, "hop", "traefik", "monitoring"}, (path.name, namespace)
