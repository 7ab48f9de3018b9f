"""The console's own metrics (``hop_console_...``), on the instrumentation's registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter

__all__ = ["ConsoleMetrics"]

_PREFIX: Final = "hop_console_"
SIGN_IN_OUTCOMES: Final = ("ok", "rejected")
PEERS: Final = ("links", "analytics")


@dataclass(slots=True, frozen=True)
class ConsoleMetrics:
    """Count sign-ins, refused forms and failed calls to the peers."""

    sign_ins: Counter
    csrf_rejections: Counter
    peer_failures: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> ConsoleMetrics:
        """Create every collector of the console on ``registry``."""
        sign_ins = Counter(
            _PREFIX + "sign_ins", "Sign-in attempts, by outcome.", ["outcome"], registry=registry
        )
        for outcome in SIGN_IN_OUTCOMES:
            sign_ins.labels(outcome)
        failures = Counter(
            _PREFIX + "peer_failures",
            "Calls to links or analytics that got no usable answer.",
            ["peer"],
            registry=registry,
        )
        for peer in PEERS:
            failures.labels(peer)
        return cls(
            sign_ins=sign_ins,
            csrf_rejections=Counter(
                _PREFIX + "csrf_rejections",
                "Forms refused for a missing or wrong CSRF token.",
                registry=registry,
            ),
            peer_failures=failures,
        )
