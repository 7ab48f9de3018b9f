"""Recording rules for every SLO and window, and the multi-window multi-burn-rate alerts."""

from __future__ import annotations

from typing import Any

from hop_observability.rules.alerts import alert
from hop_observability.slos import (
    BURN_POLICIES,
    ERROR_RATIO,
    ERROR_RATIO_INSTANT,
    ERRORS_RATE,
    REQUESTS_RATE,
    SLOS,
    WINDOWS,
    BurnPolicy,
    BurnWindow,
    Slo,
    error_ratio_series,
)

__all__ = ["slo_alerts", "slo_recording_rules"]


def slo_recording_rules() -> list[dict[str, Any]]:
    """Return one rule per SLO and window (``slo:sli_error:ratio_rate<window>``), and for
    request SLIs their 5-minute request and error rates, which the budgets weigh by."""
    rules = []
    for slo in SLOS:
        labels = {"slo": slo.name, "service": slo.service}
        if slo.instant is not None:
            rules.append({"record": ERROR_RATIO_INSTANT, "expr": slo.instant, "labels": labels})
        rules += [
            {"record": f"{ERROR_RATIO}{window}", "expr": slo.error_ratio(window), "labels": labels}
            for window in WINDOWS
        ]
        if slo.requests is not None:
            rules += _weights(slo, labels, slo.requests(WINDOWS[0]))
    return rules


def _weights(slo: Slo, labels: dict[str, str], requests: str) -> list[dict[str, Any]]:
    # Rules of a group run in order: the product reads this evaluation's two recordings.
    errors = f"{error_ratio_series(slo, WINDOWS[0])}\n*\n{_series(REQUESTS_RATE, slo)}"
    return [
        {"record": REQUESTS_RATE, "expr": requests, "labels": labels},
        {"record": ERRORS_RATE, "expr": errors, "labels": labels},
    ]


def _series(name: str, slo: Slo) -> str:
    return f'{name}{{slo="{slo.name}"}}'


def slo_alerts() -> list[dict[str, Any]]:
    """Return a page and a ticket alert per SLO."""
    return [_burn_alert(slo, policy) for slo in SLOS for policy in BURN_POLICIES]


def _burn_alert(slo: Slo, policy: BurnPolicy) -> dict[str, Any]:
    expr = "\nor\n".join(_both_windows(slo, pair) for pair in policy.windows)
    long, short = policy.windows[0], policy.windows[1]
    return alert(
        slo.alert,
        expr,
        wait=policy.wait,
        severity=policy.severity,
        labels={"slo": slo.name, "service": slo.service},
        summary=f"{slo.title} is burning its error budget ({policy.severity}).",
        description=(
            f"{slo.description} Objective {slo.objective:.2%} over 30 days in namespace"
            f" {{{{ $labels.namespace }}}}: the error ratio over {long.long} and {long.short}"
            f" is above {long.factor:g}x the budget, or over {short.long} and {short.short}"
            f" above {short.factor:g}x ({policy.meaning})."
        ),
    )


def _both_windows(slo: Slo, pair: BurnWindow) -> str:
    limit = f"{round(pair.factor * slo.budget, 10):g}"
    long = error_ratio_series(slo, pair.long)
    short = error_ratio_series(slo, pair.short)
    return f"(\n  {long} > {limit}\nand\n  {short} > {limit}\n)"
