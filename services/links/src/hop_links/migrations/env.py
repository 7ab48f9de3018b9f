"""Alembic's environment: migrations run on the connection `hop_links.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hop_links.tables import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "hop-links migrations run through `hop-links migrate` (hop_links.migrate), "
            "which hands Alembic an open connection."
        )
    run_migrations(connection)


main()
