"""The database schema: raw events (the dedupe window) and daily aggregates per link id.

Clicks belong to a link's stable id, never to its code: a deleted and re-created code is a
new link id and starts at zero. Clicks stored before events carried link ids are kept under
`legacy_link_id` of their code, a key no link id can equal (ids never contain ``:``), so
they are never shown for any link.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from hop_analytics.dimensions import DIMENSIONS

__all__ = [
    "LEGACY_PREFIX",
    "LINK_KEY_LENGTH",
    "Key",
    "click_events",
    "daily_breakdown",
    "daily_clicks",
    "disabled_periods",
    "held_clicks",
    "legacy_link_id",
    "link_feed",
    "metadata",
]

#: What the key of a click recorded before link ids starts with (migration 0002).
LEGACY_PREFIX: Final = "legacy:"
#: Room for a link id (64) and for a legacy key (the prefix and a code of up to 64).
LINK_KEY_LENGTH: Final = 72


def legacy_link_id(code: str) -> str:
    """Return the key the clicks of ``code`` recorded before link ids are kept under."""
    return LEGACY_PREFIX + code


def Key(length: int) -> TypeEngine[str]:  # noqa: N802  (reads as a column type)
    """Return a string type with byte-order collation on PostgreSQL (fast key compares)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _event_columns() -> list[SchemaItem]:
    """Return the columns of a stored event (new objects: a column belongs to one table)."""
    return [
        Column("id", Key(64), nullable=False),
        Column("link_id", Key(LINK_KEY_LENGTH), nullable=False),
        Column("code", Key(64), nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("ingested_at", DateTime(timezone=True), nullable=False),
        Column("is_bot", Boolean, nullable=False),
        *(Column(d.column, Key(d.length), nullable=d.nullable) for d in DIMENSIONS),
    ]


#: One row per event id, kept `retention_days` after ingestion: the dedupe window.
click_events = Table(
    "click_events",
    metadata,
    *_event_columns(),
    PrimaryKeyConstraint("id"),
    Index(None, "ingested_at"),
)

#: Events of a link inside a period that has no end yet: counted nowhere unless the link
#: is enabled again before they occurred (redirect's clock against links'), when they
#: move to ``click_events`` and the aggregates. Pruned like ``click_events``.
held_clicks = Table(
    "held_clicks",
    metadata,
    *_event_columns(),
    PrimaryKeyConstraint("id"),
    Index(None, "link_id"),  # an enable counts its link's held events under intake's lock
)

#: Clicks per link id per UTC day: humans and bots apart.
daily_clicks = Table(
    "daily_clicks",
    metadata,
    Column("link_id", Key(LINK_KEY_LENGTH), nullable=False),
    Column("day", Date, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("link_id", "day"),
    postgresql_with={"fillfactor": 70},
    sqlite_with_rowid=False,  # intake upserts through the key: one b-tree, not two
)

#: Clicks per link id per UTC day per value of one dimension (`hop_analytics.dimensions`).
daily_breakdown = Table(
    "daily_breakdown",
    metadata,
    Column("link_id", Key(LINK_KEY_LENGTH), nullable=False),
    Column("day", Date, nullable=False),
    Column("dimension", Key(16), nullable=False),
    Column("value", Key(255), nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("bot_clicks", BigInteger, nullable=False),
    PrimaryKeyConstraint("link_id", "day", "dimension", "value"),
    postgresql_with={"fillfactor": 70},
    sqlite_with_rowid=False,
)

#: When each link was disabled (links' clock), and enabled again (NULL: still disabled).
#: Clicks of a link that occurred inside one of its periods are not counted: intake holds
#: or drops them, and learning of a period takes back those counted (`hop_analytics._disabled`).
disabled_periods = Table(
    "disabled_periods",
    metadata,
    Column("link_id", Key(LINK_KEY_LENGTH), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=False),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("link_id", "disabled_at"),
)

#: The one row holding how far links' feed of disables and enables has been applied: the
#: last ``seq`` (`hop_contracts.LinkChangePage`), shared by every replica.
link_feed = Table(
    "link_feed",
    metadata,
    Column("id", Integer, nullable=False),
    Column("applied_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("id"),
    CheckConstraint("id = 1", name="ck_link_feed_one_row"),
)
