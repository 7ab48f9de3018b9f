"""Request limits: body caps per route, and authentication decided before any body is read.

Usage (in a service's ``create_app``)::

    hop = get_instrumentation(app)
    hop.limits.route_body_bytes["/api/v1/links:batch"] = settings.max_batch_body_bytes
    hop.limits.authenticate = authenticate_bearer      # runs before the body is read
    hop.limits.authenticated_prefixes = ("/api/v1/links",)

FastAPI reads and parses a route's body before it resolves the route's dependencies, so
an authentication dependency alone lets an anonymous client make the service read and
parse a large body. `LimitsMiddleware` (installed by `create_app`) runs the service's
``authenticate`` hook first, then lets the app read at most the route's cap: a
``Content-Length`` above it is answered 413 without reading a byte, and a chunked body
is counted as it arrives and cut off at the cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Authenticator", "BodyTooLargeError", "LimitsMiddleware", "RequestLimits"]


class Authenticator(Protocol):
    """Decide a request's authentication from its head alone (the body is not read yet)."""

    async def __call__(self, scope: Scope) -> ASGIApp | None:
        """Return None to let the request through, or a response (an ASGI app) answering it."""
        ...


_CONTENT_LENGTH: Final = b"content-length"


class BodyTooLargeError(HTTPException):
    """Raise when a request body passes its route's cap; FastAPI answers it 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than this route's limit of {limit} bytes; "
            "send a smaller body (split a batch).",
        )


@dataclass(slots=True)
class RequestLimits:
    """Hold a service's request limits; `create_app` builds it from the settings."""

    #: The cap of every route not in `route_body_bytes`.
    body_bytes: int
    #: Caps by exact request path (``/api/v1/links:batch``), for routes that need more.
    route_body_bytes: dict[str, int] = field(default_factory=dict)
    #: Decides authentication before any body byte is read, for `authenticated_prefixes`.
    authenticate: Authenticator | None = None
    authenticated_prefixes: tuple[str, ...] = ()

    def body_limit(self, path: str) -> int:
        """Return the body cap of a request to ``path``."""
        return self.route_body_bytes.get(path, self.body_bytes)


class LimitsMiddleware:
    """Enforce `RequestLimits` on the app it wraps (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        path: str = scope["path"]
        if limits.authenticate is not None and path.startswith(limits.authenticated_prefixes):
            rejection = await limits.authenticate(scope)
            if rejection is not None:
                await rejection(scope, _no_body, send)
                return
        limit = limits.body_limit(path)
        length = _content_length(scope)
        if length is not None and (not length.isdigit() or len(length) > 18):
            await _reject(send, 400, "The Content-Length header is not a number of bytes.")
        elif length is not None and int(length) > limit:
            await _reject(send, 413, BodyTooLargeError(limit).detail)
        elif length is not None:  # the server never delivers more than Content-Length
            await self.app(scope, receive, send)
        else:
            await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_counted, send_tracked)
        except BodyTooLargeError as err:
            if started:
                raise
            await _reject(send, 413, err.detail)


def _content_length(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _CONTENT_LENGTH:
            return bytes(value).decode("latin-1").strip()
    return None


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _reject(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread body must not be parsed as the next request
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
