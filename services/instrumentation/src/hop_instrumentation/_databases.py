"""Real databases for tests: a throwaway PostgreSQL database, and schema drift against tables.

Public through `hop_instrumentation.testing`; needs the ``sqlalchemy`` extra (imported lazily,
so services without a database can use the rest of the testing module).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["POSTGRES_ADMIN_URL", "schema_drift", "temporary_database"]

#: A server and database the tests may create databases from (``HOP_TEST_POSTGRES``).
POSTGRES_ADMIN_URL: Final = os.environ.get(
    "HOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@contextmanager
def temporary_database(
    admin_url: str = POSTGRES_ADMIN_URL, *, prefix: str = "hop_test"
) -> Iterator[str]:
    """Create a fresh PostgreSQL database, yield its plain ``postgresql://`` URL, drop it after.

    Works inside and outside a running event loop (the admin statements run on a thread).
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(admin_url: str, statement: str) -> None:
    from sqlalchemy import text

    from hop_instrumentation.database import create_engine

    async def run() -> None:
        engine = create_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


async def schema_drift(engine: AsyncEngine, metadata: MetaData) -> list[object]:
    """Return how the database behind ``engine`` differs from ``metadata`` (empty: it matches).

    Use it to prove a service's migrations build exactly the tables its code declares.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: list(compare_metadata(MigrationContext.configure(sync), metadata))
        )
