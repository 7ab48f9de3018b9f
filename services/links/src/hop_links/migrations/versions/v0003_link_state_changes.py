"""Record every disable and enable of a link in ``link_state_changes`` (analytics' feed).

Links disabled before this revision get one change each, at their ``updated_at`` (the
latest moment they are known to be disabled), so analytics stops counting them too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

#: Frozen copies of the column types, so this revision never changes with the code.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "link_state_changes",
        sa.Column("seq", Id, primary_key=True, autoincrement=True),
        sa.Column("link_id", sa.String(32), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_link_state_changes"),
        sqlite_autoincrement=True,
    )
    op.execute(
        "INSERT INTO link_state_changes (link_id, disabled, at)"
        " SELECT uid, disabled, updated_at FROM links WHERE disabled ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("link_state_changes")
