"""What links and analytics answer (their public API bodies, `hop_contracts`), and the
breakdowns the stats pages show.
"""

from __future__ import annotations

from hop_contracts import (
    DailyClicks,
    Link,
    LinkClicksValue,
    LinkPage,
    RankedValue,
)
from hop_contracts import (
    OwnerStatsResponse as OwnerStats,
)
from hop_contracts import (
    StatsResponse as Stats,
)

__all__ = [
    "BREAKDOWNS",
    "DailyClicks",
    "Link",
    "LinkClicksValue",
    "LinkPage",
    "OwnerStats",
    "RankedValue",
    "Stats",
]

#: The stats' breakdowns: (field of ``top``, heading, column), in the order shown.
BREAKDOWNS: tuple[tuple[str, str, str], ...] = (
    ("referrers", "Referrers", "Referrer"),
    ("browsers", "Browsers", "Browser"),
    ("operating_systems", "Systems", "System"),
    ("devices", "Devices", "Device"),
    ("countries", "Countries", "Country"),
)
