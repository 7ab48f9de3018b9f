"""The database schema (SQLAlchemy Core); Alembic's migrations create exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "PLATFORM_DOMAIN",
    "UTCDateTime",
    "api_keys",
    "domains",
    "link_state_changes",
    "link_tags",
    "links",
    "metadata",
    "owners",
    "sessions",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
#: ``links.domain`` of a link on the platform's own host: a sentinel, not the host's name,
#: so a change of the public base URL moves nothing.
PLATFORM_DOMAIN = ""
#: The longest domain name (RFC 1035), as `hop_contracts.DOMAIN_NAME_MAX_LENGTH`.
_NAME_LENGTH = 253
#: SQLite only auto-increments INTEGER primary keys.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and read them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"Expected a datetime from the database, got {type(value).__name__}.")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


owners = Table(
    "owners",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_id", Id, ForeignKey("owners.id", ondelete="CASCADE"), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_api_keys_owner_id", "owner_id"),
)

links = Table(
    "links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The link's public, stable identity (clicks belong to it): random, never reused.
    Column("uid", String(32), nullable=False, unique=True),
    Column("code", String(64), nullable=False),
    Column("owner_id", Id, ForeignKey("owners.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("redirect_status", SmallInteger(), nullable=False),
    Column("forward_query", Boolean(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("disabled", Boolean(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The canonical name of a branded domain, or `PLATFORM_DOMAIN`; a code is unique per domain.
    Column("domain", String(_NAME_LENGTH), nullable=False, server_default=PLATFORM_DOMAIN),
    UniqueConstraint("domain", "code", name="uq_links_domain_code"),
    Index("ix_links_owner_id_id", "owner_id", "id"),
    sqlite_autoincrement=True,  # never reuse ids: cursors and tags rely on it
)

#: Branded domains (`hop_links.domain_store`): a name is one owner's, whatever its status.
#: ``token`` is the secret the owner publishes to prove the name (`hop_contracts.domains`).
domains = Table(
    "domains",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_id", Id, ForeignKey("owners.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(_NAME_LENGTH), nullable=False, unique=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("verified_at", UTCDateTime(), nullable=True),
    Column("last_checked_at", UTCDateTime(), nullable=True),
    Index("ix_domains_owner_id", "owner_id"),
    Index("ix_domains_last_checked_at", "last_checked_at"),
    sqlite_autoincrement=True,
)

link_tags = Table(
    "link_tags",
    metadata,
    Column("link_id", Id, ForeignKey("links.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(32), primary_key=True),
    Index("ix_link_tags_tag_link_id", "tag", "link_id"),
)

#: Every transition of a link's ``disabled`` flag, appended in the transaction that made it
#: and never changed: the feed analytics reads (``seq`` in commit order) to stop counting a
#: disabled link's clicks. ``link_id`` is the link's ``uid``, kept after the link is deleted.
link_state_changes = Table(
    "link_state_changes",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("link_id", String(32), nullable=False),
    Column("disabled", Boolean(), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    sqlite_autoincrement=True,  # never reuse a seq: readers resume after the last one
)

#: Console sessions (`hop_links.sessions`): a row is a live session until it expires; ending
#: one deletes its row, and revoking its key deletes every session made with that key.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_id", Id, ForeignKey("owners.id", ondelete="CASCADE"), nullable=False),
    Column("key_id", Id, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_sessions_owner_id", "owner_id"),
    Index("ix_sessions_key_id", "key_id"),
    sqlite_autoincrement=True,  # never reuse an id: an ended session's id stays ended
)
