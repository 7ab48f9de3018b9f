from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from hop_analytics.database import MIGRATIONS
from hop_analytics.store import ClickStore
from hop_analytics.tables import metadata
from hop_contracts.testing import fake_link_id
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import schema_drift, temporary_database

from .conftest import PG_ADMIN_URL

DAY = date(2026, 11, 28)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_from_an_empty_sqlite_database_matches_the_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert await MIGRATIONS.current_revision(engine) is None
        await MIGRATIONS.upgrade(engine)
        await MIGRATIONS.upgrade(engine)  # a second run changes nothing
        assert await MIGRATIONS.current_revision(engine) == "0003"
        async with engine.connect() as connection:
            tables = await connection.run_sync(_tables)
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert tables == {
        "alembic_version",
        "click_events",
        "daily_clicks",
        "daily_breakdown",
        "disabled_periods",
        "held_clicks",
        "link_feed",
    }
    assert diff == []


async def test_migrated_database_matches_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await MIGRATIONS.current_revision(engine) == "0003"
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert diff == []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    with temporary_database(PG_ADMIN_URL, prefix="hop_analytics_test") as url:
        yield url


async def test_upgrade_keeps_clicks_recorded_before_link_ids_under_legacy_keys(
    unmigrated_url: str,
) -> None:
    engine = create_engine(unmigrated_url)
    try:
        await MIGRATIONS.upgrade(engine, "0001")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO click_events (id, code, occurred_at, ingested_at, is_bot,"
                    " referrer_host, browser, os, device, country) VALUES ('e1', 'x',"
                    " '2026-11-28 08:00:00+00:00', '2026-11-28 08:00:01+00:00', false,"
                    " 'news.example', 'Chrome', 'Windows', 'desktop', 'DE')"
                )
            )
            await conn.execute(text("INSERT INTO daily_clicks VALUES ('x', '2026-11-28', 5, 1)"))
            await conn.execute(
                text(
                    "INSERT INTO daily_breakdown VALUES"
                    " ('x', '2026-11-28', 'browser', 'Chrome', 5, 1)"
                )
            )
        await MIGRATIONS.upgrade(engine)
        async with engine.connect() as conn:
            events = (await conn.execute(text("SELECT id, link_id, code FROM click_events"))).all()
            daily = (await conn.execute(text("SELECT * FROM daily_clicks"))).all()
            breakdown = (
                await conn.execute(text("SELECT link_id, clicks FROM daily_breakdown"))
            ).all()
        stats = await ClickStore(engine).stats(
            fake_link_id("x"), DAY, DAY, code="x", include_bots=True, top_n=5
        )
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert [tuple(row) for row in events] == [("e1", "legacy:x", "x")]
    assert [(row.link_id, str(row.day), row.clicks, row.bot_clicks) for row in daily] == [
        ("legacy:x", "2026-11-28", 5, 1)
    ]
    assert [tuple(row) for row in breakdown] == [("legacy:x", 5)]
    assert (stats.total_clicks, stats.bot_clicks) == (0, 0)  # a new link 'x' starts at zero
    assert diff == []
