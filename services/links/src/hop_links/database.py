"""The async engine: driver options for SQLite and PostgreSQL, and the readiness ping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hop_links.settings import LinksSettings

_SCOPE = "hop_instrumentation"

__all__ = ["create_engine", "is_sqlite", "ping", "reader"]


def is_sqlite(engine: AsyncEngine) -> bool:
    """Tell whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_engine(settings: LinksSettings) -> AsyncEngine:
    """Return the service's engine; it connects lazily, on first use."""
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=1800,
        connect_args={"timeout": settings.database_pool_timeout},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def reader(engine: AsyncEngine) -> AsyncEngine:
    """Return a view of ``engine`` for single reads: autocommit, so no BEGIN and no ROLLBACK.

    On PostgreSQL that is one round trip per read instead of three; it shares the pool.
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def ping(engine: AsyncEngine) -> None:
    """Run ``SELECT 1``; raise if the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
