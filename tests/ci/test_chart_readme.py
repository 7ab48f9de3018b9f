"""The packaged charts carry a README with their values table (`helm show readme`, Artifact Hub)."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from hop_chart_helpers import CHARTS, SERVICES, install_helm


@pytest.mark.parametrize("chart", ["hop", *SERVICES])
def test_helm_show_readme_prints_every_documented_value(chart: str) -> None:
    helm = install_helm()
    done = subprocess.run(
        [str(helm), "show", "readme", str(CHARTS / chart)],
        capture_output=True,
        text=True,
        check=True,
    )
    readme = done.stdout
    assert readme.startswith(f"# {chart}\n")
    keys = set(re.findall(r"^\| `([^`]+)` \|", readme, re.M))
    values = yaml.safe_load((CHARTS / chart / "values.yaml").read_text())
    # Every top-level key, and the keys operators change most, with their defaults.
    assert set(values) <= keys
    assert "global" in keys
    if chart == "hop":
        assert {"exposure.ingress.className", "global.imageRegistry", "links.enabled"} <= keys
        assert "| `global.https` | bool | `true` |" in readme
    else:
        assert "global.serviceDefaults.image.pullPolicy" in keys
        assert '| `global.serviceDefaults.image.pullPolicy` | string | `"IfNotPresent"` |' in readme
