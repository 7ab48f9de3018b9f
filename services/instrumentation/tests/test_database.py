"""The shared database layer: URLs, engines on SQLite and the real PostgreSQL, migrations."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic import command
from prometheus_client import CollectorRegistry
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation import SettingsError, load_settings
from hop_instrumentation.database import (
    DB_OPERATION_DURATION,
    DatabaseMetrics,
    DatabaseSettings,
    Migrations,
    PoolOptions,
    create_engine,
    is_sqlite,
    normalise_database_url,
    ping,
    reader,
    run_on_engine,
)
from hop_instrumentation.testing import metric_value, schema_drift, temporary_database

ENV = """\
from sqlalchemy import Column, Integer, MetaData, String, Table

from hop_instrumentation.database import run_env

metadata = MetaData()
Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50)))
run_env(metadata)
"""
REVISION = """\
import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    pass
"""
NOTES = 'op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))'
BODY = 'op.add_column("notes", sa.Column("body", sa.String(50)))'


class Settings(DatabaseSettings):
    service_name: str = "notes"
    database_url: str = "sqlite+aiosqlite:///notes.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:pw@db:5432/hop", "postgresql+asyncpg://u:pw@db:5432/hop"),
        ("postgres://u@db/hop", "postgresql+asyncpg://u@db/hop"),
        ("postgresql+psycopg://u@db/hop", "postgresql+asyncpg://u@db/hop"),
        ("postgresql+asyncpg://u@db/hop", "postgresql+asyncpg://u@db/hop"),
        ("PostgreSQL://u@db/hop", "postgresql+asyncpg://u@db/hop"),
        ("postgresql://u@db/hop?sslmode=require", "postgresql+asyncpg://u@db/hop?ssl=require"),
        ("sqlite:///hop.db", "sqlite+aiosqlite:///hop.db"),
        ("sqlite+pysqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite+aiosqlite:////var/lib/hop.db", "sqlite+aiosqlite:////var/lib/hop.db"),
    ],
)
def test_normalise_database_url_gives_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://root:hunter2@db/hop", "hop.db", ""])
def test_normalise_database_url_refuses_other_databases_naming_the_setting(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        normalise_database_url(url)
    message = str(caught.value)
    assert message.startswith("HOP_DATABASE_URL is ")
    assert "use postgresql://user:password@host:5432/database or sqlite:///" in message
    assert "hunter2" not in message


def test_normalise_database_url_redacts_the_password_and_names_the_given_setting() -> None:
    with pytest.raises(SettingsError) as caught:
        normalise_database_url("mysql://root:hunter2@db/hop", setting="HOP_BENCH_URL")
    assert str(caught.value).startswith("HOP_BENCH_URL is 'mysql://root:***@db/hop', which ")


def test_database_settings_read_the_hop_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_DATABASE_URL", "postgres://hop:pw@db/hop")
    monkeypatch.setenv("HOP_DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("HOP_DATABASE_MAX_OVERFLOW", "0")
    monkeypatch.setenv("HOP_DATABASE_POOL_TIMEOUT", "2.5")
    monkeypatch.setenv("HOP_RUN_MIGRATIONS", "true")
    settings = load_settings(Settings)
    assert settings.database_url == "postgresql+asyncpg://hop:pw@db/hop"
    assert settings.run_migrations is True
    assert settings.database_pool == PoolOptions(size=3, max_overflow=0, timeout=2.5)


def test_database_settings_default_to_the_service_sqlite_file() -> None:
    settings = load_settings(Settings)
    assert (settings.database_url, settings.run_migrations) == (
        "sqlite+aiosqlite:///notes.db",
        False,
    )
    assert settings.database_pool == PoolOptions()


def test_bad_database_url_names_the_variable_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOP_DATABASE_URL", "mysql://root:hunter2@db/hop")
    with pytest.raises(SettingsError) as caught:
        load_settings(Settings)
    message = str(caught.value)
    assert "HOP_DATABASE_URL" in message
    assert "mysql://root:***@db/hop" in message
    assert "hunter2" not in message


def _pragmas(connection: Connection) -> dict[str, object]:
    names = ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
    return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}


async def test_sqlite_engine_sets_the_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/hop.db")
    try:
        await ping(engine)
        async with engine.connect() as connection:
            pragmas = await connection.run_sync(_pragmas)
    finally:
        await engine.dispose()
    assert is_sqlite(engine)
    assert engine.url.drivername == "sqlite+aiosqlite"
    assert pragmas == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 1,  # NORMAL
        "busy_timeout": 30_000,
    }


def test_run_on_engine_runs_the_action_on_the_settings_database_then_disposes(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/cli.db")
    used: list[AsyncEngine] = []

    async def action(engine: AsyncEngine) -> int:
        used.append(engine)
        async with engine.connect() as connection:
            return int((await connection.execute(text("SELECT 41 + 1"))).scalar_one())

    assert run_on_engine(settings, action) == 42
    (engine,) = used
    assert engine.url.database == f"{tmp_path}/cli.db"
    assert engine.pool.checkedin() == 0  # disposed: the connection went back and was closed


def test_run_on_engine_lets_the_action_error_through_and_still_disposes(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/cli.db")
    used: list[AsyncEngine] = []

    async def action(engine: AsyncEngine) -> None:
        used.append(engine)
        await ping(engine)
        raise LookupError("the domain said no")

    with pytest.raises(LookupError, match="the domain said no"):
        run_on_engine(settings, action)
    assert used[0].pool.checkedin() == 0


async def test_ping_raises_when_the_database_cannot_be_reached() -> None:
    # A refused PostgreSQL port, not a missing SQLite file: aiosqlite's worker thread can
    # outlive a failed connect and report into the test's closed event loop.
    engine = create_engine("postgresql://postgres@127.0.0.1:1/nothing", pool=PoolOptions(timeout=2))
    try:
        with pytest.raises(OSError, match=r"Connect call failed|refused"):
            await ping(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A plain ``postgresql://`` URL of a fresh database of this test run, dropped at the end."""
    with temporary_database(prefix="hop_instrumentation_test") as url:
        yield url


