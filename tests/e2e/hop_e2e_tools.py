"""The programs the tests run that are no Python package: Debian's, installed by one script.

`make test` runs ``tools/install-test-tools`` before pytest; a test run without it (pytest by
hand) runs the script the first time a program is missing. Where the script cannot install
(no apt, no root), the error names the Debian package to install.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["INSTALLER", "debian_tool"]

INSTALLER = Path(__file__).resolve().parents[2] / "tools" / "install-test-tools"


def debian_tool(program: str, package: str) -> str:
    """Return the path of ``program``; run the installer first if it is missing.

    Raise `RuntimeError` naming ``package`` when the program is still missing.
    """
    found = shutil.which(program)
    if found is None:
        subprocess.run([str(INSTALLER)], check=False, capture_output=True)
        found = shutil.which(program)
    if found is None:
        raise RuntimeError(
            f"{program} is missing: apt-get install -y {package} "
            "(tools/install-test-tools does it as root on Debian)."
        )
    return found
