"""Dialect-specific bulk statements: insert new events, add aggregate increments.

PostgreSQL gets one ``unnest``-based statement per table per batch (arrays travel in
asyncpg's binary format); SQLite gets SQLAlchemy's multi-row ``INSERT ... RETURNING``.
Both insert events with ``ON CONFLICT DO NOTHING RETURNING id``: only ids that come
back are new, and only those reach the aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final, Protocol

from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hop_analytics._summary import BatchSummary, EventRow
from hop_analytics.tables import click_events, daily_breakdown, daily_clicks

__all__ = ["EventWriter", "PostgresWriter", "SqliteWriter", "writer_for"]


class EventWriter(Protocol):
    """Write a batch inside the caller's transaction."""

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert rows whose id is unknown; return the ids that were inserted."""
        ...

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Add a batch's increments to the aggregate tables."""
        ...


_PG_EVENTS: Final = text(
    "INSERT INTO click_events (id, code, occurred_at, ingested_at, is_bot, referrer_host,"
    " browser, os, device, country)"
    " SELECT i, c, o, CAST(:now AS TIMESTAMPTZ), b, r, br, os, d, co FROM unnest("
    "CAST(:ids AS VARCHAR[]), CAST(:codes AS VARCHAR[]), CAST(:occurred AS TIMESTAMPTZ[]),"
    " CAST(:bots AS BOOLEAN[]), CAST(:referrers AS VARCHAR[]), CAST(:browsers AS VARCHAR[]),"
    " CAST(:oses AS VARCHAR[]), CAST(:devices AS VARCHAR[]), CAST(:countries AS VARCHAR[]))"
    " AS t(i, c, o, b, r, br, os, d, co)"
    " ON CONFLICT (id) DO NOTHING RETURNING id"
)
_PG_DAILY: Final = text(
    "INSERT INTO daily_clicks (code, day, clicks, bot_clicks)"
    " SELECT * FROM unnest(CAST(:codes AS VARCHAR[]), CAST(:days AS DATE[]),"
    " CAST(:clicks AS BIGINT[]), CAST(:bots AS BIGINT[]))"
    " ON CONFLICT (code, day) DO UPDATE SET clicks = daily_clicks.clicks + excluded.clicks,"
    " bot_clicks = daily_clicks.bot_clicks + excluded.bot_clicks"
)
_PG_BREAKDOWN: Final = text(
    "INSERT INTO daily_breakdown (code, day, dimension, value, clicks, bot_clicks)"
    " SELECT * FROM unnest(CAST(:codes AS VARCHAR[]), CAST(:days AS DATE[]),"
    " CAST(:dimensions AS VARCHAR[]), CAST(:values AS VARCHAR[]),"
    " CAST(:clicks AS BIGINT[]), CAST(:bots AS BIGINT[]))"
    " ON CONFLICT (code, day, dimension, value) DO UPDATE"
    " SET clicks = daily_breakdown.clicks + excluded.clicks,"
    " bot_clicks = daily_breakdown.bot_clicks + excluded.bot_clicks"
)


class PostgresWriter:
    """Bulk statements for PostgreSQL (asyncpg)."""

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert rows whose id is unknown; return the ids that were inserted."""
        params = {
            "now": now,
            "ids": [r.id for r in rows],
            "codes": [r.code for r in rows],
            "occurred": [r.occurred_at for r in rows],
            "bots": [r.is_bot for r in rows],
            "referrers": [r.referrer_host for r in rows],
            "browsers": [r.browser for r in rows],
            "oses": [r.os for r in rows],
            "devices": [r.device for r in rows],
            "countries": [r.country for r in rows],
        }
        result = await conn.execute(_PG_EVENTS, params)
        return set(result.scalars())

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Add a batch's increments to the aggregate tables."""
        daily = summary.daily_rows()
        if daily:
            await conn.execute(_PG_DAILY, _columns(daily, ("codes", "days", "clicks", "bots")))
        breakdown = summary.breakdown_rows()
        if breakdown:
            names = ("codes", "days", "dimensions", "values", "clicks", "bots")
            await conn.execute(_PG_BREAKDOWN, _columns(breakdown, names))


def _columns(
    rows: Sequence[tuple[str | date | int, ...]], names: Sequence[str]
) -> dict[str, list[str | date | int]]:
    return {name: list(column) for name, column in zip(names, zip(*rows, strict=True), strict=True)}


class SqliteWriter:
    """Portable statements for SQLite (``INSERT ... ON CONFLICT``, SQLite >= 3.35)."""

    async def insert_events(
        self, conn: AsyncConnection, rows: Sequence[EventRow], now: datetime
    ) -> set[str]:
        """Insert rows whose id is unknown; return the ids that were inserted."""
        values = [
            {
                "id": r.id,
                "code": r.code,
                "occurred_at": r.occurred_at,
                "ingested_at": now,
                "is_bot": r.is_bot,
                "referrer_host": r.referrer_host,
                "browser": r.browser,
                "os": r.os,
                "device": r.device,
                "country": r.country,
            }
            for r in rows
        ]
        statement = sqlite.insert(click_events).on_conflict_do_nothing()
        result = await conn.execute(statement.returning(click_events.c.id), values)
        return set(result.scalars())

    async def add_aggregates(self, conn: AsyncConnection, summary: BatchSummary) -> None:
        """Add a batch's increments to the aggregate tables."""
        daily = [
            {"code": c, "day": d, "clicks": h, "bot_clicks": b}
            for c, d, h, b in summary.daily_rows()
        ]
        if daily:
            await conn.execute(_sqlite_upsert(daily_clicks, ("code", "day")), daily)
        breakdown = [
            {"code": c, "day": d, "dimension": k, "value": v, "clicks": h, "bot_clicks": b}
            for c, d, k, v, h, b in summary.breakdown_rows()
        ]
        if breakdown:
            keys = ("code", "day", "dimension", "value")
            await conn.execute(_sqlite_upsert(daily_breakdown, keys), breakdown)


def _sqlite_upsert(table: object, keys: Sequence[str]) -> sqlite.Insert:
    statement = sqlite.insert(table)  # type: ignore[arg-type]
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={
            "clicks": statement.table.c.clicks + statement.excluded.clicks,
            "bot_clicks": statement.table.c.bot_clicks + statement.excluded.bot_clicks,
        },
    )


def writer_for(dialect: str) -> EventWriter:
    """Return the writer for a SQLAlchemy dialect name."""
    return PostgresWriter() if dialect == "postgresql" else SqliteWriter()
