"""The resolve read on its own asyncpg pool, for PostgreSQL: every cache miss of redirect.

On the engine's pool (`hop_links.direct`) a resolve paid SQLAlchemy's checkout, its
reset and its event listeners, and whenever more resolves ran at once than the pool's
size, each overflow connection was opened (TLS negotiation, ``~/.pgpass``) and closed
again for one query: a py-spy profile under the miss benchmark showed more time there
than in the query. Here connections open on demand, stay open up to ``size``, go back
without asyncpg's reset query (a resolve leaves no session state behind) and keep the
statement prepared (asyncpg's per-connection statement cache). A driver or connection
failure is `DatabaseUnavailableError`, as elsewhere.

It is used only where ``HOP_RESOLVE_POOL_SIZE`` is set (its connections add to the
database's connection budget); otherwise, and on SQLite, resolves take the store's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from opentelemetry import trace
from sqlalchemy.engine import URL

from hop_contracts import is_code
from hop_links.direct import RESOLVE, RESOLVE_MANY
from hop_links.errors import DatabaseUnavailableError, LinkNotFoundError
from hop_links.records import ResolvedLink

__all__ = ["PostgresResolver"]

_SPAN_ATTRIBUTES: Final = {"db.system": "postgresql", "db.statement": RESOLVE}
_MANY_SPAN_ATTRIBUTES: Final = {"db.system": "postgresql", "db.statement": RESOLVE_MANY}


def _libpq_dsn(url: URL) -> str:
    """Return the engine's URL as asyncpg's own DSN (libpq's ``sslmode``, no driver name)."""
    query = dict(url.query)
    if "ssl" in query:  # `normalise_database_url` gave SQLAlchemy's asyncpg dialect ``ssl``
        query["sslmode"] = query.pop("ssl")
    dsn = url.set(drivername="postgresql", query=query)
    return dsn.render_as_string(hide_password=False)


async def _keep_session(connection: Any) -> None:
    """Return a connection to the pool as it is (replaces asyncpg's reset round trip)."""


class PostgresResolver:
    """Resolve codes on a pool of at most ``size`` asyncpg connections; `start` it first."""

    def __init__(
        self, url: URL, *, size: int, timeout: float, tracer: trace.Tracer | None = None
    ) -> None:
        import asyncpg  # type: ignore[import-untyped]  # PostgreSQL only

        self._asyncpg = asyncpg
        self._dsn = _libpq_dsn(url)
        self._size = size
        self._timeout = timeout
        self._tracer = tracer or trace.get_tracer(__name__)
        self._pool: Any = None
        self._failures: tuple[type[BaseException], ...] = (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # a connection left mid-operation by a drop
            OSError,
            TimeoutError,
        )

    async def start(self) -> None:
        """Make the pool; it connects on demand, so a database that is down fails no start."""
        self._pool = await self._asyncpg.create_pool(
            self._dsn,
            min_size=0,
            max_size=self._size,
            timeout=self._timeout,
            reset=_keep_session,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def resolve(self, code: str) -> ResolvedLink:
        """Return what redirect needs for ``code``, or raise `LinkNotFoundError`."""
        if not is_code(code):
            raise LinkNotFoundError(code)
        if trace.get_current_span().is_recording():
            with self._tracer.start_as_current_span(
                "SELECT links", kind=trace.SpanKind.CLIENT, attributes=_SPAN_ATTRIBUTES
            ):
                row = await self._fetch(RESOLVE, code)
        else:
            row = await self._fetch(RESOLVE, code)
        if row is None:
            raise LinkNotFoundError(code)
        return ResolvedLink(*row)

    async def resolve_many(self, codes: Sequence[str]) -> dict[str, ResolvedLink]:
        """Return the links of those ``codes`` that exist, keyed by code (one statement)."""
        codes = [code for code in codes if is_code(code)]
        if not codes:
            return {}
        if trace.get_current_span().is_recording():
            with self._tracer.start_as_current_span(
                "SELECT links", kind=trace.SpanKind.CLIENT, attributes=_MANY_SPAN_ATTRIBUTES
            ):
                rows = await self._fetch(RESOLVE_MANY, codes, many=True)
        else:
            rows = await self._fetch(RESOLVE_MANY, codes, many=True)
        return {row[1]: ResolvedLink(*row) for row in rows}

    async def _fetch(self, statement: str, argument: object, *, many: bool = False) -> Any:
        if self._pool is None:
            raise DatabaseUnavailableError("The resolve pool is not started; retry later.")
        try:
            async with self._pool.acquire(timeout=self._timeout) as connection:
                if many:
                    return await connection.fetch(statement, argument, timeout=self._timeout)
                return await connection.fetchrow(statement, argument, timeout=self._timeout)
        except self._failures as err:
            raise DatabaseUnavailableError("The database is unavailable; retry later.") from err
