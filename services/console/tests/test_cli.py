from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.process  # each test runs the CLI as a process of its own


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("HOP_")}
    return subprocess.run(
        [sys.executable, "-m", "hop_console", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_serve_with_bad_settings_exits_2_naming_the_variable_without_traceback() -> None:
    result = run_command("serve", HOP_PAGE_SIZE="0")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "Invalid settings for ConsoleSettings:\n"
        "  HOP_PAGE_SIZE: Input should be greater than or equal to 1 (got '0')\n"
    )


def test_cli_without_a_command_shows_serve() -> None:
    result = run_command()
    assert "serve" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
