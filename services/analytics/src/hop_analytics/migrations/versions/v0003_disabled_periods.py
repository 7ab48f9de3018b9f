"""Disabled periods of links and the position in links' feed of disables and enables.

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


def upgrade() -> None:
    key = sa.String(_KEY_LENGTH).with_variant(sa.String(_KEY_LENGTH, collation="C"), "postgresql")
    op.create_table(
        "disabled_periods",
        sa.Column("link_id", key, nullable=False),
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
