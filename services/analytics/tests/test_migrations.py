from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

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
        assert await MIGRATIONS.current_revision(engine) == "0004"
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
        assert await MIGRATIONS.current_revision(engine) == "0004"
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


def _without_rowid(connection: Connection) -> dict[str, bool]:
    rows = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE name IN ('daily_clicks', 'daily_breakdown')"
        )
    )
    return {name: sql.rstrip().endswith("WITHOUT ROWID") for name, sql in rows}


def _downgrade_to_0003(connection: Connection) -> None:
    command.downgrade(MIGRATIONS.config(connection), "0003")


async def _aggregate_rows(engine: AsyncEngine) -> tuple[list[tuple[object, ...]], ...]:
    async with engine.connect() as conn:
        daily = await conn.execute(text("SELECT * FROM daily_clicks ORDER BY link_id"))
        breakdown = await conn.execute(text("SELECT * FROM daily_breakdown ORDER BY value"))
        return [tuple(row) for row in daily], [tuple(row) for row in breakdown]


async def test_upgrade_makes_sqlite_aggregates_without_rowid_keeping_their_rows(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    link = fake_link_id("x")
    try:
        await MIGRATIONS.upgrade(engine, "0003")
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO daily_clicks VALUES (:link, '2026-11-28', 5, 1)"), {"link": link}
            )
            await conn.execute(
                text(
                    "INSERT INTO daily_breakdown VALUES (:link, '2026-11-28', 'browser',"
                    " 'Chrome', 4, 1), (:link, '2026-11-28', 'browser', 'Firefox', 1, 0)"
                ),
                {"link": link},
            )
        before = await _aggregate_rows(engine)
        await MIGRATIONS.upgrade(engine)
        async with engine.connect() as conn:
            upgraded = await conn.run_sync(_without_rowid)
        after = await _aggregate_rows(engine)
        stats = await ClickStore(engine).stats(link, DAY, DAY, code="x", include_bots=True, top_n=5)
        diff = await schema_drift(engine, metadata)
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to_0003)
        async with engine.connect() as conn:
            downgraded = await conn.run_sync(_without_rowid)
        back = await _aggregate_rows(engine)
    finally:
        await engine.dispose()
    assert upgraded == {"daily_clicks": True, "daily_breakdown": True}
    assert downgraded == {"daily_clicks": False, "daily_breakdown": False}
    assert before == after == back
    assert len(before[0]) == 1
    assert len(before[1]) == 2
    assert (stats.total_clicks, stats.bot_clicks) == (5, 1)
    assert [(r.value, r.clicks) for r in stats.top["browser"]] == [("Chrome", 5), ("Firefox", 1)]
    assert diff == []
