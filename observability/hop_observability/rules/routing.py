"""Alertmanager routing and inhibition for hop's alerts, as code.

`alertmanager_config` returns an Alertmanager configuration: alerts route by
``severity`` (``critical`` pages, ``warning`` opens a ticket), and a firing critical
alert silences the warnings it explains: its own ticket-level twin (same alert, same
SLO) and, while redirect has no pod, redirect's own warnings. The receivers are
placeholders: point them at your pager and ticket system.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["PAGE", "TICKET", "alertmanager_config"]

#: The receivers, by what they do.
PAGE: Final = "hop-page"
TICKET: Final = "hop-ticket"


def alertmanager_config() -> dict[str, Any]:
    """Return the Alertmanager configuration: routes by severity and inhibitions."""
    return {
        "route": {
            "receiver": TICKET,
            "group_by": ["alertname", "namespace", "slo"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [
                {"receiver": PAGE, "matchers": ['severity="critical"'], "repeat_interval": "1h"},
                {"receiver": TICKET, "matchers": ['severity="warning"'], "repeat_interval": "1d"},
            ],
        },
        "inhibit_rules": [
            {
                # The page says it all: its own ticket (same alert, namespace, SLO) is noise.
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname", "namespace", "slo"],
            },
            {
                # No redirect pod: its targets are down and its pods restart, of course.
                "source_matchers": ['alertname="HopRedirectDown"'],
                "target_matchers": ['severity="warning"', 'job=~"(.+-)?redirect"'],
                "equal": ["namespace"],
            },
        ],
        "receivers": [{"name": PAGE}, {"name": TICKET}],
    }
