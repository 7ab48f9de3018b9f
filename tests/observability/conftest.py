"""Fixtures of the observability tests: promtool and the dashboards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hop_e2e_tools import debian_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def promtool() -> str:
    """promtool from Debian's prometheus package (installed on a fresh machine)."""
    return debian_tool("promtool", "prometheus")


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict[str, Any]]:
    """The committed dashboards by title."""
    folder = ROOT / "charts" / "hop" / "files" / "dashboards"
    boards = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    return {board["title"]: board for board in boards}
