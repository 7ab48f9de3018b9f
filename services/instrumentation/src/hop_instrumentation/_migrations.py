"""Alembic, configured in code, on the async engine's own connection (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

#: Where `Migrations` leaves the open connection for the migrations' env.py.
_CONNECTION = "connection"


class Migrations:
    """Run one package's Alembic migrations on an async engine.

    ``script_location`` is the migrations folder: a path, or Alembic's package
    notation (``"hop_links:migrations"``), which works wherever the package is installed.
    """

    def __init__(self, script_location: str | Path) -> None:
        self.script_location = str(script_location)

    def config(self, connection: Connection | None = None) -> Config:
        """Return the Alembic configuration, handing ``connection`` over to env.py."""
        config = Config()
        config.set_main_option("script_location", self.script_location)
        config.set_main_option("path_separator", "os")
        config.attributes[_CONNECTION] = connection
        return config

    async def upgrade(self, engine: AsyncEngine, revision: str = "head") -> None:
        """Migrate the database behind ``engine`` up to ``revision``, in one transaction."""
        async with engine.begin() as connection:
            await connection.run_sync(self._upgrade, revision)

    def _upgrade(self, connection: Connection, revision: str) -> None:
        command.upgrade(self.config(connection), revision)

    async def current_revision(self, engine: AsyncEngine) -> str | None:
        """Return the revision the database is at, or None if it was never migrated."""
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def run_env(target_metadata: MetaData) -> None:
    """Run the migrations Alembic asked for; the whole body of a service's env.py.

    Usage (``migrations/env.py``)::

        from hop_instrumentation.database import run_env
        from hop_links.tables import metadata

        run_env(metadata)
    """
    connection = context.config.attributes.get(_CONNECTION)
    if not isinstance(connection, Connection):
        raise RuntimeError(
            f"The migrations in {context.config.get_main_option('script_location')} run on "
            "the connection hop_instrumentation.database.Migrations hands over; run them "
            "with the service's `migrate` command, not the alembic command line."
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
