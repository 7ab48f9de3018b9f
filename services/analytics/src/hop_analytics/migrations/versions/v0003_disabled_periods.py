"""Disabled periods of links, the events held while one is open, and the feed's position.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_KEY_LENGTH: Final = 72
_DIMENSIONS: Final = (("referrer_host", 255), ("browser", 255), ("os", 255), ("device", 16))


def _key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "held_clicks",
        sa.Column("id", _key(64), nullable=False),
        sa.Column("link_id", _key(_KEY_LENGTH), nullable=False),
        sa.Column("code", _key(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        *(sa.Column(name, _key(length), nullable=False) for name, length in _DIMENSIONS),
        sa.Column("country", _key(2), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_held_clicks"),
    )
    op.create_index("ix_held_clicks_link_id", "held_clicks", ["link_id"])
    op.create_table(
        "disabled_periods",
        sa.Column("link_id", _key(_KEY_LENGTH), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("link_id", "disabled_at", name="pk_disabled_periods"),
    )
    op.create_table(
        "link_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applied_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_feed"),
        sa.CheckConstraint("id = 1", name="ck_link_feed_one_row"),
    )
    op.execute("INSERT INTO link_feed (id, applied_seq) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("link_feed")
    op.drop_table("disabled_periods")
    op.drop_table("held_clicks")
