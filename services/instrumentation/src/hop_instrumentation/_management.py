"""The management app served on its own port: /livez, /readyz, /readyz/<check>, /metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from hop_instrumentation.health import Readiness, ReadinessState
from hop_instrumentation.metrics import Metrics

LIVEZ: Final = "/livez"
READYZ: Final = "/readyz"
METRICS: Final = "/metrics"
#: Every path the management port answers; none of them is ever routed by the Ingress.
MANAGEMENT_PATHS: Final = (LIVEZ, READYZ, METRICS)
_TEXT: Final = b"text/plain; charset=utf-8"
#: The path prefix of service-to-service routes, served on the internal port only.
INTERNAL_PREFIX: Final = "/internal"
_WRONG_PORT_INTERNAL: Final = b"not found: the internal port serves /internal/... only\n"
_NOT_FOUND: Final = b'{"detail":"Not Found"}'
_JSON: Final = b"application/json"


class ManagementApp:
    """Answer probes and scrapes; excluded from metrics, traces and access logs by design."""

    def __init__(self, readiness: Readiness, metrics: Metrics) -> None:
        self.readiness = readiness
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, scope, 405, b"method not allowed\n", allow=b"GET, HEAD")
        elif path == LIVEZ:
            await _respond(send, scope, 200, b"ok\n")
        elif path == READYZ:
            await self._readyz(scope, send)
        elif path.startswith(READYZ + "/"):
            await self._one_check(scope, send, path.removeprefix(READYZ + "/"))
        elif path == METRICS:
            body, content_type = self.metrics.render(_header(scope, b"accept"))
            await _respond(send, scope, 200, body, content_type=content_type.encode())
        else:
            await _respond(send, scope, 404, b"not found: the management port serves "
                           b"/livez, /readyz and /metrics\n")  # fmt: skip

    async def _readyz(self, scope: Scope, send: Send) -> None:
        ready = self.readiness.is_ready()
        verdict = "readyz check passed" if ready else "readyz check failed"
        if b"verbose" in scope.get("query_string", b""):
            body = "\n".join([*self.readiness.report(), verdict]) + "\n"
        else:
            body = "ok\n" if ready else f"{verdict}\n"
        await _respond(send, scope, 200 if ready else 503, body.encode())

    async def _one_check(self, scope: Scope, send: Send, name: str) -> None:
        if name == "lifecycle":
            ok = self.readiness.state is ReadinessState.RUNNING
            message = self.readiness.state.value
        else:
            result = self.readiness.result(name)
            if result is None:
                await _respond(send, scope, 404, f"no such check: {name}\n".encode())
                return
            ok, message = result.ok, result.message
        text = "ok" if ok else f"[-]{name} failed: {message}"
        await _respond(send, scope, 200 if ok else 503, f"{text}\n".encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _respond(
    send: Send,
    scope: Scope,
    status: int,
    body: bytes,
    *,
    content_type: bytes = _TEXT,
    allow: bytes | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if allow is not None:
        headers.append((b"allow", allow))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class PortDispatcher:
    """Route each request by the port it arrived on.

    The management port serves the management app; the internal port serves only
    ``/internal/...`` paths of the API app, and the API port serves every other path:
    a routing mistake or the ingress controller cannot reach an internal route.
    """

    def __init__(
        self,
        app: FastAPI,
        api: ASGIApp,
        management: ManagementApp,
        *,
        management_port: int,
        internal_port: int,
        wrap: Callable[[ASGIApp], ASGIApp] = lambda app: app,
    ) -> None:
        self.app = app
        self.api = api
        self.management = management
        #: Answers a path on the wrong port (404), observed like any request (``wrap``).
        self.wrong_port = wrap(_wrong_port(internal_port))
        self.management_port = management_port
        self.internal_port = internal_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if scope["type"] == "lifespan" or not server:
            await self.api(scope, receive, send)
            return
        port = server[1]
        if port == self.management_port:
            await self.management(scope, receive, send)
        elif _is_internal(scope.get("path", "")) == (port == self.internal_port):
            await self.api(scope, receive, send)
        elif scope["type"] == "http":
            await self.wrong_port(scope, receive, send)


def _wrong_port(internal_port: int) -> ASGIApp:
    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["server"][1] == internal_port:
            await _respond(send, scope, 404, _WRONG_PORT_INTERNAL)
        else:
            await _respond(send, scope, 404, _NOT_FOUND, content_type=_JSON)

    return not_found


def _is_internal(path: str) -> bool:
    return path == INTERNAL_PREFIX or path.startswith(INTERNAL_PREFIX + "/")
