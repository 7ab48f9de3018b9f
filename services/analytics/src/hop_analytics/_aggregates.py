"""Pre-sum a batch's increments of the aggregate tables in Python (the SQLite path)."""

from __future__ import annotations

from collections import Counter
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
    """Sum the aggregate increments of newly inserted rows.

    Keys are counted by `collections.Counter` (its counting loop is C), each once per
    human/bot slot, then folded into ``[clicks, bot_clicks]`` pairs.
    """
    events = [(row.link_id, row.occurred_at.date(), row.is_bot, row) for row in rows]
    daily = Counter((link, day, bot) for link, day, bot, _row in events)
    breakdown = Counter(
        (link, day, dimension, value or MISSING_VALUE, bot)
        for link, day, bot, row in events
        for dimension, value in zip(DIMENSION_NAMES, dimension_values(row), strict=True)
    )
    summary = BatchSummary()
    for (link, day, bot), count in daily.items():
        summary.daily.setdefault((link, day), [0, 0])[1 if bot else 0] += count
    for (link, day, dimension, value, bot), count in breakdown.items():
        key = (link, day, dimension, value)
        summary.breakdown.setdefault(key, [0, 0])[1 if bot else 0] += count
    return summary
