"""The database schema: raw events (the dedupe window) and daily aggregates per link."""

from __future__ import annotations

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
from sqlalchemy.types import TypeEngine

from hop_analytics.dimensions import DIMENSIONS

__all__ = ["Key", "click_events", "daily_breakdown", "daily_clicks", "metadata"]


def Key(length: int) -> TypeEngine[str]:  # noqa: N802  (reads as a column type)
    """Return a string type with byte-order collation on PostgreSQL (fast key compares)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


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
    Column("id", Key(64), nullable=False),
    Column("code", Key(64), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("is_bot", Boolean, nullable=False),
    *(Column(d.column, Key(d.length), nullable=d.nullable) for d in DIMENSIONS),
    PrimaryKeyConstraint("id"),
    Index(None, "ingested_at"),
)

#: Clicks per link per UTC day: humans and bots apart.
daily_clicks = Table(
    "daily_clicks",
    metadata,
    Column("code", Key(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("code", "day"),
    postgresql_with={"fillfactor": 70},
)

#: Clicks per link per UTC day per value of one dimension (see `hop_analytics.dimensions`).
daily_breakdown = Table(
    "daily_breakdown",
    metadata,
    Column("code", Key(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("dimension", Key(16), nullable=False),
    Column("value", Key(255), nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("code", "day", "dimension", "value"),
    postgresql_with={"fillfactor": 70},
)