async def _empty_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database: SQLite, then PostgreSQL (from a plain URL)."""
    if request.param == "postgres":
        engine = create_engine(request.getfixturevalue("postgres_server_url"))
        await _empty_schema(engine)
    else:
        engine = create_engine(f"sqlite:///{tmp_path}/hop.db")
    yield engine
    await engine.dispose()


@pytest.mark.postgres
async def test_postgres_engine_from_a_plain_url_uses_asyncpg_and_the_pool(
    postgres_server_url: str,
) -> None:
    pool = PoolOptions(size=3, max_overflow=2, timeout=1.5, recycle=60.0, pre_ping=True)
    engine = create_engine(postgres_server_url, pool=pool)
    try:
        await ping(engine)
    finally:
        await engine.dispose()
    assert not is_sqlite(engine)
    assert engine.url.drivername == "postgresql+asyncpg"
    assert engine.pool.size() == 3  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 2  # type: ignore[attr-defined]
    assert engine.pool._timeout == 1.5  # type: ignore[attr-defined]
    assert engine.pool._recycle == 60.0
    assert engine.pool._pre_ping is True


async def test_reader_commits_each_statement_by_itself(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    async with reader(engine).connect() as connection:
        await connection.execute(text("INSERT INTO notes (id) VALUES (1)"))
        # No commit: autocommit made it visible to every other connection already.
        async with engine.connect() as other:
            seen = (await other.execute(text("SELECT count(*) FROM notes"))).scalar_one()
    assert seen == 1
    assert reader(engine).get_execution_options()["isolation_level"] == "AUTOCOMMIT"


@pytest.fixture
def migrations(tmp_path: Path) -> Migrations:
    """Two revisions in a migrations folder: 0001 creates ``notes``, 0002 adds ``body``."""
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV)
    revisions = {"v0001_notes.py": ("0001", None, NOTES), "v0002_body.py": ("0002", "0001", BODY)}
    for name, (revision, down, upgrade) in revisions.items():
        text_ = REVISION.format(revision=revision, down=down, upgrade=upgrade)
        (folder / "versions" / name).write_text(textwrap.dedent(text_))
    return Migrations(folder)


def _columns(connection: Connection) -> dict[str, list[str]]:
    inspector = inspect(connection)
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()}


async def test_migrations_upgrade_to_head_once(engine: AsyncEngine, migrations: Migrations) -> None:
    assert await migrations.current_revision(engine) is None
    await migrations.upgrade(engine)
    await migrations.upgrade(engine)  # a second run changes nothing
    assert await migrations.current_revision(engine) == "0002"
    async with engine.connect() as connection:
        columns = await connection.run_sync(_columns)
    assert columns == {"alembic_version": ["version_num"], "notes": ["id", "body"]}


async def test_migrations_upgrade_to_a_given_revision(
    engine: AsyncEngine, migrations: Migrations
) -> None:
    await migrations.upgrade(engine, "0001")
    assert await migrations.current_revision(engine) == "0001"
    await migrations.upgrade(engine)
    assert await migrations.current_revision(engine) == "0002"


def test_migrations_refuse_to_run_without_the_handed_over_connection(
    migrations: Migrations,
) -> None:
    with pytest.raises(RuntimeError, match="run them with the service's `migrate` command"):
        command.upgrade(migrations.config(), "head")


async def test_schema_drift_is_empty_only_when_the_tables_match(
    engine: AsyncEngine, migrations: Migrations
) -> None:
    await migrations.upgrade(engine)
    declared = MetaData()
    Table("notes", declared, Column("id", Integer, primary_key=True), Column("body", String(50)))
    assert await schema_drift(engine, declared) == []
    Table("missing", declared, Column("id", Integer, primary_key=True))
    assert [change[0] for change in await schema_drift(engine, declared)] == ["add_table"]  # type: ignore[index]


async def _ping_once(url: str) -> None:
    engine = create_engine(url)
    try:
        await ping(engine)
    finally:
        await engine.dispose()


def test_temporary_database_is_created_and_dropped() -> None:
    with temporary_database(prefix="hop_drop_check") as url:
        asyncio.run(_ping_once(url))
    assert url.rsplit("/", 1)[1].startswith("hop_drop_check_")
    with pytest.raises(Exception, match="does not exist"):
        asyncio.run(_ping_once(url))


def _counts(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    return {
        (s.labels["db_system_name"], s.labels["db_operation_name"]): s.value
        for family in registry.collect()
        for s in family.samples
        if s.name == f"{DB_OPERATION_DURATION}_count"
    }


async def test_database_metrics_time_every_statement_by_system_and_operation(
    engine: AsyncEngine,
) -> None:
    registry = CollectorRegistry()
    DatabaseMetrics(registry).instrument(engine)
    system = engine.dialect.name
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
        await connection.execute(text("INSERT INTO t VALUES (1)"))
        await connection.execute(text("  select n FROM t"))
        await connection.execute(text("WITH x AS (SELECT n FROM t) UPDATE t SET n = 2"))
        with pytest.raises(DBAPIError):
            await connection.execute(text("SELECT nothing FROM t"))
    assert _counts(registry) == {
        (system, "_OTHER"): 1,
        (system, "INSERT"): 1,
        (system, "SELECT"): 2,  # the failed one too
        (system, "WITH"): 1,
    }
    total = metric_value(registry, f"{DB_OPERATION_DURATION}_sum")
    assert 0 < total < 5


async def test_database_metrics_time_a_block_whether_it_returns_or_raises() -> None:
    registry = CollectorRegistry()
    metrics = DatabaseMetrics(registry)
    with metrics.timed("postgresql", "DELETE FROM links WHERE code = $1"):
        await asyncio.sleep(0.003)
    with pytest.raises(OSError, match="lost"), metrics.timed("postgresql", "SELECT 1"):
        raise OSError("connection lost")
    assert _counts(registry) == {("postgresql", "DELETE"): 1, ("postgresql", "SELECT"): 1}
    slow = {"db_system_name": "postgresql", "db_operation_name": "DELETE", "le": "0.0025"}
    assert metric_value(registry, f"{DB_OPERATION_DURATION}_bucket", slow) == 0
    assert metric_value(registry, f"{DB_OPERATION_DURATION}_sum") >= 0.003


def test_database_metrics_in_multiprocess_mode_use_prometheus_client_histograms(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    registry = CollectorRegistry()
    metrics = DatabaseMetrics(registry)
    with metrics.timed("sqlite", "INSERT INTO t VALUES (1)"):
        pass
    metrics.observe("sqlite", "PRAGMA optimize", 0.002)
    assert _counts(registry) == {("sqlite", "INSERT"): 1, ("sqlite", "_OTHER"): 1}
