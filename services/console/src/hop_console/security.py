"""Security headers on every answer, error answers as pages, and forms from this site only.

Pages load only the console's own stylesheet and script, with no inline code; forms post
only to the console; nothing may frame it. `SecurityHeadersMiddleware` adds those headers
to every answer and turns the JSON errors of the layers under it (the instrumentation's
413 and 429) into the console's error page; the 500 page, answered outside every
middleware, gets them from `secure`. `SameOriginMiddleware` refuses an unsafe method sent
from another site (its ``Origin``, or without one its ``Referer``) with 403 before the
session, the body or a route is touched. Pure ASGI (the instrumentation's rule).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SECURITY_HEADERS",
    "ErrorPage",
    "SameOriginMiddleware",
    "SecurityHeadersMiddleware",
    "is_foreign",
    "secure",
]

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: Final = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Not no-referrer: under it browsers send "Origin: null" with the console's own forms,
    # which the Origin check must refuse; same-origin still tells other sites nothing.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_NO_STORE: Final = (b"cache-control", b"no-store")
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORTS: Final = (":80", ":443")
_FOREIGN: Final = (
    "This form was sent from another site ({origin}); the console accepts forms only "
    "from its own pages. Open the console and send the form from there."
)
#: Renders the console's error page: (status, message) -> an HTML answer.
ErrorPage = Callable[[int, str], Response]


def secure(response: Response) -> Response:
    """Return ``response`` with `SECURITY_HEADERS` (for answers no middleware sees)."""
    response.raw_headers.extend(SECURITY_HEADERS)
    if "cache-control" not in response.headers:
        response.raw_headers.append(_NO_STORE)
    return response


def _secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    headers = [*headers, *SECURITY_HEADERS]
    if not any(name.lower() == b"cache-control" for name, _ in headers):
        headers.append(_NO_STORE)
    return headers


class SecurityHeadersMiddleware:
    """Add `SECURITY_HEADERS` to every answer (``no-store`` unless it says otherwise).

    A JSON error from a layer under it becomes ``error_page``'s page, its own headers
    (``Retry-After``, ``RateLimit``...) kept.
    """

    def __init__(self, app: ASGIApp, *, error_page: ErrorPage) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_json_error(message):
                held.append(message)
                return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if not message.get("more_body", False):
                    await self._send_page(held, send)
                return
            if message["type"] == "http.response.start":
                message["headers"] = _secured(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _send_page(self, held: list[Message], send: Send) -> None:
        start, body = held[0], b"".join(m.get("body", b"") for m in held[1:])
        status = int(start["status"])
        page = self.error_page(status, _detail(body))
        kept = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() not in (b"content-type", b"content-length")
        ]
        headers = _secured([*page.raw_headers, *kept])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": page.body})


def _is_json_error(message: Message) -> bool:
    if int(message["status"]) < 400:
        return False
    headers = Headers(raw=list(message.get("headers", [])))
    return headers.get("content-type", "").startswith("application/json")


def _detail(body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else "The request was refused."


class SameOriginMiddleware:
    """Answer 403 to an unsafe method sent from another site, before anything else runs."""

    def __init__(self, app: ASGIApp, *, error_page: ErrorPage) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a foreign unsafe request; pass every other one on."""
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            origin = is_foreign(Headers(scope=scope))
            if origin is not None:
                response = self.error_page(403, _FOREIGN.format(origin=origin[:100]))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_foreign(headers: Headers) -> str | None:
    """Return the foreign origin a request came from (Origin, else Referer), or None."""
    sent = headers.get("origin") or headers.get("referer")
    if sent is None:
        return None  # no browser of today omits both on a cross-site form; the token holds
    try:
        netloc = urlsplit(sent).netloc if sent != "null" else ""
    except ValueError:  # a malformed Referer ("http://[") is no origin of ours
        netloc = ""
    if not netloc or _authority(netloc) != _authority(headers.get("host", "")):
        return sent
    return None


def _authority(netloc: str) -> str:
    """Return host[:port] lower-cased, without credentials or a default port."""
    netloc = netloc.lower().rsplit("@", 1)[-1]
    for port in _DEFAULT_PORTS:
        netloc = netloc.removesuffix(port)
    return netloc
