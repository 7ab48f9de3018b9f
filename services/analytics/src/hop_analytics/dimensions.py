"""The breakdowns stats report (referrer, browser, OS, device, country), stated once.

The raw events table, the per-batch aggregation, the bulk SQL and the stats response
all derive their columns, keys and fields from `DIMENSIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Final

__all__ = ["DIMENSIONS", "DIMENSION_NAMES", "MISSING_VALUE", "Dimension", "dimension_values"]

#: What a breakdown counts an event under when the event has no value (no country).
MISSING_VALUE: Final = "(unknown)"


@dataclass(slots=True, frozen=True)
class Dimension:
    """One breakdown: its key in ``daily_breakdown``, its event column, its response field."""

    #: The value of ``daily_breakdown.dimension``.
    name: str
    #: The ``click_events`` column (and `EventRow` attribute) holding an event's value.
    column: str
    #: The column's length.
    length: int
    #: The field of the stats response's ``top`` (`hop_contracts.TopValues`) listing the
    #: most frequent values.
    field: str
    #: Whether an event may have no value (counted as `MISSING_VALUE`).
    nullable: bool = False


#: The breakdowns, in the order stats report them.
DIMENSIONS: Final = (
    Dimension("referrer", "referrer_host", 255, "referrers"),
    Dimension("browser", "browser", 255, "browsers"),
    Dimension("os", "os", 255, "operating_systems"),
    Dimension("device", "device", 16, "devices"),
    Dimension("country", "country", 2, "countries", nullable=True),
)
DIMENSION_NAMES: Final = tuple(dimension.name for dimension in DIMENSIONS)

#: ``dimension_values(row)`` returns a row's values in `DIMENSIONS` order (one C call).
dimension_values: Final = attrgetter(*(dimension.column for dimension in DIMENSIONS))
