"""ClickStore: idempotent batch ingestion, stats queries and pruning over SQLAlchemy.

Clicks of a link inside one of its disabled periods are never counted (`_disabled`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_analytics._aggregates import summarize
from hop_analytics._bulk_sql import writer_for
from hop_analytics._disabled import SHARED_LOCK, hold, load_periods, split
from hop_analytics._event_rows import EventRow, enrich
from hop_analytics._link_sets import is_one_of
from hop_analytics.dimensions import DIMENSION_NAMES
from hop_analytics.events import Click
from hop_analytics.tables import click_events, daily_breakdown, daily_clicks, held_clicks
from hop_contracts import OwnedLink
from hop_instrumentation.database import ping

__all__ = [
    "ClickStore",
    "DailyCount",
    "DomainClicks",
    "IngestOutcome",
    "LinkClicks",
    "LinkStats",
    "OwnerStats",
    "RangeStats",
    "Ranked",
    "is_permanent",
]

logger = logging.getLogger("hop.analytics.store")
_RETRIES: Final = 3
_PRUNE_CHUNK: Final = 10_000
#: SQLSTATEs worth retrying a batch for: serialization failure, deadlock.
_RETRYABLE: Final = frozenset({"40001", "40P01"})
#: SQLSTATE classes that blame the data, not the database: data exception, integrity.
_PERMANENT_CLASSES: Final = ("22", "23")


@dataclass(slots=True, frozen=True)
class IngestOutcome:
    """What a batch did: new events, known events, the newest committed event time.

    ``disabled`` events belong to a link inside one of its disabled periods: not counted.
    """

    accepted: int
    duplicates: int
    newest: datetime | None
    disabled: int = 0


@dataclass(slots=True, frozen=True)
class DailyCount:
    """Clicks of one UTC day."""

    day: date
    clicks: int
    bot_clicks: int


@dataclass(slots=True, frozen=True)
class Ranked:
    """One value of a breakdown and its clicks."""

    value: str
    clicks: int


@dataclass(slots=True, frozen=True)
class RangeStats:
    """Clicks over a range of days: a zero-filled daily series and top values per breakdown."""

    start: date
    end: date
    include_bots: bool
    daily: list[DailyCount]
    top: dict[str, list[Ranked]]

    @property
    def total_clicks(self) -> int:
        """Return the human clicks in the range."""
        return sum(day.clicks for day in self.daily)

    @property
    def bot_clicks(self) -> int:
        """Return the clicks by bots in the range."""
        return sum(day.bot_clicks for day in self.daily)


@dataclass(slots=True, frozen=True)
class LinkStats(RangeStats):
    """A link's stats over a range of days."""

    code: str


@dataclass(slots=True, frozen=True)
class LinkClicks:
    """One link's clicks in an owner-wide range."""

    code: str
    domain: str
    clicks: int
    bot_clicks: int


@dataclass(slots=True, frozen=True)
class DomainClicks:
    """The clicks of an owner's links on one domain in the range."""

    domain: str
    links: int
    clicks: int
    bot_clicks: int


@dataclass(slots=True, frozen=True)
class OwnerStats(RangeStats):
    """The clicks of every link of an owner over a range of days, added up."""

    links: int
    top_links: list[LinkClicks]
    domains: list[DomainClicks]


#: Builds "this link-id column is among the links asked about".
LinkFilter = Callable[[ColumnElement[str]], ColumnElement[bool]]


