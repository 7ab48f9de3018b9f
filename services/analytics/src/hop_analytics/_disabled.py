"""Disabled periods: which clicks never count, and the correction that takes them back.

redirect may serve a disabled link from its cache for a while, so its clicks still
arrive; links' feed tells when the link was disabled (and enabled again). Learning of a
disable at ``D`` takes back the link's stored clicks that occurred at or after ``D``:
their counts are subtracted from both aggregate tables (day by day, humans and bots
apart) and their events move from ``click_events`` to ``held_clicks``. From then on
intake holds the link's events inside the open period, and drops those inside a period
that has ended (`split`). Learning of the enable at ``E`` counts the held events at or
after ``E`` as ingestion would (they occurred after the enable, but reached analytics
before it knew) and deletes the rest, so counting resumes from ``E`` however late the
feed is read.

Exactness against concurrent intake: on PostgreSQL every intake transaction holds
``pg_advisory_xact_lock_shared(LOCK_KEY)`` while it reads the periods of its batch and
writes; the correction holds the exclusive lock. An intake that got its lock first has
committed before the correction reads the events; one that got it after sees the new
period (its next statement's snapshot is taken after the lock). SQLite runs one write
transaction at a time: intake reads the periods after its first write, holding the
database's write lock, so the same two cases are all there are.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_analytics._aggregates import BatchSummary, summarize
from hop_analytics._bulk_sql import writer_for
from hop_analytics._event_rows import EventRow
from hop_analytics._link_sets import is_one_of
from hop_analytics.dimensions import DIMENSIONS
from hop_analytics.tables import (
    click_events,
    daily_breakdown,
    daily_clicks,
    disabled_periods,
    held_clicks,
    link_feed,
)

__all__ = [
    "SHARED_LOCK",
    "Change",
    "LinkFeedStore",
    "Periods",
    "Split",
    "hold",
    "load_periods",
    "split",
]

logger = logging.getLogger("hop.analytics.disabled")

#: The advisory lock key intake (shared) and the correction (exclusive) take on PostgreSQL.
LOCK_KEY: Final = 0x686F_7064  # "hopd"
SHARED_LOCK: Final = text(f"SELECT pg_advisory_xact_lock_shared({LOCK_KEY})")
EXCLUSIVE_LOCK: Final = text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")

#: The largest ``HOP_CLICK_MAX_FUTURE_SKEW`` (settings): the take-back's bound when unknown.
_MOST_SKEW: Final = timedelta(days=1)

#: A link id's periods: (disabled at, enabled at or None while still disabled).
Periods = dict[str, list[tuple[datetime, datetime | None]]]

#: The ``click_events`` columns of an `EventRow`, in its field order.
_ROW_COLUMNS: Final = (
    click_events.c.id,
    click_events.c.link_id,
    click_events.c.code,
    click_events.c.occurred_at,
    click_events.c.is_bot,
    *(click_events.c[dimension.column] for dimension in DIMENSIONS),
)


@dataclass(slots=True, frozen=True)
class Change:
    """A transition of a link's ``disabled`` flag, as links' feed tells it."""

    link_id: str
    disabled: bool
    at: datetime


def _utc(moment: datetime) -> datetime:
    """Return ``moment`` aware in UTC (SQLite hands stored moments back naive, in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def load_periods(conn: AsyncConnection, link_ids: Collection[str]) -> Periods:
    """Return the disabled periods of ``link_ids`` (most links have none)."""
    if not link_ids:
        return {}
    table = disabled_periods
    query = select(table.c.link_id, table.c.disabled_at, table.c.enabled_at).where(
        is_one_of(table.c.link_id, link_ids, dialect=conn.dialect.name)
    )
    periods: Periods = {}
    for link_id, start, end in await conn.execute(query):
        periods.setdefault(link_id, []).append((_utc(start), None if end is None else _utc(end)))
    return periods


@dataclass(slots=True)
class Split:
    """A batch taken apart by the disabled periods of its links."""

    #: Outside every period: stored and counted.
    counted: list[EventRow] = field(default_factory=list)
    #: Inside a period that has ended: counted nowhere, stored nowhere.
    dropped: list[EventRow] = field(default_factory=list)
    #: Inside a period with no end yet: held (`hold`) until the link is enabled again.
    held: list[EventRow] = field(default_factory=list)


def split(rows: Sequence[EventRow], periods: Periods) -> Split:
    """Return ``rows`` apart by the disabled periods of their links."""
    if not periods:  # the usual batch: none of its links was ever disabled
        return Split(counted=list(rows))
    parts = Split()
    for row in rows:
        target = parts.counted
        for start, end in periods.get(row.link_id, ()):
            if start <= row.occurred_at and (end is None or row.occurred_at < end):
                target = parts.held if end is None else parts.dropped
                break
        target.append(row)
    return parts


async def hold(conn: AsyncConnection, rows: Sequence[EventRow], now: datetime) -> None:
    """Keep events of a link inside an open period in ``held_clicks`` (once per id)."""
    if not rows:
        return
    names = [column.name for column in _ROW_COLUMNS]
    values = [dict(zip(names, _row_values(row), strict=True), ingested_at=now) for row in rows]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(dialect.insert(held_clicks).on_conflict_do_nothing(), values)


def _row_values(row: EventRow) -> tuple[object, ...]:
    dimensions = (getattr(row, dimension.column) for dimension in DIMENSIONS)
    return (row.id, row.link_id, row.code, row.occurred_at, row.is_bot, *dimensions)


class LinkFeedStore:
    """Apply links' feed of disables and enables once, whichever replica reads it."""

    def __init__(self, engine: AsyncEngine, *, max_skew: timedelta = _MOST_SKEW) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._max_skew = max_skew

    async def position(self) -> int:
        """Return the last ``seq`` of the feed applied (0 before any)."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(link_feed.c.applied_seq))).scalar_one())

    async def apply(self, after: int, changes: Sequence[Change], last: int) -> bool:
        """Apply the feed's changes after ``after`` (up to ``last``) in one transaction.

        Return False, applying nothing, when the feed is no longer at ``after`` (another
        replica applied them first): each change is applied once, whoever reads it. On
        SQLite the position's update is the first statement, so the transaction holds the
        write lock from its start.
        """
        async with self._engine.begin() as conn:
            if self._postgres:
                await conn.execute(EXCLUSIVE_LOCK)
            moved = await conn.execute(
                update(link_feed).where(link_feed.c.applied_seq == after).values(applied_seq=last)
            )
            if moved.rowcount != 1:
                return False
            removed = await apply_changes(conn, changes, max_skew=self._max_skew)
        if removed:
            logger.info("clicks of disabled links removed", extra={"removed": removed})
        return True


async def apply_changes(
    conn: AsyncConnection, changes: Sequence[Change], *, max_skew: timedelta = _MOST_SKEW
) -> int:
    """Apply a page of the feed in order; return how many counted clicks were taken back.

    A disable opens a period (unless one is open) and moves the link's stored clicks
    at or after it out of the counts, into ``held_clicks``; an enable closes the open
    period and counts the held clicks at or after it again (the rest are deleted).
    ``max_skew`` is how far ahead of analytics' clock intake accepts an event's time
    (``HOP_CLICK_MAX_FUTURE_SKEW``): an event that occurred at or after ``D`` was stored
    at or after ``D - max_skew``, which bounds the take-back's scan by ``ingested_at``.
    """
    removed, now = 0, datetime.now(UTC)
    for change in changes:
        at = _utc(change.at)
        if not change.disabled:
            if await _close(conn, change.link_id, at):
                await _release(conn, change.link_id, at, now)
        elif await _open(conn, change.link_id, at):
            removed += await _take_back(conn, change.link_id, at, now, at - max_skew)
    return removed


async def _open(conn: AsyncConnection, link_id: str, at: datetime) -> bool:
    """Open a period at ``at``; return False when the link is disabled already."""
    table = disabled_periods
    still_open = select(table.c.link_id).where(
        table.c.link_id == link_id, table.c.enabled_at.is_(None)
    )
    known = select(table.c.link_id).where(table.c.link_id == link_id, table.c.disabled_at == at)
    if (await conn.execute(still_open)).first() or (await conn.execute(known)).first():
        return False
    await conn.execute(insert(table).values(link_id=link_id, disabled_at=at, enabled_at=None))
    return True


async def _close(conn: AsyncConnection, link_id: str, at: datetime) -> bool:
    """Close the link's open period at ``at``; return False when none is open."""
    table = disabled_periods
    closed = await conn.execute(
        update(table)
        .where(table.c.link_id == link_id, table.c.enabled_at.is_(None))
        .values(enabled_at=at)
    )
    return bool(closed.rowcount)


async def _take_back(
    conn: AsyncConnection, link_id: str, start: datetime, now: datetime, stored_since: datetime
) -> int:
    """Move the link's stored events at or after ``start`` out of the counts, into held.

    ``click_events`` has no index on the link id (intake pays for every index); the bound
    on ``ingested_at``, which is indexed, keeps the scan to the events stored since
    ``stored_since``: for a disable read within seconds, seconds of intake, not the
    whole retention window.
    """
    inside = and_(
        click_events.c.ingested_at >= stored_since,
        click_events.c.link_id == link_id,
        click_events.c.occurred_at >= start,
    )
    deleted = await conn.execute(delete(click_events).where(inside).returning(*_ROW_COLUMNS))
    rows = [EventRow(*row) for row in deleted]
    if rows:
        await _subtract(conn, link_id, summarize(rows))
        await hold(conn, rows, now)
    return len(rows)


async def _release(conn: AsyncConnection, link_id: str, end: datetime, now: datetime) -> None:
    """Count the link's held events at or after ``end`` as ingestion would; drop the rest."""
    columns = [held_clicks.c[column.name] for column in _ROW_COLUMNS]
    taken = await conn.execute(
        delete(held_clicks).where(held_clicks.c.link_id == link_id).returning(*columns)
    )
    after = [row for row in (EventRow(*values) for values in taken) if _utc(row.occurred_at) >= end]
    if not after:
        return
    writer = writer_for(conn.dialect.name)
    inserted = await writer.insert_events(conn, after, now)
    if not writer.aggregates_inline:
        await writer.add_aggregates(conn, summarize([r for r in after if r.id in inserted]))


async def _subtract(conn: AsyncConnection, link_id: str, summary: BatchSummary) -> None:
    daily, breakdown = daily_clicks, daily_breakdown
    minus = {"clicks": _minus("clicks"), "bot_clicks": _minus("bot_clicks")}
    days = [
        {"k_day": day, "k_clicks": clicks, "k_bot_clicks": bots}
        for (_, day), (clicks, bots) in sorted(summary.daily.items())
    ]
    if days:
        on_day = (daily.c.link_id == link_id, daily.c.day == bindparam("k_day"))
        await conn.execute(update(daily).where(*on_day).values(minus), days)
    values = [
        {"k_day": day, "k_dim": dim, "k_value": value, "k_clicks": clicks, "k_bot_clicks": bots}
        for (_, day, dim, value), (clicks, bots) in sorted(summary.breakdown.items())
    ]
    if values:
        on_value = (
            breakdown.c.link_id == link_id,
            breakdown.c.day == bindparam("k_day"),
            breakdown.c.dimension == bindparam("k_dim"),
            breakdown.c.value == bindparam("k_value"),
        )
        await conn.execute(update(breakdown).where(*on_value).values(minus), values)
    for table in (daily, breakdown):  # rows left at zero would only be scanned
        await conn.execute(
            delete(table).where(
                table.c.link_id == link_id, table.c.clicks == 0, table.c.bot_clicks == 0
            )
        )


def _minus(column: str) -> ColumnElement[int]:
    """Return ``column - :k_<column>`` (of whichever aggregate table is updated)."""
    return literal_column(column) - bindparam(f"k_{column}")
