from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect

from hop_analytics.database import MIGRATIONS
from hop_analytics.tables import metadata
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import schema_drift


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_from_an_empty_sqlite_database_matches_the_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert await MIGRATIONS.current_revision(engine) is None
        await MIGRATIONS.upgrade(engine)
        await MIGRATIONS.upgrade(engine)  # a second run changes nothing
        assert await MIGRATIONS.current_revision(engine) == "0002"
        async with engine.connect() as connection:
            tables = await connection.run_sync(_tables)
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert tables == {"alembic_version", "click_events", "daily_clicks", "daily_breakdown"}
    assert diff == []


async def test_migrated_database_matches_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await MIGRATIONS.current_revision(engine) == "0002"
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert diff == []