class ClickStore:
    """Store clicks and answer stats; every method opens its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = writer_for(engine.dialect.name)

    @property
    def single_writer(self) -> bool:
        """Tell whether the database writes one transaction at a time (SQLite)."""
        return self._writer.single_writer

    async def ping(self) -> None:
        """Raise unless the database answers."""
        await ping(self.engine)

    async def ingest(
        self, clicks: Sequence[Click], *, now: datetime | None = None
    ) -> IngestOutcome:
        """Store a batch in one transaction; events already stored are counted as duplicates."""
        return (await self.ingest_many([clicks], now=now))[0]

    async def ingest_many(
        self, batches: Sequence[Sequence[Click]], *, now: datetime | None = None
    ) -> list[IngestOutcome]:
        """Store several batches in one transaction; return each batch's outcome.

        Counted as if the batches were stored one after another: an event id's first
        occurrence is the one that can be new, every later one is a duplicate.
        """
        first: dict[str, int] = {}
        unique: list[Click] = []
        for index, clicks in enumerate(batches):
            for click in clicks:
                if click.id not in first:
                    first[click.id] = index
                    unique.append(click)
        rows = [enrich(click) for click in unique]
        moment = now or datetime.now(UTC)
        for attempt in range(1, _RETRIES + 1):
            try:
                inserted, dropped = await self._write(rows, moment)
            except DBAPIError as err:
                if attempt == _RETRIES or _sqlstate(err) not in _RETRYABLE:
                    raise
                logger.warning("ingestion retried", extra={"attempt": attempt})
                continue
            break
        accepted = [0] * len(batches)
        disabled = [0] * len(batches)
        newest: list[datetime | None] = [None] * len(batches)
        for row in rows:
            if row.id in dropped:
                disabled[first[row.id]] += 1
            elif row.id in inserted:
                index = first[row.id]
                accepted[index] += 1
                latest = newest[index]
                newest[index] = row.occurred_at if latest is None else max(latest, row.occurred_at)
        return [
            IngestOutcome(
                accepted[i], len(clicks) - accepted[i] - disabled[i], newest[i], disabled[i]
            )
            for i, clicks in enumerate(batches)
        ]

    async def _write(self, rows: Sequence[EventRow], now: datetime) -> tuple[set[str], set[str]]:
        """Store the rows outside disabled periods; return the inserted and the dropped ids.

        PostgreSQL reads the batch's periods first, under the shared lock the correction
        waits for (`hop_analytics._disabled`), and inserts and aggregates the rest in one
        statement. SQLite reads them after inserting, when the transaction holds the write
        lock (a read first could see a snapshot another writer has since moved past), and
        takes the few events inside a period out again before adding the aggregates.
        Events inside a period with no end yet are held (`hop_analytics._disabled.hold`).
        """
        if not rows:
            return set(), set()
        async with self.engine.begin() as conn:
            if not self._writer.single_writer:
                await conn.execute(SHARED_LOCK)
                parts = split(rows, await load_periods(conn, {row.link_id for row in rows}))
                rows = parts.counted
                inserted = await self._writer.insert_events(conn, rows, now) if rows else set()
            else:
                inserted = await self._writer.insert_events(conn, rows, now)
                fresh = [row for row in rows if row.id in inserted]
                parts = split(fresh, await load_periods(conn, {row.link_id for row in fresh}))
                await _forget(conn, [row.id for row in (*parts.dropped, *parts.held)])
                await self._writer.add_aggregates(conn, summarize(parts.counted))
            await hold(conn, parts.held, now)
        dropped = (*parts.dropped, *parts.held)
        return inserted, {row.id for row in dropped}

    async def prune(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Delete raw events ingested before ``now - older_than``; return how many.

        Held events (of links disabled now) ingested before then go too, uncounted.
        """
        cutoff = (now or datetime.now(UTC)) - older_than
        async with self.engine.begin() as conn:  # few: only links disabled right now
            await conn.execute(delete(held_clicks).where(held_clicks.c.ingested_at < cutoff))
        total = 0
        while True:
            chunk = (
                select(click_events.c.id)
                .where(click_events.c.ingested_at < cutoff)
                .limit(_PRUNE_CHUNK)
                .scalar_subquery()
            )
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    delete(click_events).where(click_events.c.id.in_(chunk))
                )
            total += result.rowcount
            if result.rowcount < _PRUNE_CHUNK:
                return total

    async def stats(
        self,
        link_id: str,
        start: date,
        end: date,
        *,
        code: str,
        include_bots: bool,
        top_n: int,
    ) -> LinkStats:
        """Return a link's totals, zero-filled daily series and top values per breakdown."""
        async with self.engine.connect() as conn:
            days = await conn.execute(
                select(daily_clicks.c.day, daily_clicks.c.clicks, daily_clicks.c.bot_clicks)
                .where(daily_clicks.c.link_id == link_id)
                .where(daily_clicks.c.day >= start, daily_clicks.c.day <= end)
            )
            counted = {row.day: (row.clicks, row.bot_clicks) for row in days}
            ranked = await conn.execute(
                _top_query(lambda column: column == link_id, start, end, include_bots, top_n)
            )
            top = _top_of(ranked)
        daily = _zero_filled(counted, start, end)
        return LinkStats(start, end, include_bots, daily, top, code=code)

    async def owner_stats(
        self,
        links: Mapping[str, OwnedLink],
        start: date,
        end: date,
        *,
        include_bots: bool,
        top_n: int,
    ) -> OwnerStats:
        """Return the stats of ``links`` (id -> link) added up, the top links and domains."""
        counted: dict[date, tuple[int, int]] = {}
        top = _top_of([])
        per_link: list[LinkClicks] = []
        if links:
            dialect = self.engine.dialect.name

            def of_links(column: ColumnElement[str]) -> ColumnElement[bool]:
                return is_one_of(column, links, dialect=dialect)

            async with self.engine.connect() as conn:
                days = await conn.execute(_daily_query(of_links, start, end))
                counted = {row.day: (int(row.clicks), int(row.bot_clicks)) for row in days}
                top = _top_of(
                    await conn.execute(_top_query(of_links, start, end, include_bots, top_n))
                )
                rows = await conn.execute(_links_query(of_links, start, end))
                per_link = [_link_clicks(links, row) for row in rows]
        daily = _zero_filled(counted, start, end)
        return OwnerStats(
            start,
            end,
            include_bots,
            daily,
            top,
            links=len(links),
            top_links=_top_links(per_link, include_bots, top_n),
            domains=_by_domain(links, per_link, include_bots),
        )


