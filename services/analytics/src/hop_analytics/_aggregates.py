"""Pre-sum a batch's increments of the aggregate tables in Python (the SQLite path)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from operator import attrgetter
from typing import TypeVar

from hop_analytics._event_rows import EventRow
from hop_analytics.dimensions import DIMENSIONS, MISSING_VALUE

__all__ = ["BatchSummary", "summarize"]

_Key = TypeVar("_Key", bound=Hashable)


@dataclass(slots=True)
class BatchSummary:
    """The aggregate increments of a batch, keyed like the aggregate tables' primary keys.

    Each key maps to ``[clicks, bot_clicks]``: one upsert per key and batch, however many
    of the batch's events share it.
    """

    daily: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    breakdown: dict[tuple[str, date, str, str], list[int]] = field(default_factory=dict)


def summarize(rows: Sequence[EventRow]) -> BatchSummary:
    """Sum the aggregate increments of newly inserted rows.

    The batch is taken apart into columns once; each key is then counted by
    `collections.Counter` over ``zip`` of columns (both loops in C), humans and bots
    apart (bots are few, so their pass is short).
    """
    humans = [row for row in rows if not row.is_bot]
    bots = [row for row in rows if row.is_bot]
    return BatchSummary(
        daily=_pairs(_daily_keys(humans), _daily_keys(bots)),
        breakdown=_pairs(_breakdown_keys(humans), _breakdown_keys(bots)),
    )


def _daily_keys(rows: Sequence[EventRow]) -> Counter[tuple[str, date]]:
    return Counter(zip(_links(rows), _days(rows), strict=True))


def _breakdown_keys(rows: Sequence[EventRow]) -> Counter[tuple[str, date, str, str]]:
    links, days = _links(rows), _days(rows)
    counted: Counter[tuple[str, date, str, str]] = Counter()
    for dimension in DIMENSIONS:
        values: Iterable[str] = map(attrgetter(dimension.column), rows)
        if dimension.nullable:
            values = (value or MISSING_VALUE for value in values)
        counted.update(zip(links, days, repeat(dimension.name), values))
    return counted


def _links(rows: Sequence[EventRow]) -> list[str]:
    return [row.link_id for row in rows]


def _days(rows: Sequence[EventRow]) -> list[date]:
    return [row.occurred_at.date() for row in rows]


def _pairs(humans: Counter[_Key], bots: Counter[_Key]) -> dict[_Key, list[int]]:
    pairs = {key: [count, 0] for key, count in humans.items()}
    for key, count in bots.items():
        pairs.setdefault(key, [0, 0])[1] = count
    return pairs
