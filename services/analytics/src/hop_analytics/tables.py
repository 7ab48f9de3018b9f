"""The database schema: raw events (the dedupe window) and daily aggregates per link."""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

__all__ = ["DIMENSIONS", "click_events", "daily_breakdown", "daily_clicks", "metadata"]

#: The breakdowns stats answer with, in the order they are reported.
DIMENSIONS: Final = ("referrer", "browser", "os", "device", "country")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: One row per event id, kept `retention_days` after ingestion: the dedupe window.
click_events = Table(
    "click_events",
    metadata,
    Column("id", String(64), nullable=False),
    Column("code", String(64), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("is_bot", Boolean, nullable=False),
    Column("referrer_host", String(255), nullable=False),
    Column("browser", String(255), nullable=False),
    Column("os", String(255), nullable=False),
    Column("device", String(16), nullable=False),
    Column("country", String(2), nullable=True),
    PrimaryKeyConstraint("id"),
    Index(None, "ingested_at"),
)

#: Clicks per link per UTC day: humans and bots apart.
daily_clicks = Table(
    "daily_clicks",
    metadata,
    Column("code", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("code", "day"),
)

#: Clicks per link per UTC day per value of one dimension (see `DIMENSIONS`).
daily_breakdown = Table(
    "daily_breakdown",
    metadata,
    Column("code", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("dimension", String(16), nullable=False),
    Column("value", String(255), nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("code", "day", "dimension", "value"),
)
