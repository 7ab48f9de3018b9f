"""promtool runs the burn-rate policy's scenarios (hop_burn_scenarios) against the rule file.

Every request SLO lives through each scenario at once; each SLO's alert must fire with
exactly the scenario's severities at its end. Paging at 1x, a ``for:`` of 45 minutes, or
joining a pair's windows with ``or`` each fails one of these scenarios (the last test
proves it on edited copies of the rule file).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_burn_scenarios import (
    REQUEST_SLOS,
    BurnScenario,
    burn_scenarios,
    namespace_of,
    series_of,
    slow_burn_scenarios,
)
from hop_rule_scenarios import expected_alert, promtool_file

from hop_observability import generate

pytestmark = pytest.mark.timeout(300)

RULE_FILE = generate.FILES / generate.RULES


def _rules(rule_file: Path) -> dict[tuple[str, str], dict[str, Any]]:
    groups = yaml.safe_load(rule_file.read_text())["groups"]
    return {
        (rule["alert"], rule["labels"]["severity"]): rule
        for group in groups
        for rule in group["rules"]
        if "alert" in rule
    }


def _group(scenario: BurnScenario, rules: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    series: dict[str, str] = {}
    tests = []
    for slo in REQUEST_SLOS:
        series |= series_of(slo, scenario.segments)
        labels = {"namespace": namespace_of(slo), "slo": slo.name, "service": slo.service}
        expected = [
            expected_alert(rules[(slo.alert, severity)], {**labels, "severity": severity})
            for severity in scenario.firing
        ]
        tests.append(
            {"eval_time": f"{scenario.minutes}m", "alertname": slo.alert, "exp_alerts": expected}
        )
    return {
        "name": scenario.name,
        "interval": "1m",
        "input_series": [{"series": k, "values": v} for k, v in series.items()],
        "alert_rule_test": tests,
    }


def _run(
    promtool: str, folder: Path, rule_file: Path, interval: str, scenarios: list[BurnScenario]
) -> subprocess.CompletedProcess[str]:
    rules = _rules(rule_file)
    tests = folder / f"burn-{interval}.yaml"
    groups = [_group(scenario, rules) for scenario in scenarios]
    tests.write_text(yaml.safe_dump(promtool_file(str(rule_file), interval, groups)))
    return subprocess.run(
        [promtool, "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def policy_run(
    promtool: str, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """promtool's run of every short scenario on the committed rule file, once (~1 min of CPU).

    Each scenario is a test group of its own, evaluated apart from the others: a run that
    passes says each scenario alone passes.
    """
    return _run(promtool, tmp_path_factory.mktemp("burn"), RULE_FILE, "1m", burn_scenarios())


def test_promtool_burn_policy_pages_and_tickets_at_its_thresholds(
    policy_run: subprocess.CompletedProcess[str],
) -> None:
    assert policy_run.returncode == 0, policy_run.stdout + policy_run.stderr


def test_promtool_slow_burn_tickets_for_three_days_and_never_pages(
    promtool: str, tmp_path: Path
) -> None:
    done = _run(promtool, tmp_path, RULE_FILE, "5m", slow_burn_scenarios())
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (("and\n", "or\n"), "a 2-minute blip"),
        (("> 0.0144", "> 0.001"), "13.5x for 65 minutes"),
        (("for: 2m", "for: 45m"), "total outage pages"),
    ],
    ids=["windows-joined-with-or", "page-at-1x", "page-held-45m"],
)
def test_promtool_burn_policy_changed_fails_a_scenario(
    promtool: str,
    tmp_path: Path,
    policy_run: subprocess.CompletedProcess[str],
    change: tuple[str, str],
    failing: str,
) -> None:
    rule_file = tmp_path / "changed.rules.yaml"
    rule_file.write_text(RULE_FILE.read_text().replace(*change))
    assert rule_file.read_text() != RULE_FILE.read_text()
    (scenario,) = [s for s in burn_scenarios() if s.name.startswith(failing)]
    assert policy_run.returncode == 0  # the scenario passes on the committed rules
    done = _run(promtool, tmp_path, rule_file, "1m", [scenario])
    assert done.returncode != 0
    assert failing in done.stdout + done.stderr
