"""Shared helpers of the chart tests (imported by tests/charts and tests/images)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hop_local.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "charts"
# The APIs of the CRDs hop's objects need; `helm template` renders those objects only when told
# the cluster serves them (a real install asks the cluster).
CRD_APIS = (
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
    "gateway.networking.k8s.io/v1/HTTPRoute",
    "traefik.io/v1alpha1/Middleware",
)
WITH_CRDS = tuple(arg for api in CRD_APIS for arg in ("--api-versions", api))
PROFILES = {
    "default": WITH_CRDS,
    "dev": ("-f", str(CHARTS / "hop" / "values-dev.yaml"), *WITH_CRDS),
    "production": ("-f", str(CHARTS / "hop" / "values-production.yaml"), *WITH_CRDS),
}
# `helm lint` takes the values files only (it has no --api-versions).
LINT_PROFILES = {
    name: tuple(a for a in args if a not in WITH_CRDS) for name, args in PROFILES.items()
}
Render = Callable[..., list[dict[str, Any]]]


@functools.cache
def install_helm() -> Path:
    """Install the pinned helm with tools/install-helm and build the charts' dependencies.

    Once a session: every chart, CI and image test asks for it (about 5 s a time).
    """
    out = subprocess.run(
        [str(ROOT / "tools" / "install-helm")], check=True, capture_output=True, text=True
    )
    binary = Path(out.stdout.strip().splitlines()[-1])
    for chart in (*SERVICES, "hop"):
        subprocess.run(
            [str(binary), "dependency", "build", str(CHARTS / chart)],
            check=True,
            capture_output=True,
        )
    return binary


def find_uv() -> str | None:
    """Return uv: $UV (set by `uv run`), the one on PATH, or the one `make install` pins."""
    pinned = ROOT / ".tools" / "bin" / "uv"
    return os.environ.get("UV") or shutil.which("uv") or (str(pinned) if pinned.exists() else None)


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run helm and return the finished process (never raises on a failed command)."""
    return subprocess.run([str(helm), *args], capture_output=True, text=True, check=False)


def workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the Deployments, StatefulSets and Jobs."""
    return [o for o in objects if o["kind"] in {"Deployment", "StatefulSet", "Job"}]


def serving(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the serving workloads by name: Deployments, and StatefulSets (a persistent spool)."""
    return {**of_kind(objects, "Deployment"), **of_kind(objects, "StatefulSet")}


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Return the objects of one kind by name."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}
