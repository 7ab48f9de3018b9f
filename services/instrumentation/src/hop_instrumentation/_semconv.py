"""The stable HTTP span attributes hop records on a sampled request's server and client spans.

Only sampled requests pay for them: `complete_server_span` runs on recording spans.
What hop records differently from opentelemetry-instrumentation-fastapi, and why, is
listed in the package README ("Conformance with the upstream instrumentation").
"""

from __future__ import annotations

from typing import Final

from opentelemetry.trace import Span, StatusCode
from starlette.types import Scope

from hop_instrumentation._client_metrics import error_type
from hop_instrumentation._routes import UNMATCHED_ROUTE

_HOST: Final = b"host"
_USER_AGENT: Final = b"user-agent"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def complete_server_span(span: Span, scope: Scope, method: str, route: str, status: int) -> None:
    """Name the span after its route and set the attributes known once the request is done.

    Per the conventions, a request no route matched has no ``http.route`` and a span
    named after its method alone.
    """
    scheme: str = scope.get("scheme", "http")
    attributes: dict[str, str | int] = {
        "url.scheme": scheme,
        "http.response.status_code": status,
    }
    if route != UNMATCHED_ROUTE:
        span.update_name(f"{span.name} {route}")  # type: ignore[attr-defined]
        attributes["http.route"] = route
    if method == "_OTHER":
        attributes["http.request.method_original"] = scope["method"]
    version = scope.get("http_version")
    if version:
        attributes["network.protocol.version"] = version
    host = user_agent = None
    for name, value in scope["headers"]:
        if name == _HOST:
            host = value.decode("latin-1")
        elif name == _USER_AGENT:
            user_agent = value.decode("latin-1")
    address, port = _server_address(host, scope.get("server"), scheme)
    if address:
        attributes["server.address"] = address
    if port:
        attributes["server.port"] = port
    if user_agent:
        attributes["user_agent.original"] = user_agent
    if status >= 500:
        attributes["error.type"] = str(status)
        span.set_status(StatusCode.ERROR)
    span.set_attributes(attributes)


def complete_client_span(span: Span, status: int) -> None:
    """Record a client span's answer: per the conventions, every 4xx and 5xx is an error."""
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_attribute("error.type", error_type(status))
        span.set_status(StatusCode.ERROR)


def fail_client_span(span: Span, err: BaseException) -> None:
    """Record a request that got no answer: ``error.type`` is the exception's full class name."""
    span.set_attribute("error.type", error_type(err=err))


def _server_address(
    host: str | None, server: tuple[str, int | None] | None, scheme: str
) -> tuple[str | None, int | None]:
    """Return the server's address and port as the client named them (the Host header).

    Without a Host header (HTTP/1.0), the address and port of the listening socket.
    """
    if not host:
        return (server[0], server[1]) if server else (None, None)
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        end = host.find("]")
        if end < 0:
            return host, None
        address, port = host[1:end], host[end + 2 :]
    else:
        address, _, port = host.partition(":")
    if port.isdigit():
        return address, int(port)
    return address, _DEFAULT_PORTS.get(scheme)
