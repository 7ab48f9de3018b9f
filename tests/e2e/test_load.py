"""`make load`'s Locust file runs against the edge without a single failed request."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hop_e2e_stack import RunningStack, hermetic_env
from hop_local.stack import executable

pytestmark = pytest.mark.process

LOCUSTFILE = Path(__file__).resolve().parents[2] / "load" / "locustfile.py"


def test_locustfile_against_the_edge_no_failures(hop: RunningStack, tmp_path: Path) -> None:
    env = hermetic_env(HOP_API_KEY=hop.key, HOP_LOAD_SEED_LINKS="20")
    done = subprocess.run(
        [
            executable("locust"),
            *("-f", str(LOCUSTFILE), "--headless", "--only-summary", "--host", hop.edge),
            *("--users", "12", "--spawn-rate", "12", "--run-time", "6s", "--stop-timeout", "5"),
            *("--csv", str(tmp_path / "load")),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = (tmp_path / "load_stats.csv").read_text().splitlines()
    names = {row.split(",")[1] for row in rows[1:]}
    assert {"/{code}", "/{code} (bot)", "Aggregated"} <= names
    assert "hop load: " in done.stdout + done.stderr
