"""Pre-sum a batch's increments of the aggregate tables in Python (the SQLite path)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from hop_analytics._event_rows import EventRow
from hop_analytics.dimensions import DIMENSION_NAMES, MISSING_VALUE, dimension_values

__all__ = ["BatchSummary", "summarize"]


@dataclass(slots=True)
class BatchSummary:
    """The aggregate increments of a batch, keyed like the aggregate tables' primary keys."""

    daily: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    breakdown: dict[tuple[str, date, str, str], list[int]] = field(default_factory=dict)

    def daily_rows(self) -> list[tuple[str, date, int, int]]:
        """Return ``(link_id, day, clicks, bot_clicks)`` rows sorted by key (no deadlocks)."""
        return [(link, day, c[0], c[1]) for (link, day), c in sorted(self.daily.items())]

    def breakdown_rows(self) -> list[tuple[str, date, str, str, int, int]]:
        """Return ``(link_id, day, dimension, value, clicks, bot_clicks)`` rows sorted by key."""
        items = sorted(self.breakdown.items())
        return [(link, day, dim, value, c[0], c[1]) for (link, day, dim, value), c in items]


def summarize(rows: Iterable[EventRow]) -> BatchSummary:
    """Sum the aggregate increments of newly inserted rows."""
    summary = BatchSummary()
    daily, breakdown = summary.daily, summary.breakdown
    for row in rows:
        day = row.occurred_at.date()
        slot = 1 if row.is_bot else 0
        daily.setdefault((row.link_id, day), [0, 0])[slot] += 1
        for dimension, value in zip(DIMENSION_NAMES, dimension_values(row), strict=True):
            key = (row.link_id, day, dimension, value or MISSING_VALUE)
            breakdown.setdefault(key, [0, 0])[slot] += 1
    return summary
