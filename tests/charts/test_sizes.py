"""charts/README.md states what each profile requests; these numbers come from the renders."""

from __future__ import annotations

import re
from typing import Any

from hop_chart_helpers import CHARTS, PROFILES, Render, of_kind, serving

README = CHARTS / "README.md"
PROFILE_FILES = {
    "default": "values.yaml",
    "dev": "values-dev.yaml",
    "production": "values-production.yaml",
}
UNITS = {"": 1, "m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _quantity(value: str | int | float) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value)).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def _requests(deployment: dict[str, Any]) -> tuple[float, float]:
    """Return the CPU (cores) and memory (bytes) one pod of the Deployment requests."""
    spec = deployment["spec"]["template"]["spec"]
    containers = spec["containers"] + [
        c for c in spec.get("initContainers", []) if c.get("restartPolicy") == "Always"
    ]
    cpu = sum(_quantity(c["resources"]["requests"]["cpu"]) for c in containers)
    memory = sum(_quantity(c["resources"]["requests"]["memory"]) for c in containers)
    return cpu, memory


def _totals(objects: list[dict[str, Any]], key: str) -> tuple[int, float, float]:
    """Return pods, CPU and memory at the HPAs' minReplicas (key "minReplicas") or maxReplicas."""
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    pods, cpu, memory = 0, 0.0, 0.0
    for name, deployment in serving(objects).items():  # redirect's StatefulSet too
        replicas = hpas[name]["spec"][key] if name in hpas else deployment["spec"]["replicas"]
        pod_cpu, pod_memory = _requests(deployment)
        pods, cpu, memory = (
            pods + replicas,
            cpu + replicas * pod_cpu,
            memory + replicas * pod_memory,
        )
    return pods, cpu, memory


def _row(profile: str, objects: list[dict[str, Any]]) -> str:
    pods, cpu, memory = _totals(objects, "minReplicas")
    cells = [f"`{PROFILE_FILES[profile]}`", str(pods), f"{cpu:g} CPU", f"{memory / 2**20:g}Mi"]
    if of_kind(objects, "HorizontalPodAutoscaler"):
        most, most_cpu, most_memory = _totals(objects, "maxReplicas")
        cells.append(f"{most} pods, {most_cpu:g} CPU, {most_memory / 2**20:g}Mi")
    else:
        cells.append("no HPA")
    return "| " + " | ".join(cells) + " |"


def test_readme_states_each_profiles_requests(render: Render) -> None:
    text = README.read_text()
    for profile, args in PROFILES.items():
        row = _row(profile, render(*args))
        assert row in text, f"charts/README.md lacks (or misstates) the line:\n{row}"
