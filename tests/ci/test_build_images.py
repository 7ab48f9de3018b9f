"""tools/build-images: tags for a registry and pushes, as charts/README.md's clone install needs.

A stand-in `docker` on PATH records what the real script asks of the engine (the images are
built for real by tests/images).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKE_DOCKER = """#!/bin/sh
echo "$*" >> "$DOCKER_LOG"
exit 0
"""


def _build(tmp_path: Path, **env: str) -> tuple[list[str], list[str]]:
    """Run tools/build-images links with a recording docker; return its lines and the calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("docker", "dockerd"):
        (bin_dir / name).write_text(FAKE_DOCKER)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "docker.log"
    log.write_text("")
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        [str(ROOT / "tools" / "build-images"), "links"],
        env={**os.environ, "PATH": path, "DOCKER_LOG": str(log), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split(), log.read_text().splitlines()


def test_default_tags_local_images_and_pushes_nothing(tmp_path: Path) -> None:
    printed, calls = _build(tmp_path)
    assert printed == ["hop-links:dev"]
    assert not [c for c in calls if c.startswith("push")]


def test_registry_prefix_and_push(tmp_path: Path) -> None:
    printed, calls = _build(
        tmp_path, IMAGE_REGISTRY="registry.example.com/hop/", TAG="0.1.0", PUSH="1"
    )
    assert printed == ["registry.example.com/hop/hop-links:0.1.0"]
    (build,) = [c for c in calls if c.startswith("build") and "SERVICE=links" in c]
    assert "--tag registry.example.com/hop/hop-links:0.1.0" in build
    assert [c for c in calls if c.startswith("push")] == [
        "push --quiet registry.example.com/hop/hop-links:0.1.0"
    ]


def test_registry_base_images_skip_debootstrap(tmp_path: Path) -> None:
    _, calls = _build(tmp_path, BASE="registry")
    (build,) = [c for c in calls if c.startswith("build ")]
    assert "--build-arg BASE_IMAGE=python:3.11-slim" in build
    assert "--build-arg UV_IMAGE=ghcr.io/astral-sh/uv:" in build
    assert not [c for c in calls if c.startswith(("import", "image inspect"))]
