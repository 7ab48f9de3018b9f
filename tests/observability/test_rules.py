"""promtool checks the generated rule file and runs every alert's scenarios against it.

Each alert fires in its own scenario (and no other alert fires there), and none fires at
the end of a healthy history longer than the longest burn-rate window (3 days).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_rule_scenarios import (
    Scenario,
    expected_alert,
    firing_scenarios,
    healthy_scenario,
    promtool_file,
)

from hop_observability import generate

pytestmark = pytest.mark.timeout(300)

RULE_FILE = generate.FILES / generate.RULES


def _alerts() -> dict[str, list[dict[str, Any]]]:
    groups = yaml.safe_load(RULE_FILE.read_text())["groups"]
    rules: dict[str, list[dict[str, Any]]] = {}
    for rule in (r for g in groups for r in g["rules"] if "alert" in r):
        rules.setdefault(rule["alert"], []).append(rule)
    return rules


def _group(scenario: Scenario, firing: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    alerts = _alerts()
    tests = []
    for name, rules in sorted(alerts.items()):
        by_severity = {rule["labels"]["severity"]: rule for rule in rules}
        expected = [expected_alert(by_severity[lb["severity"]], lb) for lb in firing.get(name, [])]
        tests.append(
            {"eval_time": f"{scenario.eval_minutes}m", "alertname": name, "exp_alerts": expected}
        )
    return {
        "name": scenario.name,
        "interval": "1m",
        "input_series": [{"series": s, "values": v} for s, v in scenario.series.items()],
        "alert_rule_test": tests,
    }


def _promtool_test(promtool: str, tmp_path: Path, interval: str, groups: list[Any]) -> str:
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump(promtool_file(str(RULE_FILE), interval, groups)))
    done = subprocess.run(
        [promtool, "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_promtool_check_rules_generated_file_succeeds(promtool: str) -> None:
    done = subprocess.run(
        [promtool, "check", "rules", str(RULE_FILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    groups = yaml.safe_load(RULE_FILE.read_text())["groups"]
    assert f"SUCCESS: {sum(len(g['rules']) for g in groups)} rules found" in done.stdout


def test_promtool_each_alert_fires_in_its_scenario_alone(promtool: str, tmp_path: Path) -> None:
    scenarios = firing_scenarios()
    fired = {name for _, firing in scenarios for name in firing}
    assert fired == set(_alerts())
    groups = [_group(scenario, firing) for scenario, firing in scenarios]
    _promtool_test(promtool, tmp_path, "1m", groups)


def test_promtool_healthy_three_days_no_alert(promtool: str, tmp_path: Path) -> None:
    _promtool_test(promtool, tmp_path, "5m", [_group(healthy_scenario(), {})])
