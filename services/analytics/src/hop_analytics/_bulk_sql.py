"""Dialect-specific bulk statements: insert new events, add aggregate increments.

PostgreSQL gets the batch by ``COPY`` (asyncpg's binary ``copy_records_to_table``) into
a temporary staging table emptied at commit, then one statement: the staged rows into
``click_events``, chained by data-modifying CTEs into the aggregate upserts, pre-summed
per key by GROUP BY. (Column arrays through ``unnest`` cost twice the CPU: asyncpg checks
every array element against three abstract base classes.) SQLite gets a multi-row
``INSERT ... RETURNING`` and ``executemany`` upserts pre-summed in Python, both as plain
tuples at the driver. Both insert events with ``ON CONFLICT DO NOTHING RETURNING``: only
ids that come back are new, and only those reach the aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Protocol

from sqlalchemy import Date, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hop_analytics._aggregates import BatchSummary
from hop_analytics._event_rows import EventRow
from hop_analytics.dimensions import DIMENSIONS, MISSING_VALUE, Dimension, dimension_values

__all__ = [
    "SQLITE_STAMP",
    "EventWriter",
    "PostgresWriter",
    "SqliteWriter",
    "sqlite_stamp",
    "writer_for",
]


class EventWriter(Protocol):
    """Write a batch inside the caller's transaction."""

    #: True when `insert_events` also updates the aggregates (no `add_aggregates` call).
    aggregates_inline: bool
    #: True when the database runs one write transaction at a time (SQLite).
    single_writer: bool

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert rows whose id is unknown; return the ids that were inserted."""
        ...

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Add a batch's increments to the aggregate tables."""
        ...


#: The inserted columns and their array types: each is bound as one array of its name.
_PG_COLUMNS: Final = (
    ("id", "VARCHAR[]"),
    ("link_id", "VARCHAR[]"),
    ("code", "VARCHAR[]"),
    ("occurred_at", "TIMESTAMPTZ[]"),
    ("ingested_at", "TIMESTAMPTZ[]"),
    ("is_bot", "BOOLEAN[]"),
    *((dimension.column, "VARCHAR[]") for dimension in DIMENSIONS),
)


def _pg_value(dimension: Dimension) -> str:
    if dimension.nullable:
        return f"coalesce({dimension.column}, :missing)"
    return dimension.column


#: The temporary table a transaction's batch is copied into (one per connection).
_PG_STAGE: Final = "hop_staged_clicks"
#: The staged columns: every inserted one but ``ingested_at``, the same for the batch.
_PG_STAGED: Final = tuple(name for name, _ in _PG_COLUMNS if name != "ingested_at")
_PG_CREATE_STAGE: Final = text(
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGE} ON COMMIT DELETE ROWS"  # noqa: S608
    f" AS SELECT {', '.join(_PG_STAGED)} FROM click_events WITH NO DATA"
)


def _pg_batch() -> str:
    columns = ", ".join(name for name, _ in _PG_COLUMNS)
    staged = ", ".join(
        "CAST(:now AS TIMESTAMPTZ)" if name == "ingested_at" else name for name, _ in _PG_COLUMNS
    )
    returned = ", ".join(dimension.column for dimension in DIMENSIONS)
    values = ", ".join(f"('{d.name}', {_pg_value(d)})" for d in DIMENSIONS)
    return (
        "WITH new AS ("  # noqa: S608  (names from DIMENSIONS, never from input)
        f" INSERT INTO click_events ({columns})"
        f" SELECT {staged} FROM {_PG_STAGE}"
        " ON CONFLICT (id) DO NOTHING"
        " RETURNING id, link_id, CAST(occurred_at AT TIME ZONE 'UTC' AS DATE) AS day, is_bot,"
        f" {returned}),"
        " daily AS ("
        " INSERT INTO daily_clicks (link_id, day, clicks, bot_clicks)"
        " SELECT link_id, day, count(*) FILTER (WHERE NOT is_bot),"
        " count(*) FILTER (WHERE is_bot)"
        " FROM new GROUP BY link_id, day ORDER BY link_id, day"
        " ON CONFLICT (link_id, day) DO UPDATE SET clicks = daily_clicks.clicks + excluded.clicks,"
        " bot_clicks = daily_clicks.bot_clicks + excluded.bot_clicks),"
        " breakdown AS ("
        " INSERT INTO daily_breakdown (link_id, day, dimension, value, clicks, bot_clicks)"
        " SELECT link_id, day, d.dimension, d.value,"
        " count(*) FILTER (WHERE NOT is_bot), count(*) FILTER (WHERE is_bot)"
        f" FROM new CROSS JOIN LATERAL (VALUES {values}) AS d(dimension, value)"
        " GROUP BY link_id, day, d.dimension, d.value"
        " ORDER BY link_id, day, d.dimension, d.value"
        " ON CONFLICT (link_id, day, dimension, value) DO UPDATE"
        " SET clicks = daily_breakdown.clicks + excluded.clicks,"
        " bot_clicks = daily_breakdown.bot_clicks + excluded.bot_clicks)"
        " SELECT array_agg(id) FROM new"  # one value: no result row per event
    )


