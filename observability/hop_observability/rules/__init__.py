"""hop's Prometheus rules: SLO recording rules, burn-rate alerts and direct alerts.

`rule_groups` returns the content of one Prometheus rule file (``groups: [...]``), which
is also the ``spec`` of the umbrella chart's PrometheusRule.
"""

from __future__ import annotations

from typing import Any

from hop_observability.rules.alerts import RUNBOOKS_URL, direct_alerts
from hop_observability.rules.cluster import cluster_alerts
from hop_observability.rules.slo import slo_alerts, slo_recording_rules

__all__ = ["RUNBOOKS_URL", "rule_groups"]


def rule_groups() -> dict[str, Any]:
    """Return the rule file: recordings first, then the alerts that read them."""
    return {
        "groups": [
            {"name": "hop-slo-recordings", "rules": slo_recording_rules()},
            {"name": "hop-slo-alerts", "rules": slo_alerts()},
            {"name": "hop-alerts", "rules": direct_alerts()},
            {"name": "hop-cluster-alerts", "rules": cluster_alerts()},
        ]
    }
