"""What links and analytics answer (their public API bodies, `hop_contracts`), and the
breakdowns the stats pages show.
"""

from __future__ import annotations

from pydantic import BaseModel

from hop_contracts import (
    DailyClicks,
    Domain,
    DomainPage,
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
    "Domain",
    "DomainDeleted",
    "DomainPage",
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


class DomainDeleted(BaseModel):
    """links' answer to deleting a domain: its name and how many links went with it."""

    name: str
    deleted_links: int
