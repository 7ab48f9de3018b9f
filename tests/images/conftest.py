"""Fixtures for the image tests: a running Docker engine, the built images, the pinned helm."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hop_chart_helpers import ROOT, install_helm


@pytest.fixture(scope="session")
def docker() -> str:
    """Start the engine when none answers (tools/ensure-docker); return the BuildKit client."""
    out = subprocess.run(
        [str(ROOT / "tools" / "ensure-docker")], check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def images(docker: str) -> dict[str, str]:
    """Build the three runtime images once (base images made locally when missing)."""
    out = subprocess.run(
        [str(ROOT / "tools" / "build-images")],
        check=True,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "TAG": "test"},
    )
    tags = out.stdout.split()
    return {tag.split(":")[0].removeprefix("hop-"): tag for tag in tags}


@pytest.fixture(scope="session")
def helm() -> Path:
    """The pinned helm."""
    return install_helm()
