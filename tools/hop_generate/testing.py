"""Test helpers: a throwaway copy of the repository (tracked and new files) to generate in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hop_local.services import ROOT

__all__ = ["copy_repository", "run_in_copy"]


def copy_repository(destination: Path) -> Path:
    """Copy every file git tracks or would add (no .venv, .tools, caches) to ``destination``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = destination / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def run_in_copy(
    copy: Path, *args: str, extra_path: tuple[Path, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <args>`` in ``copy``, its tools (and ``extra_path``) importable."""
    paths = [copy / "tools" / "local", copy / "tools", *extra_path]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
