from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import schema_drift, temporary_database
from hop_links.database import MIGRATIONS
from hop_links.domain_names import DomainRules
from hop_links.domain_store import DomainStore
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


async def _seed_revision_0004(engine: AsyncEngine) -> dict[str, list[Any]]:
    """Owners, a key, links with tags, a disable, a session; return every table's rows."""
    now = "CURRENT_TIMESTAMP"
    statements = [
        f"INSERT INTO owners (id, name, created_at) VALUES (1, 'old', {now})",
        "INSERT INTO api_keys (id, owner_id, prefix, key_hash, created_at) "
        f"VALUES (1, 1, 'hop_abc', 'hash1', {now})",
        *[
            "INSERT INTO links (uid, code, owner_id, url, redirect_status, forward_query, "
            f"disabled, created_at, updated_at) VALUES ('{uid}', '{code}', 1, "
            f"'https://example.com/{code}', 301, true, false, {now}, {now})"
            for uid, code in (("a" * 32, "first01"), ("b" * 32, "second2"), ("c" * 32, "third03"))
        ],
        "INSERT INTO link_tags (link_id, tag) VALUES (1, 'a'), (2, 'b'), (2, 'c')",
        "DELETE FROM links WHERE code = 'third03'",
        "INSERT INTO link_state_changes (link_id, disabled, at) "
        f"VALUES ('{'b' * 32}', true, {now})",
        "INSERT INTO sessions (owner_id, key_id, token_hash, label, created_at, expires_at) "
        f"VALUES (1, 1, 'hash2', 'laptop', {now}, {now})",
    ]
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    return await _rows(engine)


async def _rows(engine: AsyncEngine) -> dict[str, list[Any]]:
    queries = {
        "owners": "SELECT id, name FROM owners",
        "api_keys": "SELECT id, owner_id, prefix, key_hash FROM api_keys",
        "links": "SELECT id, uid, code, owner_id, url, redirect_status, forward_query, "
        "disabled FROM links ORDER BY id",
        "link_tags": "SELECT link_id, tag FROM link_tags ORDER BY link_id, tag",
        "link_state_changes": "SELECT seq, link_id, disabled FROM link_state_changes",
        "sessions": "SELECT id, owner_id, key_id, token_hash, label FROM sessions",
    }
    async with engine.connect() as connection:
        return {
            table: [tuple(row) for row in await connection.execute(text(query))]
            for table, query in queries.items()
        }


async def test_upgrade_to_0005_keeps_every_row_and_puts_links_on_the_platform_domain(
    blank_database_url: str,
) -> None:
    engine = create_engine(blank_database_url)
    try:
        await MIGRATIONS.upgrade(engine, "0004")
        before = await _seed_revision_0004(engine)
        await MIGRATIONS.upgrade(engine)
        after = await _rows(engine)
        async with engine.connect() as connection:
            domains = (await connection.execute(text("SELECT DISTINCT domain FROM links"))).all()
            await connection.execute(
                text(
                    "INSERT INTO domains (owner_id, name, token, status, created_at) "
                    "VALUES (1, 'go.acme.com', 't', 'pending', CURRENT_TIMESTAMP)"
                )
            )
            await connection.commit()
        diff = await schema_drift(engine, metadata)
        rules = DomainRules(platform_host="hop.test")
        store = LinkStore(engine, public_host="hop.test", domains=DomainStore(engine, rules=rules))
        again = await store.create(1, LinkDraft(url="https://example.com/n", code="second2",
                                                domain="go.acme.com"))  # fmt: skip
        async with engine.connect() as connection:
            new_id = (await connection.execute(text("SELECT max(id) FROM links"))).scalar()
    finally:
        await engine.dispose()
    assert after == before
    assert before["links"][0][:3] == (1, "a" * 32, "first01")
    assert domains == [("",)]
    assert diff == []
    assert (again.code, again.domain) == ("second2", "go.acme.com")
    assert new_id == 4  # the deleted link's integer id 3 is not handed out again


async def test_downgrade_to_0004_and_back_keeps_platform_links(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/round5.db")
    try:
        await MIGRATIONS.upgrade(engine, "0004")
        before = await _seed_revision_0004(engine)
        await MIGRATIONS.upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.downgrade(MIGRATIONS.config(sync), "0004")
            )
        await MIGRATIONS.upgrade(engine)
        after = await _rows(engine)
        diff = await schema_drift(engine, metadata)
    finally:
        await engine.dispose()
    assert (after, diff) == (before, [])
