"""Branded domains: the ``domains`` table, and a code unique per domain (issue 26).

Every existing link moves to the platform domain (``links.domain`` is the empty string,
the sentinel of the platform's own host) with its id, stable id, code and tags unchanged;
unique (domain, code) replaces unique (code). SQLite rebuilds ``links`` for that, keeping
its tags (dropping the old table would cascade to them) and its AUTOINCREMENT high-water
mark, as revision 0002 does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

#: Frozen copies of the column types, so this revision never changes with the code.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_DOMAIN = sa.Column("domain", sa.String(253), nullable=False, server_default="")


def upgrade() -> None:
    _create_domains()
    if op.get_bind().dialect.name == "sqlite":
        with _sqlite_rebuild() as batch:
            batch.add_column(_DOMAIN)
            batch.drop_constraint("uq_links_code", type_="unique")
            batch.create_unique_constraint("uq_links_domain_code", ["domain", "code"])
        return
    op.add_column("links", _DOMAIN)
    op.drop_constraint("uq_links_code", "links", type_="unique")
    op.create_unique_constraint("uq_links_domain_code", "links", ["domain", "code"])


def downgrade() -> None:
    # Links on branded domains cannot keep their codes once a code is unique again.
    op.execute("DELETE FROM link_tags WHERE link_id IN (SELECT id FROM links WHERE domain <> '')")
    op.execute("DELETE FROM links WHERE domain <> ''")
    if op.get_bind().dialect.name == "sqlite":
        with _sqlite_rebuild() as batch:
            batch.drop_constraint("uq_links_domain_code", type_="unique")
            batch.drop_column("domain")
            batch.create_unique_constraint("uq_links_code", ["code"])
    else:
        op.drop_constraint("uq_links_domain_code", "links", type_="unique")
        op.drop_column("links", "domain")
        op.create_unique_constraint("uq_links_code", "links", ["code"])
    op.drop_table("domains")


def _create_domains() -> None:
    op.create_table(
        "domains",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("owner_id", Id, nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_domains"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owners.id"], name="fk_domains_owner_id_owners", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("name", name="uq_domains_name"),
        sa.UniqueConstraint("token", name="uq_domains_token"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_domains_owner_id", "domains", ["owner_id"])
    op.create_index("ix_domains_last_checked_at", "domains", ["last_checked_at"])


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