#: One statement per batch once it is staged: insert the events that are new, then add
#: the new ones' counts to both aggregate tables, summed per key by PostgreSQL (GROUP
#: BY, in key order so concurrent replicas lock rows in the same order).
_PG_BATCH: Final = text(_pg_batch())
#: The ``click_events`` columns a SQLite insert fills, in the order of `_PG_COLUMNS`.
_SQLITE_COLUMNS: Final = tuple(name for name, _ in _PG_COLUMNS)
_SQLITE_ROW: Final = "(" + ",".join("?" * len(_SQLITE_COLUMNS)) + ")"
#: How SQLAlchemy's SQLite ``DateTime`` stores a moment (its ``_storage_format``).
SQLITE_STAMP: Final = "%Y-%m-%d %H:%M:%S.%f"
#: The length of a `SQLITE_STAMP` (years have four digits: the contract's range).
_STAMP_LENGTH: Final = len("2000-01-01 00:00:00.000000")


def sqlite_stamp(moment: datetime) -> str:
    """Return ``moment`` as SQLAlchemy's SQLite ``DateTime`` stores it (`SQLITE_STAMP`).

    One C-level ``isoformat`` (always six fraction digits), cut before any UTC offset:
    a third of the cost of ``format(moment, SQLITE_STAMP)`` (a test holds the two equal).
    """
    return moment.isoformat(" ", "microseconds")[:_STAMP_LENGTH]


#: Rows per insert: 12 variables each stays far below SQLite's 32,766 per statement.
_SQLITE_ROWS: Final = 1000
_SQLITE_INSERT: Final = (
    f"INSERT INTO click_events ({', '.join(_SQLITE_COLUMNS)}) VALUES {{values}}"  # noqa: S608
    " ON CONFLICT (id) DO NOTHING RETURNING id"
)
_ADD_COUNTS: Final = (
    " DO UPDATE SET clicks = clicks + excluded.clicks,"
    " bot_clicks = bot_clicks + excluded.bot_clicks"
)
_SQLITE_DAILY: Final = (
    "INSERT INTO daily_clicks (link_id, day, clicks, bot_clicks) VALUES (?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (link_id, day)" + _ADD_COUNTS
)
_SQLITE_BREAKDOWN: Final = (
    "INSERT INTO daily_breakdown (link_id, day, dimension, value, clicks, bot_clicks)"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (link_id, day, dimension, value)" + _ADD_COUNTS
)


class PostgresWriter:
    """Bulk statements for PostgreSQL (asyncpg): the whole batch in one statement."""

    aggregates_inline = True
    single_writer = False

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert new rows and add them to the aggregates; return the inserted ids."""
        # Every time: a creation rolled back with its transaction leaves no table behind.
        await conn.execute(_PG_CREATE_STAGE)
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None:
            raise RuntimeError("The PostgreSQL connection was closed while a batch was written.")
        records = [
            (r.id, r.link_id, r.code, r.occurred_at, r.is_bot, *dimension_values(r)) for r in rows
        ]
        await driver.copy_records_to_table(_PG_STAGE, records=records, columns=_PG_STAGED)
        result = await conn.execute(_PG_BATCH, {"missing": MISSING_VALUE, "now": now})
        return set(result.scalar_one() or ())

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Do nothing: `insert_events` already added the batch to the aggregates."""


class SqliteWriter:
    """Driver-level statements for SQLite (``INSERT ... ON CONFLICT``, SQLite >= 3.35).

    Rows go to the driver as tuples (no per-row SQLAlchemy parameter processing); days
    are formatted by SQLAlchemy's own SQLite processor, moments in its storage format
    (`SQLITE_STAMP`), so what is stored reads back exactly as through the tables. SQLite
    has one writer at a time, so the aggregate rows need no sorting against deadlocks.
    """

    aggregates_inline = False
    single_writer = True

    def __init__(self) -> None:
        dialect = sqlite.dialect()
        self._day = Date().dialect_impl(dialect).bind_processor(dialect)

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert rows whose id is unknown; return the ids that were inserted."""
        ingested = sqlite_stamp(now)
        inserted: set[str] = set()
        for at in range(0, len(rows), _SQLITE_ROWS):
            chunk = rows[at : at + _SQLITE_ROWS]
            params: list[object] = []
            for r in chunk:
                occurred = sqlite_stamp(r.occurred_at)
                params.extend((r.id, r.link_id, r.code, occurred, ingested, r.is_bot))
                params.extend(dimension_values(r))
            statement = _SQLITE_INSERT.format(values=",".join([_SQLITE_ROW] * len(chunk)))
            result = await conn.exec_driver_sql(statement, tuple(params))
            inserted.update(result.scalars())
        return inserted

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Add a batch's increments to the aggregate tables."""
        convert = self._day or str
        day = {d: convert(d) for _link, d in summary.daily}  # a batch spans a few days
        daily = [(k, day[d], c[0], c[1]) for (k, d), c in summary.daily.items()]
        if daily:
            await conn.exec_driver_sql(_SQLITE_DAILY, daily)
        breakdown = [
            (k, day[d], dim, value, c[0], c[1])
            for (k, d, dim, value), c in summary.breakdown.items()
        ]
        if breakdown:
            await conn.exec_driver_sql(_SQLITE_BREAKDOWN, breakdown)


def writer_for(dialect: str) -> EventWriter:
    """Return the writer for a SQLAlchemy dialect name."""
    return PostgresWriter() if dialect == "postgresql" else SqliteWriter()
