"""The database layer every hop service with a database shares (the ``sqlalchemy`` extra).

Usage::

    from hop_instrumentation.database import DatabaseSettings, Migrations, create_engine, ping

    class Settings(DatabaseSettings):
        service_name: str = "links"
        database_url: str = "sqlite+aiosqlite:///hop-links.db"

    MIGRATIONS = Migrations("hop_links:migrations")  # the package's Alembic folder

    settings = load_settings(Settings)
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    if settings.run_migrations:
        await MIGRATIONS.upgrade(engine)
    hop.readiness.add_check(HealthCheck("database", lambda: ping(engine)))
    DatabaseMetrics(hop.metrics.registry).instrument(engine)  # statement durations

URLs are normalised to the async drivers hop runs on: the plain ``postgresql://`` or
``postgres://`` URL PostgreSQL operators (CloudNativePG...) put in their Secrets becomes
``postgresql+asyncpg://``, ``sqlite://`` becomes ``sqlite+aiosqlite://``. SQLite gets
foreign keys, WAL, ``synchronous=NORMAL`` and a 30 s busy timeout on every connection;
PostgreSQL gets a bounded pool (`PoolOptions`). The migrations' ``env.py`` is one call:
``run_env(metadata)``. `DatabaseMetrics` times every statement into
``db_client_operation_duration_seconds{db_system_name, db_operation_name}``, and
`db_span_attributes` names a database span's attributes the same (current) way for the
driver calls SQLAlchemy never sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlencode

from pydantic import Field, field_validator
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hop_instrumentation._database_metrics import (
    DB_DURATION_BUCKETS,
    DB_OPERATION_DURATION,
    DatabaseMetrics,
    db_span_attributes,
)
from hop_instrumentation._migrations import Migrations, run_env
from hop_instrumentation.settings import ServiceSettings, SettingsError, _redact_url

__all__ = [
    "DB_DURATION_BUCKETS",
    "DB_OPERATION_DURATION",
    "DatabaseMetrics",
    "DatabaseSettings",
    "Migrations",
    "PoolOptions",
    "create_engine",
    "db_span_attributes",
    "is_sqlite",
    "normalise_database_url",
    "ping",
    "reader",
    "run_env",
    "run_on_engine",
]

T = TypeVar("T")

#: Dialects hop runs on, each with the one async driver it uses.
_ASYNC_DRIVERS: Final = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}
#: Seconds a SQLite connection waits for another writer's lock before failing.
_SQLITE_BUSY_TIMEOUT: Final = 30.0
_SQLITE_PRAGMAS: Final = ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL")


def normalise_database_url(url: str, *, setting: str = "HOP_DATABASE_URL") -> str:
    """Return ``url`` with hop's async driver; raise `SettingsError` for other databases.

    ``postgres://``, ``postgresql://`` and ``postgresql+<any driver>://`` become
    ``postgresql+asyncpg://`` (libpq's ``sslmode`` becomes asyncpg's ``ssl``);
    ``sqlite://`` and ``sqlite+<any driver>://`` become ``sqlite+aiosqlite://``.
    """
    scheme, separator, rest = url.partition("://")
    driver = _ASYNC_DRIVERS.get(scheme.lower().partition("+")[0])
    if not separator or driver is None:
        raise SettingsError(
            f"{setting} is {_redact_url(url)!r}, which is not a PostgreSQL or SQLite URL; "
            "use postgresql://user:password@host:5432/database or sqlite:///path/to/file.db."
        )
    if driver == "postgresql+asyncpg":
        rest = _asyncpg_query(rest)
    return f"{driver}://{rest}"


def _asyncpg_query(rest: str) -> str:
    location, mark, query = rest.partition("?")
    if not mark:
        return rest
    pairs = parse_qsl(query, keep_blank_values=True)
    return f"{location}?{urlencode([('ssl' if k == 'sslmode' else k, v) for k, v in pairs])}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolOptions:
    """Size and age a PostgreSQL connection pool (SQLite connections are not pooled so)."""

    size: int = 10
    max_overflow: int = 10
    #: Seconds to wait for a pooled connection, and for a new one to connect.
    timeout: float = 5.0
    #: Seconds after which a connection is replaced (before idle-killing proxies drop it).
    recycle: float = 1800.0
    #: Test each connection with a round trip when it leaves the pool.
    pre_ping: bool = False


def create_engine(url: str, *, pool: PoolOptions | None = None) -> AsyncEngine:
    """Return an async engine for ``url``; it connects lazily, on first use."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    pool = pool or PoolOptions()
    return create_async_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout,
        pool_recycle=pool.recycle,
        pool_pre_ping=pool.pre_ping,
        connect_args={"timeout": pool.timeout},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def is_sqlite(engine: AsyncEngine) -> bool:
    """Tell whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def reader(engine: AsyncEngine) -> AsyncEngine:
    """Return a view of ``engine`` for single reads: autocommit, so no BEGIN and no ROLLBACK.

    On PostgreSQL that is one round trip per read instead of three; it shares the pool.
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def ping(engine: AsyncEngine) -> None:
    """Run ``SELECT 1``; raise if the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def run_on_engine(settings: DatabaseSettings, action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``action`` on a new engine for ``settings``' database, then dispose of the engine.

    For command lines (``hop-links migrate``): it runs its own event loop, and whatever
    ``action`` raises propagates, so the caller reports its domain errors.
    """

    async def run() -> T:
        engine = create_engine(settings.database_url, pool=settings.database_pool)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


class DatabaseSettings(ServiceSettings):
    """Hold the settings of a service that owns a database; subclass it (``HOP_`` prefix).

    Override ``database_url`` to give the service its own SQLite file by default.
    """

    database_url: str = Field(
        default="sqlite+aiosqlite:///hop.db",
        description="SQLAlchemy URL; `postgresql://` and `sqlite://` get their async driver.",
    )
    run_migrations: bool = Field(
        default=False, description="Migrate at startup (local only; the cluster runs a Job)."
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    database_pool_timeout: float = Field(default=5.0, gt=0, le=120)
    database_pool_pre_ping: bool = Field(
        default=False, description="Test pooled connections before use (one more round trip)."
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def database_pool(self) -> PoolOptions:
        """Return the PostgreSQL pool these settings ask for."""
        return PoolOptions(
            size=self.database_pool_size,
            max_overflow=self.database_max_overflow,
            timeout=self.database_pool_timeout,
            pre_ping=self.database_pool_pre_ping,
        )
