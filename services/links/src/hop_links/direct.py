"""The hot statements on asyncpg itself, for PostgreSQL: resolve, authenticate, create.

SQLAlchemy Core costs more Python per statement than asyncpg takes to run it, and these
three statements run on every resolve, every authenticated request and every create.
They borrow connections from the engine's pool (so pool limits, pre-ping and metrics
still apply), run as single autocommit statements (one round trip, no BEGIN/COMMIT)
and use asyncpg's per-connection prepared-statement cache; each is timed into the same
``db_client_operation_duration_seconds`` as SQLAlchemy's statements. SQLite keeps the
Core path. A driver or connection failure becomes `DatabaseUnavailableError` (503), as
a SQLAlchemy one does.

At most the pool's size of them run at once; the others wait for a connection to come
back (up to the pool timeout, then 503) rather than push the pool into its overflow,
whose connections SQLAlchemy opens for one statement and closes again: under 64
concurrent creates on a pool of 20, a profile showed more time in asyncpg's connect
than in the inserts. The overflow stays for the other routes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

from opentelemetry import trace
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util.concurrency import greenlet_spawn

from hop_instrumentation.database import DatabaseMetrics
from hop_links.errors import DatabaseUnavailableError

__all__ = [
    "RESOLVE",
    "RESOLVE_MANY",
    "RESOLVE_MANY_ON_DOMAIN",
    "RESOLVE_ON_DOMAIN",
    "DirectPostgres",
    "UniqueViolation",
    "is_postgres",
]

_RESOLVED: Final = "SELECT uid, code, url, redirect_status, forward_query, expires_at, disabled "
#: A platform code: the unique (domain, code) index answers it as the code's index did.
RESOLVE: Final = _RESOLVED + "FROM links WHERE domain = '' AND code = $1"
#: A batch resolve: every code in one array parameter (one statement however many codes).
RESOLVE_MANY: Final = _RESOLVED + "FROM links WHERE domain = '' AND code = ANY($1::text[])"
#: A code on a branded domain ($2), served only while the domain is verified and only if
#: the link's owner is the domain's (a link left by a domain's former owner never is).
_ON_DOMAIN: Final = (
    "FROM links JOIN domains ON domains.name = links.domain "
    "AND domains.owner_id = links.owner_id AND domains.status = 'verified' "
    "WHERE links.domain = $2 AND "
)
RESOLVE_ON_DOMAIN: Final = _RESOLVED + _ON_DOMAIN + "code = $1"
RESOLVE_MANY_ON_DOMAIN: Final = _RESOLVED + _ON_DOMAIN + "code = ANY($1::text[])"
AUTHENTICATE: Final = "SELECT id, owner_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
INSERT_LINK: Final = (
    "INSERT INTO links (uid, code, owner_id, url, redirect_status, forward_query, expires_at, "
    "disabled, created_at, updated_at, domain) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
)
#: A whole batch in one statement: one array per column (unnest keeps the items' order, so
#: ids rise with it), a taken code skipped rather than failing the rest, and the tags of
#: the rows inserted written by the same statement. Returns the (domain, code) inserted.
INSERT_LINKS: Final = """\
WITH new AS (
    INSERT INTO links (uid, code, owner_id, url, redirect_status, forward_query, expires_at,
                       disabled, created_at, updated_at, domain)
    SELECT uid, code, $3, url, redirect_status, forward_query, expires_at, false, $7, $7, domain
    FROM unnest($1::text[], $2::text[], $4::text[], $5::smallint[], $6::boolean[],
                $8::timestamptz[], $11::text[])
        WITH ORDINALITY
        AS item(uid, code, url, redirect_status, forward_query, expires_at, domain, n)
    ORDER BY n
    ON CONFLICT (domain, code) DO NOTHING
    RETURNING id, domain, code
), tagged AS (
    INSERT INTO link_tags (link_id, tag)
    SELECT new.id, tag.tag
    FROM new JOIN unnest($12::text[], $9::text[], $10::text[]) AS tag(domain, code, tag)
        USING (domain, code)
)
SELECT domain, code FROM new"""
_SCOPE: Final = "hop_links.direct"


class UniqueViolation(Exception):  # noqa: N818 - mirrors the database's condition name
    """Raise when an insert hits a unique constraint (a taken code)."""


def is_postgres(engine: AsyncEngine) -> bool:
    """Return whether ``engine`` runs on PostgreSQL (asyncpg)."""
    return engine.dialect.name == "postgresql"


class DirectPostgres:
    """Run the hot statements on the asyncpg connections of ``engine``'s pool."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        tracer: trace.Tracer | None = None,
        metrics: DatabaseMetrics | None = None,
        timeout: float = 5.0,
    ) -> None:
        import asyncpg  # type: ignore[import-untyped]  # PostgreSQL only

        self._engine = engine
        self._slots = asyncio.Semaphore(_pool_size(engine))
        self._timeout = timeout
        self._metrics = metrics or DatabaseMetrics(CollectorRegistry())
        self._tracer = tracer or trace.get_tracer(_SCOPE)
        self._unique = asyncpg.UniqueViolationError
        self._failures: tuple[type[BaseException], ...] = (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # a connection left mid-operation by a drop
            OSError,
        )
        self._connect_failures = (*self._failures, engine.dialect.loaded_dbapi.Error)

    async def fetch(self, statement: str, *args: Any) -> list[Sequence[Any]]:
        """Return every row of ``statement``."""
        async with self._connection(statement) as connection:
            rows: list[Sequence[Any]] = await connection.fetch(statement, *args)
            return rows

    async def fetchrow(self, statement: str, *args: Any) -> Sequence[Any] | None:
        """Return the first row of ``statement`` or None."""
        async with self._connection(statement) as connection:
            with self._metrics.timed("postgresql", statement):
                row: Sequence[Any] | None = await connection.fetchrow(statement, *args)
            return row

    @asynccontextmanager
    async def _connection(self, statement: str) -> AsyncIterator[Any]:
        with self._span(statement):
            await self._take_slot()
            try:
                pooled = await self._checkout()
                try:
                    yield pooled.driver_connection
                except self._unique as err:
                    raise UniqueViolation(str(err)) from None
                except self._failures as err:
                    await greenlet_spawn(pooled.invalidate)  # never hand it out again
                    raise _unavailable() from err
                finally:
                    await greenlet_spawn(pooled.close)  # back to the pool
            finally:
                self._slots.release()

    async def _checkout(self) -> PoolProxiedConnection:
        """Take a connection from the engine's pool itself, without a `Connection` around it.

        The pool's checkout events, pre-ping and reset still run; SQLAlchemy's `Connection`
        and `AsyncConnection` (two more greenlet switches and their event dispatch) do not.
        """
        try:
            return await greenlet_spawn(self._engine.sync_engine.raw_connection)
        except self._connect_failures as err:
            raise _unavailable() from err

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # the common case: no timer armed
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise DatabaseUnavailableError(
                f"No database connection was free within {self._timeout:g} s; retry later."
            ) from None

    def _span(self, statement: str) -> Any:
        if not trace.get_current_span().is_recording():
            return _NO_SPAN
        operation = statement.split(" ", 1)[0]
        return self._tracer.start_as_current_span(
            f"{operation} links",
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": statement},
        )


def _unavailable() -> DatabaseUnavailableError:
    return DatabaseUnavailableError("The database is unavailable; retry later.")


def _pool_size(engine: AsyncEngine) -> int:
    """Return how many connections the engine's pool keeps (no bound for a pool without a size)."""
    size = getattr(engine.pool, "size", None)
    return max(1, size()) if callable(size) else sys.maxsize


class _NoSpan:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


_NO_SPAN: Final = _NoSpan()
