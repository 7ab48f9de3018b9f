"""Resolve the route template (``http_route``) of a request after the router handled it."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

from starlette.routing import Mount

#: The ``http_route`` of requests no route matched (404s, trailing-slash redirects).
UNMATCHED_ROUTE: Final = "_unmatched"
KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)
#: FastAPI (0.16x) keeps the full template of a route reached through included routers
#: here; the route object in ``scope["route"]`` only knows its path inside its router.
_FASTAPI_SCOPE: Final = "fastapi"
_EFFECTIVE_ROUTE: Final = "effective_route_context"


def route_template(scope: MutableMapping[str, Any], root_path: str) -> str:
    """Return the template of the route that served ``scope``, or `UNMATCHED_ROUTE`.

    ``root_path`` is the scope's root path before the app ran: what a mount added to
    it since is the mount's prefix.
    """
    route = scope.get("route")
    mount_prefix: str = scope.get("root_path", "")[len(root_path) :]
    if route is None or isinstance(route, Mount):
        # A mount moved the prefix into root_path; its app matched nothing of its own
        # (or is not a router), so the mount is the most specific template known.
        return f"{mount_prefix}/{{path}}" if mount_prefix else UNMATCHED_ROUTE
    fastapi_scope = scope.get(_FASTAPI_SCOPE)
    if fastapi_scope:
        effective = fastapi_scope.get(_EFFECTIVE_ROUTE)
        template = getattr(effective, "path_format", None)
        if template:
            return mount_prefix + str(template)
    template = getattr(route, "path_format", None)
    return mount_prefix + str(template) if template else UNMATCHED_ROUTE


def method_label(method: str) -> str:
    """Return the method itself if it is a known HTTP method, else ``_OTHER``."""
    return method if method in KNOWN_METHODS else "_OTHER"
