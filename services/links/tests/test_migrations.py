from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import schema_drift, temporary_database
from hop_links.database import MIGRATIONS
from hop_links.records import LinkDraft
from hop_links.store import LinkStore
from hop_links.tables import metadata

HEAD: Final = "0005"


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_from_an_empty_sqlite_database_matches_the_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    try:
        assert await MIGRATIONS.current_revision(engine) is None
        await MIGRATIONS.upgrade(engine)
        await MIGRATIONS.upgrade(engine)  # a second run changes nothing
        assert await MIGRATIONS.current_revision(engine) == HEAD
        async with engine.connect() as connection:
            tables = await connection.run_sync(_tables)
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert tables == {
        "alembic_version",
        "owners",
        "api_keys",
        "links",
        "link_tags",
        "link_state_changes",
        "sessions",
        "domains",
    }
    assert diff == []


async def test_migrated_database_matches_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await MIGRATIONS.current_revision(engine) == HEAD
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert diff == []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched yet: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/blank.db"
        return
    with temporary_database(prefix="hop_links_test") as url:
        yield url


async def _seed_revision_0001(engine: AsyncEngine) -> None:
    """Links as revision 0001 kept them: no stable id, tags, and a deleted newest link."""
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO owners (id, name, created_at) VALUES (1, 'old', CURRENT_TIMESTAMP)")
        )
        for code in ("first01", "second2", "third03"):
            await connection.execute(
                text(
                    "INSERT INTO links (code, owner_id, url, redirect_status, forward_query, "
                    "disabled, created_at, updated_at) VALUES (:code, 1, 'https://example.com/', "
                    "302, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"code": code},
            )
        await connection.execute(
            text("INSERT INTO link_tags (link_id, tag) VALUES (1, 'a'), (2, 'b'), (2, 'c')")
        )
        await connection.execute(text("DELETE FROM links WHERE code = 'third03'"))


async def test_upgrade_keeps_existing_links_and_gives_each_a_distinct_id(
    blank_database_url: str,
) -> None:
    engine = create_engine(blank_database_url)
    try:
        await MIGRATIONS.upgrade(engine, "0001")
        await _seed_revision_0001(engine)
        await MIGRATIONS.upgrade(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT id, code, uid FROM links"))).all()
            tags = (await connection.execute(text("SELECT link_id, tag FROM link_tags"))).all()
        diff = await schema_drift(engine, metadata)
        created = await LinkStore(engine, public_host="hop.test").create(
            1, LinkDraft(url="https://example.com/new")
        )
        async with engine.connect() as connection:
            new_row = (
                await connection.execute(
                    text("SELECT id FROM links WHERE code = :code"), {"code": created.code}
                )
            ).scalar()
    finally:
        await engine.dispose()
    assert sorted((row.id, row.code) for row in rows) == [(1, "first01"), (2, "second2")]
    assert all(re.fullmatch(r"[0-9a-f]{32}", row.uid) for row in rows)
    assert len({row.uid for row in rows} | {created.id}) == 3
    assert sorted(tags) == [(1, "a"), (2, "b"), (2, "c")]
    assert new_row == 4  # the deleted link's integer id 3 is not handed out again
    assert diff == []


async def test_downgrade_to_0001_and_back_keeps_links_and_tags(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/round.db")
    try:
        await MIGRATIONS.upgrade(engine, "0001")
        await _seed_revision_0001(engine)
        await MIGRATIONS.upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.downgrade(MIGRATIONS.config(sync), "0001")
            )
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("links")]
            )
            tags = (await connection.execute(text("SELECT count(*) FROM link_tags"))).scalar()
        await MIGRATIONS.upgrade(engine)
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert "uid" not in columns
    assert tags == 3
    assert diff == []


async def test_upgrade_to_0003_records_the_links_disabled_before_it(
    blank_database_url: str,
) -> None:
    engine = create_engine(blank_database_url)
    try:
        await MIGRATIONS.upgrade(engine, "0001")
        await _seed_revision_0001(engine)
        await MIGRATIONS.upgrade(engine, "0002")
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE links SET disabled = true WHERE code = 'second2'")
            )
            uid = (
                await connection.execute(text("SELECT uid FROM links WHERE code = 'second2'"))
            ).scalar()
        await MIGRATIONS.upgrade(engine)
        changes = await LinkStore(engine, public_host="hop.test").state_changes(after=0, limit=10)
    finally:
        await engine.dispose()
    assert [(c.seq, c.link_id, c.disabled) for c in changes] == [(1, uid, True)]


async def test_upgrade_to_0004_keeps_owners_and_keys_and_adds_empty_sessions(
    blank_database_url: str,
) -> None:
    engine = create_engine(blank_database_url)
    try:
        await MIGRATIONS.upgrade(engine, "0003")
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO owners (name, created_at) VALUES ('old', CURRENT_TIMESTAMP)")
            )
        await MIGRATIONS.upgrade(engine)
        async with engine.connect() as connection:
            owners = (await connection.execute(text("SELECT name FROM owners"))).scalars().all()
            sessions = (await connection.execute(text("SELECT count(*) FROM sessions"))).scalar()
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert (owners, sessions, diff) == (["old"], 0, [])
