"""Enrich clicks into event rows and pre-sum a batch's aggregates in Python."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from hop_analytics._enrich import classify_agent, referrer_host
from hop_analytics.events import Click

__all__ = ["UNKNOWN_COUNTRY", "BatchSummary", "EventRow", "enrich", "summarize"]

UNKNOWN_COUNTRY: Final = "(unknown)"


@dataclass(slots=True, frozen=True)
class EventRow:
    """A click as stored in ``click_events``."""

    id: str
    code: str
    occurred_at: datetime
    is_bot: bool
    referrer_host: str
    browser: str
    os: str
    device: str
    country: str | None


@dataclass(slots=True)
class BatchSummary:
    """The aggregate increments of a batch, keyed like the aggregate tables' primary keys."""

    daily: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    breakdown: dict[tuple[str, date, str, str], list[int]] = field(default_factory=dict)

    def daily_rows(self) -> list[tuple[str, date, int, int]]:
        """Return ``(code, day, clicks, bot_clicks)`` rows sorted by key (no deadlocks)."""
        return [(code, day, c[0], c[1]) for (code, day), c in sorted(self.daily.items())]

    def breakdown_rows(self) -> list[tuple[str, date, str, str, int, int]]:
        """Return ``(code, day, dimension, value, clicks, bot_clicks)`` rows sorted by key."""
        items = sorted(self.breakdown.items())
        return [(code, day, dim, value, c[0], c[1]) for (code, day, dim, value), c in items]


def enrich(click: Click) -> EventRow:
    """Return the stored row of a click: user agent parsed, referrer reduced to its host."""
    agent = classify_agent(click.user_agent)
    is_bot = click.is_bot or agent.is_bot
    return EventRow(
        id=click.id,
        code=click.code,
        occurred_at=click.timestamp,
        is_bot=is_bot,
        referrer_host=referrer_host(click.referrer),
        browser=agent.browser,
        os=agent.os,
        device="bot" if is_bot else agent.device,
        country=click.country,
    )


def summarize(rows: Iterable[EventRow]) -> BatchSummary:
    """Sum the aggregate increments of newly inserted rows."""
    summary = BatchSummary()
    daily, breakdown = summary.daily, summary.breakdown
    for row in rows:
        day = row.occurred_at.date()
        slot = 1 if row.is_bot else 0
        daily.setdefault((row.code, day), [0, 0])[slot] += 1
        for dimension, value in _dimensions(row):
            breakdown.setdefault((row.code, day, dimension, value), [0, 0])[slot] += 1
    return summary


def _dimensions(row: EventRow) -> Sequence[tuple[str, str]]:
    return (
        ("referrer", row.referrer_host),
        ("browser", row.browser),
        ("os", row.os),
        ("device", row.device),
        ("country", row.country or UNKNOWN_COUNTRY),
    )
