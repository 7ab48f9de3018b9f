"""The programs the tests run are the ones tools/install-test-tools installs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hop_e2e_tools import INSTALLER, debian_tool

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r'debian_tool\("([\w.-]+)", "([\w.-]+)"\)')


def _installed() -> set[tuple[str, str]]:
    block = INSTALLER.read_text().split("needs=(", 1)[1].split("\n)", 1)[0]
    return {
        (program, package)
        for program, package in re.findall(r'^\s*"([\w.-]+) ([\w.-]+)"', block, re.MULTILINE)
    }


def test_installer_installs_every_program_a_test_asks_for() -> None:
    asked = {
        call
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_tools.py"
        for call in CALL.findall(path.read_text())
    }
    assert {("wrk", "wrk"), ("prometheus", "prometheus"), ("chromium", "chromium")} <= asked
    assert asked <= _installed()


def test_missing_program_names_its_debian_package() -> None:
    with pytest.raises(RuntimeError, match=r"^hop-no-such-tool is missing: apt-get install -y "):
        debian_tool("hop-no-such-tool", "hop-no-such-package")
