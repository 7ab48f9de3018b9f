"""Resolving codes (any owner's) for redirect: the one seam the front and the routes call.

`Resolver` is what they use. `EngineResolver` resolves on the app's engine (its reader,
or `hop_links.direct` on PostgreSQL). `PostgresResolver` resolves on its own asyncpg
pool, where ``HOP_RESOLVE_POOL_SIZE`` is set on PostgreSQL (its connections add to the
database's connection budget): on the engine's pool a resolve paid SQLAlchemy's
checkout, its reset and its event listeners, and whenever more resolves ran at once
than the pool's size, each overflow connection was opened (TLS negotiation,
``~/.pgpass``) and closed again for one query: a py-spy profile under the miss
benchmark showed more time there than in the query. Its connections open on demand,
stay open up to ``size``, go back without asyncpg's reset query (a resolve leaves no
session state behind) and keep the statement prepared. A driver or connection failure
is `DatabaseUnavailableError`, as elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

from opentelemetry import trace
from sqlalchemy import bindparam, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_contracts import is_code
from hop_instrumentation.database import reader
from hop_links.direct import (
    RESOLVE,
    RESOLVE_MANY,
    RESOLVE_MANY_ON_DOMAIN,
    RESOLVE_ON_DOMAIN,
    DirectPostgres,
)
from hop_links.errors import DatabaseUnavailableError, LinkNotFoundError
from hop_links.records import ResolvedLink
from hop_links.tables import PLATFORM_DOMAIN, domains, links

__all__ = ["EngineResolver", "PostgresResolver", "Resolver"]

_SPAN_ATTRIBUTES: Final = {"db.system": "postgresql", "db.statement": RESOLVE}
_MANY_SPAN_ATTRIBUTES: Final = {"db.system": "postgresql", "db.statement": RESOLVE_MANY}
_RESOLVED = select(
    links.c.uid,
    links.c.code,
    links.c.url,
    links.c.redirect_status,
    links.c.forward_query,
    links.c.expires_at,
    links.c.disabled,
)
_PLATFORM = _RESOLVED.where(links.c.domain == PLATFORM_DOMAIN)
_RESOLVE = _PLATFORM.where(links.c.code == bindparam("code"))
_RESOLVE_MANY = _PLATFORM.where(links.c.code.in_(bindparam("codes", expanding=True)))
#: As `hop_links.direct.RESOLVE_ON_DOMAIN`: a verified domain, links of its owner only.
_ON_DOMAIN = _RESOLVED.join(
    domains,
    (domains.c.name == links.c.domain)
    & (domains.c.owner_id == links.c.owner_id)
    & (domains.c.status == "verified"),
).where(links.c.domain == bindparam("domain"))
_RESOLVE_ON_DOMAIN = _ON_DOMAIN.where(links.c.code == bindparam("code"))
_RESOLVE_MANY_ON_DOMAIN = _ON_DOMAIN.where(links.c.code.in_(bindparam("codes", expanding=True)))


class Resolver(Protocol):
    """Answer what redirect needs for codes, whoever owns them; started and closed once."""

    async def start(self) -> None:
        """Open what the resolver needs (a pool), before the first resolve."""

    async def aclose(self) -> None:
        """Close what `start` opened."""

    async def resolve(self, code: str, domain: str | None = None) -> ResolvedLink:
        """Return what redirect needs for ``code``, or raise `LinkNotFoundError`.

        ``domain`` is a branded domain's canonical name (None: the platform domain); a
        domain that is unknown or not verified has no links to serve, nor has "".
        """

    async def resolve_many(
        self, codes: Sequence[str], domain: str | None = None
    ) -> dict[str, ResolvedLink]:
        """Return the links of those ``codes`` that exist (on ``domain``), keyed by code."""


class _RowResolver:
    """Turn the rows a subclass fetches into resolved links; only valid codes are asked."""

    async def resolve(self, code: str, domain: str | None = None) -> ResolvedLink:
        """Return what redirect needs for ``code`` (any owner), or raise `LinkNotFoundError`."""
        if not is_code(code) or domain == "":
            raise LinkNotFoundError(code, domain)
        row = await (self._row(code) if domain is None else self._row_on(code, domain))
        if row is None:
            raise LinkNotFoundError(code, domain)
        return ResolvedLink(*row)

    async def resolve_many(
        self, codes: Sequence[str], domain: str | None = None
    ) -> dict[str, ResolvedLink]:
        """Return the links of those ``codes`` that exist (any owner), keyed by code."""
        codes = [code for code in codes if is_code(code)]
        if not codes or domain == "":
            return {}
        rows = await (self._rows(codes) if domain is None else self._rows_on(codes, domain))
        return {row[1]: ResolvedLink(*row) for row in rows}

    async def _row(self, code: str) -> Sequence[Any] | None:
        raise NotImplementedError

    async def _rows(self, codes: list[str]) -> Sequence[Sequence[Any]]:
        raise NotImplementedError

    async def _row_on(self, code: str, domain: str) -> Sequence[Any] | None:
        raise NotImplementedError

    async def _rows_on(self, codes: list[str], domain: str) -> Sequence[Sequence[Any]]:
        raise NotImplementedError


class EngineResolver(_RowResolver):
    """Resolve on the engine: its reader, or `DirectPostgres` on PostgreSQL."""

    def __init__(self, engine: AsyncEngine, *, direct: DirectPostgres | None = None) -> None:
        self._reader = reader(engine)
        self._direct = direct

    async def start(self) -> None:
        """Start nothing: the engine's pool is the app's."""

    async def aclose(self) -> None:
        """Close nothing: the engine is disposed of by the app."""

    async def _row(self, code: str) -> Sequence[Any] | None:
        if self._direct is not None:
            return await self._direct.fetchrow(RESOLVE, code)
        async with self._reader.connect() as connection:
            return (await connection.execute(_RESOLVE, {"code": code})).first()

    async def _rows(self, codes: list[str]) -> Sequence[Sequence[Any]]:
        if self._direct is not None:
            return await self._direct.fetch(RESOLVE_MANY, codes)
        async with self._reader.connect() as connection:
            return (await connection.execute(_RESOLVE_MANY, {"codes": codes})).all()

    async def _row_on(self, code: str, domain: str) -> Sequence[Any] | None:
        if self._direct is not None:
            return await self._direct.fetchrow(RESOLVE_ON_DOMAIN, code, domain)
        async with self._reader.connect() as connection:
            parameters = {"code": code, "domain": domain}
            return (await connection.execute(_RESOLVE_ON_DOMAIN, parameters)).first()

    async def _rows_on(self, codes: list[str], domain: str) -> Sequence[Sequence[Any]]:
        if self._direct is not None:
            return await self._direct.fetch(RESOLVE_MANY_ON_DOMAIN, codes, domain)
        async with self._reader.connect() as connection:
            parameters = {"codes": codes, "domain": domain}
            return (await connection.execute(_RESOLVE_MANY_ON_DOMAIN, parameters)).all()


def _libpq_dsn(url: URL) -> str:
    """Return the engine's URL as asyncpg's own DSN (libpq's ``sslmode``, no driver name)."""
    query = dict(url.query)
    if "ssl" in query:  # `normalise_database_url` gave SQLAlchemy's asyncpg dialect ``ssl``
        query["sslmode"] = query.pop("ssl")
    dsn = url.set(drivername="postgresql", query=query)
    return dsn.render_as_string(hide_password=False)


async def _keep_session(connection: Any) -> None:
    """Return a connection to the pool as it is (replaces asyncpg's reset round trip)."""


class PostgresResolver(_RowResolver):
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

    async def _row(self, code: str) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self._traced(_SPAN_ATTRIBUTES, RESOLVE, code)
        return row

    async def _rows(self, codes: list[str]) -> Sequence[Sequence[Any]]:
        rows: Sequence[Sequence[Any]] = await self._traced(
            _MANY_SPAN_ATTRIBUTES, RESOLVE_MANY, codes, many=True
        )
        return rows

    async def _row_on(self, code: str, domain: str) -> Sequence[Any] | None:
        attributes = {**_SPAN_ATTRIBUTES, "db.statement": RESOLVE_ON_DOMAIN}
        row: Sequence[Any] | None = await self._traced(attributes, RESOLVE_ON_DOMAIN, code, domain)
        return row

    async def _rows_on(self, codes: list[str], domain: str) -> Sequence[Sequence[Any]]:
        attributes = {**_SPAN_ATTRIBUTES, "db.statement": RESOLVE_MANY_ON_DOMAIN}
        rows: Sequence[Sequence[Any]] = await self._traced(
            attributes, RESOLVE_MANY_ON_DOMAIN, codes, domain, many=True
        )
        return rows

    async def _traced(
        self, attributes: dict[str, str], statement: str, *arguments: object, many: bool = False
    ) -> Any:
        if not trace.get_current_span().is_recording():
            return await self._fetch(statement, arguments, many=many)
        with self._tracer.start_as_current_span(
            "SELECT links", kind=trace.SpanKind.CLIENT, attributes=attributes
        ):
            return await self._fetch(statement, arguments, many=many)

    async def _fetch(
        self, statement: str, arguments: tuple[object, ...], *, many: bool = False
    ) -> Any:
        if self._pool is None:
            raise DatabaseUnavailableError("The resolve pool is not started; retry later.")
        try:
            async with self._pool.acquire(timeout=self._timeout) as connection:
                if many:
                    return await connection.fetch(statement, *arguments, timeout=self._timeout)
                return await connection.fetchrow(statement, *arguments, timeout=self._timeout)
        except self._failures as err:
            raise DatabaseUnavailableError("The database is unavailable; retry later.") from err
