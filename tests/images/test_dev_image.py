"""The dev target under the dev profile's pod spec: serves with the chart's args, reloads on sync.

What `skaffold dev` does, with Docker standing in for the kubelet: the init container copies the
image's source into a writable volume (devSync), the service container runs with the chart's
args over the dev image's entrypoint, and a file written into the volume (skaffold's sync)
restarts the service.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import CHARTS, ROOT, run_helm

pytestmark = pytest.mark.timeout(900)
SERVICE = "redirect"  # no database needed


def _pod(helm: Path) -> dict[str, Any]:
    done = run_helm(
        helm,
        "template",
        "hop",
        str(CHARTS / "hop"),
        "-n",
        "hop",
        "-f",
        str(CHARTS / "hop" / "values-dev.yaml"),
        "-f",
        str(ROOT / "k8s" / "values-sync.yaml"),
    )
    assert done.returncode == 0, done.stderr
    for obj in yaml.safe_load_all(done.stdout):
        if obj and obj["kind"] == "Deployment" and obj["metadata"]["name"] == f"hop-{SERVICE}":
            return dict(obj["spec"]["template"]["spec"])
    raise AssertionError("no redirect Deployment")


@pytest.fixture(scope="module")
def dev_image(docker: str) -> str:
    out = subprocess.run(
        [str(ROOT / "tools" / "build-images"), SERVICE],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "TAG": "devtarget", "BUILD_ARGS": "--target dev"},
    )
    return out.stdout.split()[-1]


def _docker(docker: str, *args: str) -> str:
    return subprocess.run([docker, *args], check=True, capture_output=True, text=True).stdout


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except OSError:
        return 0


def _readies(docker: str, name: str) -> int:
    """How often the service logged that it is ready (once per start)."""
    logs = subprocess.run([docker, "logs", name], capture_output=True, text=True, check=True)
    return (logs.stdout + logs.stderr).count("service ready")


def _wait_readies(docker: str, name: str, count: int, timeout: float = 60) -> int:
    """Wait until the service has logged that it is ready `count` times; return how often it did."""
    deadline = time.monotonic() + timeout
    while (seen := _readies(docker, name)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return seen


def _wait_live(url: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _status(url) == 200:
            return True
        time.sleep(0.2)
    return False


def test_dev_image_serves_with_chart_args_and_reloads_synced_file(
    docker: str, dev_image: str, helm: Path
) -> None:
    pod = _pod(helm)
    (copy,) = pod["initContainers"]
    (container,) = pod["containers"]
    source = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "source")
    volume, name = f"hop-dev-source-{uuid.uuid4().hex[:8]}", f"hop-dev-{uuid.uuid4().hex[:8]}"
    _docker(docker, "volume", "create", volume)
    try:
        # An emptyDir with fsGroup 10001 is writable by the pod's user; so is this volume.
        _docker(
            docker,
            "run",
            "--rm",
            "--user",
            "0",
            "--entrypoint",
            "chown",
            "-v",
            f"{volume}:/source",
            dev_image,
            "10001:10001",
            "/source",
        )
        _docker(
            docker,
            "run",
            "--rm",
            "--user",
            "10001:10001",
            "--read-only",
            "-v",
            f"{volume}:/source",
            "--entrypoint",
            copy["command"][0],
            dev_image,
            *copy["command"][1:],
        )
        _docker(
            docker,
            "run",
            "--detach",
            "--name",
            name,
            "--user",
            "10001:10001",
            "--read-only",
            "--tmpfs",
            "/tmp:uid=10001,gid=10001",
            "-v",
            f"{volume}:{source}",
            "--env",
            "HOP_CLICK_TRANSPORT=http",
            "--publish",
            "127.0.0.1::9000",
            dev_image,
            *container["args"],
        )
        port = _docker(docker, "port", name, "9000").split(":")[-1].strip()
        live = f"http://127.0.0.1:{port}/livez"
        assert _wait_live(live), _docker(docker, "logs", name)
        # /livez answers while the lifespan still starts up: wait for the ready line itself.
        started = _wait_readies(docker, name, 1)
        assert started == 1, _docker(docker, "logs", name)[-2000:]
        # skaffold's sync: a changed file lands in the source volume; watchfiles restarts serve.
        target = f"{source}/{SERVICE}/src/hop_{SERVICE}/_synced_by_test.py"
        _docker(docker, "exec", name, "sh", "-c", f"echo 'X = 1' > {target}")
        deadline = time.monotonic() + 60
        while _readies(docker, name) == started and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _readies(docker, name) == started + 1, _docker(docker, "logs", name)[-2000:]
        assert _wait_live(live)
    finally:
        subprocess.run([docker, "rm", "--force", name], capture_output=True, check=False)
        subprocess.run(
            [docker, "volume", "rm", "--force", volume], capture_output=True, check=False
        )
