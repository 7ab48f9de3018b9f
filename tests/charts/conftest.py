"""Fixtures for the chart tests: the pinned helm (installed by tools/install-helm) and renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import CHARTS, PROFILES, Render, install_helm, run_helm


@pytest.fixture(scope="session")
def helm() -> Path:
    """The pinned helm; a missing tool is an error, never a skip."""
    return install_helm()


@pytest.fixture(scope="session")
def render(helm: Path) -> Render:
    """Return a function rendering the umbrella (or a chart) into a list of objects."""
    cache: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def _render(*args: str, chart: str = "hop") -> list[dict[str, Any]]:
        key = (chart, *args)
        if key not in cache:
            done = run_helm(helm, "template", "hop", str(CHARTS / chart), "-n", "hop", *args)
            assert done.returncode == 0, done.stderr
            cache[key] = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
        return cache[key]

    return _render


@pytest.fixture(scope="session", params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> str:
    """Each values profile of the umbrella chart."""
    return str(request.param)


@pytest.fixture(scope="session")
def objects(render: Render, profile: str) -> list[dict[str, Any]]:
    """Every object the umbrella renders in one profile."""
    return render(*PROFILES[profile])
