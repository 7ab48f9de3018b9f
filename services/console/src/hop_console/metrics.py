"""The console's own metrics (``hop_console_...``), on the instrumentation's registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter

from hop_instrumentation.metrics import labelled_counter

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
        return cls(
            sign_ins=labelled_counter(
                _PREFIX + "sign_ins",
                "Sign-in attempts, by outcome.",
                registry=registry,
                label="outcome",
                values=SIGN_IN_OUTCOMES,
            ),
            csrf_rejections=Counter(
                _PREFIX + "csrf_rejections",
                "Forms refused for a missing or wrong CSRF token.",
                registry=registry,
            ),
            peer_failures=labelled_counter(
                _PREFIX + "peer_failures",
                "Calls to links or analytics that got no usable answer.",
                registry=registry,
                label="peer",
                values=PEERS,
            ),
        )
