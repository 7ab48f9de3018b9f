"""Clicks belong to link ids: ``link_id`` keys the aggregates, raw events carry it.

Rows recorded before events carried link ids are kept, under ``legacy:<code>``: a key no
link id can equal (ids are made of the code alphabet, which has no ``:``), so a deleted
and re-created code never shows them. Each table is rebuilt (create, copy, drop, rename)
the same way on SQLite and PostgreSQL.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_KEY_LENGTH: Final = 72
_DIMENSIONS: Final = ("referrer_host", "browser", "os", "device", "country")


def _key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _set_aside(table: str) -> str:
    old = f"{table}_0001"
    op.rename_table(table, old)
    if op.get_bind().dialect.name == "postgresql":  # constraint names are schema-wide there
        op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    return old


def _copy(old: str, new: str, columns: str, selected: str) -> None:
    op.execute(f"INSERT INTO {new} ({columns}) SELECT {selected} FROM {old}")  # noqa: S608
    op.drop_table(old)


def _events_columns(key: str) -> list[sa.schema.SchemaItem]:
    keys: list[sa.schema.SchemaItem] = [sa.Column("code", _key(64), nullable=False)]
    if key == "link_id":
        keys.insert(0, sa.Column("link_id", _key(_KEY_LENGTH), nullable=False))
    return [
        sa.Column("id", _key(64), nullable=False),
        *keys,
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("referrer_host", _key(255), nullable=False),
        sa.Column("browser", _key(255), nullable=False),
        sa.Column("os", _key(255), nullable=False),
        sa.Column("device", _key(16), nullable=False),
        sa.Column("country", _key(2), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_click_events"),
    ]


def _rebuild(key: str, legacy: str) -> None:
    length = _KEY_LENGTH if key == "link_id" else 64
    op.drop_index("ix_click_events_ingested_at", table_name="click_events")
    old = _set_aside("click_events")
    op.create_table("click_events", *_events_columns(key))
    rest = "occurred_at, ingested_at, is_bot, " + ", ".join(_DIMENSIONS)
    if key == "link_id":
        _copy(old, "click_events", f"id, link_id, code, {rest}", f"id, {legacy}, code, {rest}")
    else:
        _copy(old, "click_events", f"id, code, {rest}", f"id, code, {rest}")
    op.create_index("ix_click_events_ingested_at", "click_events", ["ingested_at"])

    old = _set_aside("daily_clicks")
    op.create_table(
        "daily_clicks",
        sa.Column(key, _key(length), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(key, "day", name="pk_daily_clicks"),
        postgresql_with={"fillfactor": 70},
    )
    rest = "day, clicks, bot_clicks"
    _copy(old, "daily_clicks", f"{key}, {rest}", f"{legacy}, {rest}")

    old = _set_aside("daily_breakdown")
    op.create_table(
        "daily_breakdown",
        sa.Column(key, _key(length), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", _key(16), nullable=False),
        sa.Column("value", _key(255), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(key, "day", "dimension", "value", name="pk_daily_breakdown"),
        postgresql_with={"fillfactor": 70},
    )
    rest = "day, dimension, value, clicks, bot_clicks"
    _copy(old, "daily_breakdown", f"{key}, {rest}", f"{legacy}, {rest}")


def upgrade() -> None:
    _rebuild("link_id", "'legacy:' || code")


def downgrade() -> None:
    # Clicks of real link ids have no code in the aggregates: only legacy rows go back.
    op.execute("DELETE FROM daily_clicks WHERE link_id NOT LIKE 'legacy:%'")
    op.execute("DELETE FROM daily_breakdown WHERE link_id NOT LIKE 'legacy:%'")
    _rebuild("code", "substr(link_id, 8)")
