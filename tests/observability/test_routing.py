"""amtool checks the generated Alertmanager configuration, and its routes and inhibitions
do what docs/observability.md says: pages for critical, tickets for warnings, a page
silences its own ticket and redirect's warnings while redirect has no pod.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from hop_observability import generate
from hop_observability.rules.routing import PAGE, TICKET

CONFIG = generate.FILES / generate.ALERTMANAGER


@pytest.fixture(scope="module")
def amtool() -> str:
    """amtool from Debian's prometheus-alertmanager package, installed when missing."""
    found = shutil.which("amtool")
    if found is None:
        subprocess.run(
            [
                "apt-get",
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "prometheus-alertmanager",
            ],
            check=True,
            capture_output=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        found = shutil.which("amtool")
    if found is None:
        raise RuntimeError("amtool is missing: apt-get install -y prometheus-alertmanager")
    return found


def _amtool(amtool: str, *args: str) -> str:
    done = subprocess.run(
        [amtool, *args], capture_output=True, text=True, check=False, cwd=Path(CONFIG).parent
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_amtool_check_config_generated_file_succeeds(amtool: str) -> None:
    assert "SUCCESS" in _amtool(amtool, "check-config", str(CONFIG))


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("alertname=HopRedirectDown", "severity=critical"), PAGE),
        (("alertname=HopRedirectAvailabilityBurn", "severity=warning"), TICKET),
    ],
)
def test_amtool_routes_by_severity(amtool: str, labels: tuple[str, ...], receiver: str) -> None:
    out = _amtool(amtool, "config", "routes", "test", f"--config.file={CONFIG}", *labels)
    assert out.strip() == receiver


def test_critical_inhibits_its_own_warning_and_redirect_down_redirect_s_warnings() -> None:
    rules = yaml.safe_load(CONFIG.read_text())["inhibit_rules"]
    own, down = rules
    assert own["source_matchers"] == ['severity="critical"']
    assert own["target_matchers"] == ['severity="warning"']
    assert set(own["equal"]) == {"alertname", "namespace", "slo"}
    assert down["source_matchers"] == ['alertname="HopRedirectDown"']
    assert down["equal"] == ["namespace"]
