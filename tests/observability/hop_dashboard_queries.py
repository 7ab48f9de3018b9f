"""Run dashboard panels' queries and read alert states against a real Prometheus, as Grafana
and an on-call engineer would."""

from __future__ import annotations

import math
import re
from typing import Any

from hop_e2e_prometheus import Prometheus

__all__ = [
    "RATE_INTERVAL",
    "alert_states",
    "has_values",
    "panel",
    "query",
    "substitute",
    "variables",
]

#: What Grafana's $__rate_interval becomes: a minute of 1-second scrapes.
RATE_INTERVAL = "1m"
VARIABLE = re.compile(r"label_values\((?P<match>.+), (?P<label>\w+)\)$")


def variables(prom: Prometheus, board: dict[str, Any]) -> dict[str, str]:
    """Resolve the query variables as Grafana does: every value (All), in dependency order."""
    values = {"__rate_interval": RATE_INTERVAL}
    for variable in board["templating"]["list"]:
        if variable["type"] != "query":
            continue
        found = VARIABLE.match(variable["definition"])
        assert found, variable["definition"]
        match = substitute(found["match"], values)
        answer = prom.client.get(
            f"{prom.url}/api/v1/label/{found['label']}/values", params={"match[]": match}
        ).json()["data"]
        values[variable["name"]] = variable.get("allValue") or (
            "(" + "|".join(re.escape(v) for v in answer) + ")" if answer else ""
        )
    return values


def substitute(expr: str, values: dict[str, str]) -> str:
    """Replace each ``$variable`` of ``expr`` by its value."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace(f"${name}", values[name])
    return expr


def panel(board: dict[str, Any], title: str) -> dict[str, Any]:
    """Return the panel of ``board`` titled ``title``."""
    found: dict[str, Any] = next(p for p in board["panels"] if p["title"] == title)
    return found


def query(prom: Prometheus, expr: str) -> list[dict[str, Any]]:
    """Return the series of an instant query."""
    answer = prom.client.get(f"{prom.url}/api/v1/query", params={"query": expr})
    body = answer.json()
    assert body["status"] == "success", f"{expr}: {body}"
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def has_values(result: list[dict[str, Any]]) -> bool:
    """Say whether any series of a query's result holds a number."""
    return any(math.isfinite(float(series["value"][1])) for series in result)


def alert_states(prom: Prometheus) -> dict[str, str]:
    """Return each active alert's state keyed ``<alertname>/<job or severity>``."""
    alerts = prom.client.get(f"{prom.url}/api/v1/alerts").json()["data"]["alerts"]
    return {
        f"{a['labels']['alertname']}/{a['labels'].get('job') or a['labels']['severity']}": a[
            "state"
        ]
        for a in alerts
    }
