"""On SQLite the aggregate tables are ``WITHOUT ROWID``: their primary key is the table.

Intake upserts one row per (link, day) and per (link, day, dimension, value) of every
batch, always through the primary key. A rowid table keeps that key in a second b-tree,
so each upsert searched the key's index, then the table; now it searches the table only,
and a commit writes the pages of one b-tree per table instead of two. Each table is
rebuilt (create, copy, drop, rename), its rows kept. PostgreSQL has no rowid: nothing
changes there.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_KEY_LENGTH: Final = 72


def _daily_clicks(name: str, *, with_rowid: bool) -> None:
    op.create_table(
        name,
        sa.Column("link_id", sa.String(_KEY_LENGTH), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("link_id", "day", name="pk_daily_clicks"),
        sqlite_with_rowid=with_rowid,
    )


def _daily_breakdown(name: str, *, with_rowid: bool) -> None:
    op.create_table(
        name,
        sa.Column("link_id", sa.String(_KEY_LENGTH), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("bot_clicks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("link_id", "day", "dimension", "value", name="pk_daily_breakdown"),
        sqlite_with_rowid=with_rowid,
    )


def _rebuild(*, with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, create in (("daily_clicks", _daily_clicks), ("daily_breakdown", _daily_breakdown)):
        new = f"{table}_0004"
        create(new, with_rowid=with_rowid)
        op.execute(f"INSERT INTO {new} SELECT * FROM {table}")  # noqa: S608  (fixed names)
        op.drop_table(table)
        op.rename_table(new, table)


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
