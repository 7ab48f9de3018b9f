"""Give every link a stable, never reused identity (``links.uid``), existing links included.

Clicks belong to this id rather than to the code, so a deleted and re-created code
starts afresh. Existing rows get random ids in SQL, then the column becomes NOT NULL
and unique. SQLite rebuilds the table for that: dropping the old table would cascade to
``link_tags`` (foreign keys are on), so the tags are saved and put back, and the
AUTOINCREMENT high-water mark is carried over so integer ids stay unused.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_RANDOM_HEX = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text || id::text)",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("links", sa.Column("uid", sa.String(32), nullable=True))
    op.execute(f"UPDATE links SET uid = {_RANDOM_HEX[dialect]} WHERE uid IS NULL")  # noqa: S608
    if dialect == "sqlite":
        with _sqlite_rebuild() as batch:
            batch.alter_column("uid", existing_type=sa.String(32), nullable=False)
            batch.create_unique_constraint("uq_links_uid", ["uid"])
        return
    op.alter_column("links", "uid", existing_type=sa.String(32), nullable=False)
    op.create_unique_constraint("uq_links_uid", "links", ["uid"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with _sqlite_rebuild() as batch:
            batch.drop_constraint("uq_links_uid", type_="unique")
            batch.drop_column("uid")
        return
    op.drop_constraint("uq_links_uid", "links", type_="unique")
    op.drop_column("links", "uid")


@contextmanager
def _sqlite_rebuild() -> Iterator[BatchOperations]:
    """Rebuild ``links`` keeping its tags and its AUTOINCREMENT high-water mark."""
    sequence = sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'links'")
    high_water = op.get_bind().execute(sequence).scalar()
    op.execute("CREATE TEMP TABLE hop_saved_link_tags AS SELECT link_id, tag FROM link_tags")
    with op.batch_alter_table(
        "links", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        yield batch
    op.execute("DELETE FROM link_tags")
    op.execute("INSERT INTO link_tags (link_id, tag) SELECT link_id, tag FROM hop_saved_link_tags")
    op.execute("DROP TABLE hop_saved_link_tags")
    if high_water is not None:
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'links'")
        insert = sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('links', :seq)")
        op.execute(insert.bindparams(seq=int(high_water)))
