"""``POST /api/v1/links`` as pure ASGI: inside hop's middlewares, in front of FastAPI's routing.

A py-spy profile of the create benchmark put more of a create's CPU time in FastAPI's
routing, dependency resolution and handler machinery than in the create itself. This
front answers a create whose caller `authenticate_before_body` already decided and whose
body is JSON that `LinkCreate` accepts, with the route's own code (`create_from_body`)
and the error edge's own responses (`hop_links.http_errors.error_response`).

Anything else goes on to the FastAPI route, the body it read replayed: no decided caller
(the route's dependency answers 401 or 503), another content type, a body that is not
JSON or that `LinkCreate` refuses. So every 4xx of a malformed request is FastAPI's own,
and the route still documents the endpoint in OpenAPI. The front is the innermost of
hop's middlewares, so the rate limits, the body caps and deadline, authentication before
the body, metrics, traces and the access log treat its requests as the route's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hop_contracts import LINKS_PREFIX, Link
from hop_links.dependencies import LinksServices, decided_caller
from hop_links.errors import AliasTakenError, LinksError
from hop_links.http_errors import error_response
from hop_links.models import LinkCreate
from hop_links.routers._link_bodies import to_draft, to_link

__all__ = ["CreateFront", "create_from_body"]

_JSON: Final = "application/json"
_CONTENT_TYPE: Final = b"content-type"


@dataclass(slots=True, frozen=True)
class _Route:
    """What ``scope["route"]`` carries for the instrumentation's ``http_route`` label."""

    path_format: str


ROUTE: Final = _Route(LINKS_PREFIX)


async def create_from_body(services: LinksServices, owner_id: int, body: LinkCreate) -> Link:
    """Create the link ``body`` asks for: count it, publish it to the shared cache, return it."""
    draft = to_draft(body)
    if isinstance(draft, LinksError):  # pragma: no cover - LinkCreate is already valid
        raise draft
    try:
        record = await services.links.create(owner_id, draft)
    except LinksError as err:
        reason = "taken" if isinstance(err, AliasTakenError) else "invalid"
        services.metrics.create_failures.labels(reason).inc()
        raise
    services.metrics.created.labels("single").inc()
    if services.shared_cache is not None:
        await services.shared_cache.put([record])
    return to_link(record, services.settings)


class CreateFront:
    """Answer well-formed creates of decided callers; hand every other request to ``app``."""

    def __init__(self, app: ASGIApp, *, services: LinksServices) -> None:
        self.app = app
        self._services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LINKS_PREFIX or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        caller = decided_caller(scope)
        if caller is None or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        request = _create_body(body)
        if request is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["route"] = ROUTE
        response: Response
        try:
            link = await create_from_body(self._services, caller.owner_id, request)
        except (LinksError, SQLAlchemyError) as err:
            response = error_response(err)
        else:  # as FastAPI answers a route's model (`TypeAdapter.dump_json`)
            response = Response(
                link.model_dump_json(by_alias=True), status_code=201, media_type=_JSON
            )
        await response(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == _CONTENT_TYPE:
            media_type = bytes(value).decode("latin-1").partition(";")[0]
            return media_type.strip().lower() == _JSON
    return False


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """Return the messages read and the whole body, or None if the client went away first."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _create_body(body: bytes | None) -> LinkCreate | None:
    """Return the body as a `LinkCreate`, or None for the route to answer (and explain)."""
    if body is None:
        return None
    try:
        return LinkCreate.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(reversed(messages))

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed
