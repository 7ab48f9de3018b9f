"""Benchmark: image sizes, and container start to /readyz 200 under the chart's security context.

    make bench-images           # or: tools/build-images && uv run python bench/images.py

Runs each service image (tag ``TAG``, default "dev", as tools/build-images makes them from
the root Dockerfile with ``--build-arg SERVICE=<service>``) read-only, as user 10001, with
every capability dropped and a tmpfs /tmp, like the chart's Deployment; the services with a
database migrate SQLite at startup. Measures from
``docker run`` until the management port answers 200, three times each (the first start
pays for a cold page cache).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hop_instrumentation.testing import free_ports, wait_for_http

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "local"))

from hop_local.services import SERVICES  # every service, from the registry

TAG = os.environ.get("TAG", "dev")


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


def start_to_ready(image: str) -> float:
    port, management = free_ports(2)
    name = f"hop-bench-{port}"
    started = time.monotonic()
    docker(
        "run", "-d", "--rm", "--name", name, "--read-only", "--tmpfs", "/tmp",  # noqa: S108 - the container's own tmpfs
        "--user", "10001:10001", "--cap-drop", "ALL", "--network", "host",
        "-e", "HOP_HOST=127.0.0.1", "-e", f"HOP_HTTP_PORT={port}",
        "-e", f"HOP_MANAGEMENT_PORT={management}",
        "-e", "HOP_DATABASE_URL=sqlite+aiosqlite:////tmp/hop.db", "-e", "HOP_RUN_MIGRATIONS=true",
        image,
    )  # fmt: skip
    try:
        wait_for_http(f"http://127.0.0.1:{management}/readyz", timeout=30.0, interval=0.02)
        return time.monotonic() - started
    finally:
        docker("stop", "-t", "10", name)


def main() -> None:
    for service in SERVICES:
        image = f"hop-{service}:{TAG}"
        size = int(docker("image", "inspect", "--format", "{{.Size}}", image)) / 1e6
        runs = [start_to_ready(image) for _ in range(3)]
        shown = " / ".join(f"{run:.2f}" for run in runs)
        print(f"{image:24} {size:6.0f} MB   start to /readyz 200: {shown} s")


if __name__ == "__main__":
    main()
