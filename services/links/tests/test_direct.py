"""The hot statements on asyncpg: at most the engine pool's size at once, on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation import configure_tracing
from hop_instrumentation.database import PoolOptions, create_engine
from hop_instrumentation.settings import ServiceSettings
from hop_instrumentation.testing import SpanCapture, make_test_settings
from hop_links.direct import DirectPostgres
from hop_links.errors import DatabaseUnavailableError

pytestmark = pytest.mark.postgres


@pytest.fixture
async def small_pool(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of 2 pooled connections and 10 of overflow."""
    engine = create_engine(postgres_url, pool=PoolOptions(size=2, max_overflow=10))
    yield engine
    await engine.dispose()


async def test_direct_statements_beyond_the_pool_size_wait_instead_of_opening_overflow(
    small_pool: AsyncEngine,
) -> None:
    opened: list[object] = []
    event.listen(small_pool.sync_engine, "connect", lambda connection, _: opened.append(connection))
    direct = DirectPostgres(small_pool)
    rows = await asyncio.gather(
        *(direct.fetchrow("SELECT $1::int, pg_sleep(0.01)", n) for n in range(12))
    )
    assert [row[0] for row in rows if row is not None] == list(range(12))
    assert len(opened) == 2


async def test_direct_statement_without_a_free_connection_in_time_is_unavailable(
    small_pool: AsyncEngine,
) -> None:
    direct = DirectPostgres(small_pool, timeout=0.2)
    holders = [asyncio.create_task(direct.fetchrow("SELECT pg_sleep(3)")) for _ in range(2)]
    await asyncio.sleep(0)  # both take their slots first
    with pytest.raises(DatabaseUnavailableError, match="No database connection was free"):
        await direct.fetchrow("SELECT 1")
    for holder in holders:
        holder.cancel()
    await asyncio.gather(*holders, return_exceptions=True)


async def test_direct_statement_on_an_unreachable_database_is_unavailable() -> None:
    engine = create_engine(
        "postgresql://postgres@127.0.0.1:1/test", pool=PoolOptions(size=1, timeout=2.0)
    )
    try:
        with pytest.raises(DatabaseUnavailableError, match="The database is unavailable"):
            await DirectPostgres(engine).fetchrow("SELECT 1")
    finally:
        await engine.dispose()


async def test_direct_statement_span_carries_the_current_database_attribute_names(
    small_pool: AsyncEngine,
) -> None:
    spans = SpanCapture()
    provider = configure_tracing(make_test_settings(ServiceSettings), processors=(spans.processor,))
    tracer = provider.get_tracer("test")
    direct = DirectPostgres(small_pool, tracer=tracer)
    with tracer.start_as_current_span("request"):
        await direct.fetchrow("SELECT $1::int", 7)
    [statement] = [span for span in spans.spans if span.name != "request"]
    assert statement.name == "SELECT links"
    assert dict(statement.attributes or {}) == {
        "db.system.name": "postgresql",
        "db.query.text": "SELECT $1::int",
        "db.operation.name": "SELECT",
    }