async def _forget(conn: AsyncConnection, ids: Sequence[str]) -> None:
    if ids:
        await conn.execute(delete(click_events).where(click_events.c.id.in_(ids)))


def _link_clicks(links: Mapping[str, OwnedLink], row: Any) -> LinkClicks:
    link = links[row.link_id]
    # PostgreSQL sums bigints as numeric: counts come back as Decimal there.
    return LinkClicks(link.code, link.domain, int(row.clicks), int(row.bot_clicks))


def _counted(clicks: int, bot_clicks: int, include_bots: bool) -> int:
    return clicks + bot_clicks if include_bots else clicks


def _top_links(per_link: list[LinkClicks], include_bots: bool, top_n: int) -> list[LinkClicks]:
    # per_link comes in link id order: the sort is stable, so ties stay in that order.
    ranked = [link for link in per_link if _counted(link.clicks, link.bot_clicks, include_bots)]
    ranked.sort(key=lambda link: -_counted(link.clicks, link.bot_clicks, include_bots))
    return ranked[:top_n]


def _by_domain(
    links: Mapping[str, OwnedLink], per_link: list[LinkClicks], include_bots: bool
) -> list[DomainClicks]:
    sizes: dict[str, int] = {}
    for link in links.values():
        sizes[link.domain] = sizes.get(link.domain, 0) + 1
    sums = {domain: [0, 0] for domain in sizes}
    for clicked in per_link:
        sums[clicked.domain][0] += clicked.clicks
        sums[clicked.domain][1] += clicked.bot_clicks
    domains = [DomainClicks(name, sizes[name], *sums[name]) for name in sorted(sizes)]
    domains.sort(key=lambda d: -_counted(d.clicks, d.bot_clicks, include_bots))
    return domains


def _top_of(rows: Iterable[Any]) -> dict[str, list[Ranked]]:
    top: dict[str, list[Ranked]] = {name: [] for name in DIMENSION_NAMES}
    for row in rows:
        top[row.dimension].append(Ranked(row.value, int(row.total)))
    return top


def _daily_query(of_links: LinkFilter, start: date, end: date) -> Select[tuple[date, int, int]]:
    table = daily_clicks
    return (
        select(
            table.c.day,
            func.sum(table.c.clicks).label("clicks"),
            func.sum(table.c.bot_clicks).label("bot_clicks"),
        )
        .where(of_links(table.c.link_id), table.c.day >= start, table.c.day <= end)
        .group_by(table.c.day)
    )


def _links_query(of_links: LinkFilter, start: date, end: date) -> Select[tuple[str, int, int]]:
    table = daily_clicks
    return (
        select(
            table.c.link_id,
            func.sum(table.c.clicks).label("clicks"),
            func.sum(table.c.bot_clicks).label("bot_clicks"),
        )
        .where(of_links(table.c.link_id), table.c.day >= start, table.c.day <= end)
        .group_by(table.c.link_id)
        .order_by(table.c.link_id)
    )


def _top_query(
    of_links: LinkFilter, start: date, end: date, include_bots: bool, top_n: int
) -> Select[tuple[str, str, int]]:
    table = daily_breakdown
    counted = table.c.clicks + table.c.bot_clicks if include_bots else table.c.clicks
    total = func.sum(counted).label("total")
    rank = (
        func.row_number()
        .over(partition_by=table.c.dimension, order_by=(total.desc(), table.c.value))
        .label("rank")
    )
    grouped = (
        select(table.c.dimension, table.c.value, total, rank)
        .where(of_links(table.c.link_id), table.c.day >= start, table.c.day <= end)
        .group_by(table.c.dimension, table.c.value)
        .subquery()
    )
    return (
        select(grouped.c.dimension, grouped.c.value, grouped.c.total)
        .where(grouped.c.rank <= top_n, grouped.c.total > 0)
        .order_by(grouped.c.dimension, grouped.c.rank)
    )


def _zero_filled(
    counted: Mapping[date, tuple[int, int]], start: date, end: date
) -> list[DailyCount]:
    return [DailyCount(day, *counted.get(day, (0, 0))) for day in _days(start, end)]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def is_permanent(err: Exception) -> bool:
    """Tell whether a failed write blames its data (retrying it can never succeed).

    Data exceptions and integrity violations (SQLSTATE classes 22 and 23), and values
    the driver cannot even encode, are permanent; everything else (connection lost,
    timeouts, a database shutting down) is worth retrying.
    """
    if isinstance(err, DataError | IntegrityError):
        return True
    if isinstance(err, DBAPIError):
        state = _sqlstate(err)
        return state is not None and state.startswith(_PERMANENT_CLASSES)
    if isinstance(err, StatementError):
        return isinstance(err.orig, ValueError | OverflowError | TypeError)
    state = getattr(err, "sqlstate", None)  # the driver's own errors (asyncpg's COPY)
    if isinstance(state, str):
        return state.startswith(_PERMANENT_CLASSES)
    return isinstance(err, ValueError | OverflowError)


def _sqlstate(err: DBAPIError) -> str | None:
    original = err.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return str(code) if code else None
