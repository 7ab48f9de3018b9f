"""Raw click events and daily aggregates.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _key(length: int) -> sa.types.TypeEngine[str]:
    # Byte-order collation on PostgreSQL: key comparisons become memcmp.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "click_events",
        sa.Column("id", _key(64), nullable=False),
        sa.Column("code", _key(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("referrer_host", _key(255), nullable=False),
        sa.Column("browser", _key(255), nullable=False),
        sa.Column("os", _key(255), nullable=False),
        sa.Column("device", _key(16), nullable=False),
        sa.Column("country", _key(2), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_click_events"),
    )
    op.create_index("ix_click_events_ingested_at", "click_events", ["ingested_at"])
    op.create_table(
        "daily_clicks",
        sa.Column("code", _key(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", "day", name="pk_daily_clicks"),
        postgresql_with={"fillfactor": 70},  # room for HOT updates of the counters
    )
    op.create_table(
        "daily_breakdown",
        sa.Column("code", _key(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", _key(16), nullable=False),
        sa.Column("value", _key(255), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", "day", "dimension", "value", name="pk_daily_breakdown"),
        postgresql_with={"fillfactor": 70},
    )


def downgrade() -> None:
    op.drop_table("daily_breakdown")
    op.drop_table("daily_clicks")
    op.drop_index("ix_click_events_ingested_at", table_name="click_events")
    op.drop_table("click_events")
