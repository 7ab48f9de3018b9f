"""Request limits: body caps per route, a body deadline, authentication before any body is read.

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
is counted as it arrives and cut off at the cap. A body that has not arrived whole
within ``body_timeout`` seconds of the app's first read (a client trickling it, a slow
loris on the body) is answered 408 if no response has started, and the connection is
closed either way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "Authenticator",
    "BodyTimeoutError",
    "BodyTooLargeError",
    "LimitsMiddleware",
    "RequestLimits",
]


class Authenticator(Protocol):
    """Decide a request's authentication from its head alone (the body is not read yet)."""

    async def __call__(self, scope: Scope) -> ASGIApp | None:
        """Return None to let the request through, or a response (an ASGI app) answering it."""
        ...


_CONTENT_LENGTH: Final = b"content-length"
_TRANSFER_ENCODING: Final = b"transfer-encoding"
_CLOSE: Final = (b"connection", b"close")


class BodyTooLargeError(HTTPException):
    """Raise when a request body passes its route's cap; FastAPI answers it 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than this route's limit of {limit} bytes; "
            "send a smaller body (split a batch).",
        )


class BodyTimeoutError(HTTPException):
    """Raise when a request body has not arrived within its deadline; FastAPI answers it 408."""

    def __init__(self, timeout: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {timeout:g} seconds; "
            "send the whole body without pausing.",
        )


@dataclass(slots=True)
class RequestLimits:
    """Hold a service's request limits; `create_app` builds it from the settings."""

    #: The cap of every route not in `route_body_bytes`.
    body_bytes: int
    #: Seconds a body gets to arrive whole, from the app's first read of it.
    body_timeout: float = 30.0
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
        elif length == "0" or (length is None and not _is_chunked(scope)):
            await self.app(scope, receive, send)  # no body: nothing to bound
        else:  # the server never delivers more than a Content-Length: count chunked bodies only
            await self._bounded(scope, receive, send, None if length else limit)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int | None) -> None:
        deadline = _BodyDeadline(self.limits.body_timeout)
        received = 0
        complete = started = refused = False

        async def receive_bounded() -> Message:
            nonlocal received, complete, refused
            if complete:  # the body is in; later reads wait for a disconnect, unbounded
                return await receive()
            try:
                message = await deadline.read(receive)
            except BodyTimeoutError:
                refused = True
                raise
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if complete:
                    deadline.stop()
                if limit is not None and received > limit:
                    refused = True
                    raise BodyTooLargeError(limit)
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if refused:  # the unread rest of the body must not be parsed as a request
                    message["headers"] = [*message.get("headers", []), _CLOSE]
            await send(message)

        try:
            await self.app(scope, receive_bounded, send_tracked)
        except (BodyTooLargeError, BodyTimeoutError) as err:
            if started:
                raise
            await _reject(send, err.status_code, err.detail)
        finally:
            deadline.stop()


class _BodyDeadline:
    """Interrupt the reads of a body once ``timeout`` seconds have passed since the first one.

    One timer per request: `asyncio.timeout` would arm one per read, and costs several
    times more than the rest of this middleware.
    """

    __slots__ = ("_expired", "_reading", "_task", "_timer", "timeout")

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._expired = self._reading = False
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def read(self, receive: Receive) -> Message:
        """Return ``receive()``'s message, or raise `BodyTimeoutError` past the deadline."""
        if self._timer is None:
            self._task = asyncio.current_task()
            self._timer = asyncio.get_running_loop().call_later(self.timeout, self._expire)
        if self._expired:
            raise BodyTimeoutError(self.timeout)
        self._reading = True
        try:
            return await receive()
        except asyncio.CancelledError:
            if self._cancelled_by_deadline_alone():
                raise BodyTimeoutError(self.timeout) from None
            raise
        finally:
            self._reading = False

    def stop(self) -> None:
        """Disarm the deadline (the body is complete, or the request is answered)."""
        if self._timer is not None:
            self._timer.cancel()

    def _cancelled_by_deadline_alone(self) -> bool:
        # A cancellation from elsewhere too (a shutdown) must go on as one.
        return self._expired and self._task is not None and self._task.uncancel() == 0

    def _expire(self) -> None:
        self._expired = True
        if self._reading and self._task is not None:
            self._task.cancel()


def _content_length(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _CONTENT_LENGTH:
            return bytes(value).decode("latin-1").strip()
    return None


def _is_chunked(scope: Scope) -> bool:
    return any(name == _TRANSFER_ENCODING for name, _ in scope["headers"])


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _reject(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        _CLOSE,  # the unread body must not be parsed as the next request
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
