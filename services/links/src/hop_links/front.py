"""The resolve hot path as pure ASGI, in front of FastAPI (`Instrumentation.front`).

``GET /internal/v1/links/{code}`` (``?domain=`` for a branded domain's code) is every
redirect's cache-miss path; answering it here
skips FastAPI's routing and dependency machinery. The FastAPI route of the same path
stays: it documents the endpoint in OpenAPI and answers anything this front passes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import parse_qs

import orjson
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Receive, Scope, Send

from hop_contracts import RESOLVE_PATH, resolved_fields
from hop_instrumentation import get_instrumentation
from hop_links.dependencies import services_of
from hop_links.domain_store import resolved_domain
from hop_links.errors import DatabaseUnavailableError, LinkNotFoundError
from hop_links.records import ResolvedLink

__all__ = ["ResolveFront", "resolved_json", "resolved_links_json"]

ROUTE: Final = RESOLVE_PATH
PREFIX: Final = RESOLVE_PATH.removesuffix("{code}")
_HEADERS: Final = [(b"content-type", b"application/json")]
_UNAVAILABLE: Final = b'{"detail":"The database is unavailable; retry later."}'
logger = logging.getLogger("hop.links")


class ResolveFront:
    """Answer resolves directly; hand every other request to the FastAPI app."""

    def __init__(self, app: FastAPI) -> None:
        services = services_of(app)
        self._platform = services.settings.platform_domain
        self._app = app
        self._observer = get_instrumentation(app).observer
        self._resolve_link = services.resolver.resolve
        self._hit = services.metrics.resolves.labels("hit")
        self._miss = services.metrics.resolves.labels("miss")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(PREFIX):
            await self._app(scope, receive, send)
            return
        code = path[len(PREFIX) :]
        if not code or "/" in code:
            await self._app(scope, receive, send)
            return
        opened = self._observer.start(scope)
        status = 500
        try:
            query: bytes = scope.get("query_string", b"")
            # The platform's codes (no query) are every redirect's misses: nothing more to do.
            domain = self._domain(query) if query else None
            status, body = await self._resolve(code, domain)
            await send({"type": "http.response.start", "status": status, "headers": _HEADERS})
            await send({"type": "http.response.body", "body": body})
        finally:
            self._observer.finish(scope, opened, ROUTE, status)

    def _domain(self, query: bytes) -> str | None:
        written = parse_qs(query.decode("latin-1")).get("domain", [""])[-1]
        return resolved_domain(written[:1024], self._platform)

    async def _resolve(self, code: str, domain: str | None) -> tuple[int, bytes]:
        try:
            link = await self._resolve_link(code, domain)
        except LinkNotFoundError as err:
            self._miss.inc()
            return 404, orjson.dumps({"detail": err.message})
        except (SQLAlchemyError, DatabaseUnavailableError) as err:
            logger.error("database error", exc_info=err)
            return 503, _UNAVAILABLE
        self._hit.inc()
        return 200, resolved_json(link)


def resolved_json(link: ResolvedLink) -> bytes:
    """Return the contract's JSON body for a resolved link."""
    return orjson.dumps(resolved_fields(link))


def resolved_links_json(codes: Iterable[str], found: Mapping[str, ResolvedLink]) -> bytes:
    """Return the contract's batch body: every code in ``codes``, null where not ``found``."""
    links = {code: None if (link := found.get(code)) is None else resolved_fields(link)
             for code in codes}  # fmt: skip
    return orjson.dumps({"links": links})
