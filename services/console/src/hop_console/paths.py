"""The console's own paths that pages and redirects share."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

__all__ = ["link_path", "platform_of"]


def link_path(code: str, domain: str = "", suffix: str = "", **query: Any) -> str:
    """Return the path of a link's page (under the base): ``/links/<code><suffix>``, with
    ``?domain=`` for a link on a branded domain ("" for the platform's) and ``query``."""
    params = {"domain": domain, **query} if domain else query
    path = f"/links/{quote(code, safe='')}{suffix}"
    return f"{path}?{urlencode(params)}" if params else path


def platform_of(request: Request) -> str:
    """Return the host the console is served on: the platform domain behind hop's edge.

    Only decides whether a link's paths name its domain: a link on this host leaves
    ``?domain=`` out, any other names it, which links and analytics accept for every domain
    (the platform's too), so a console reached on another host still works.
    """
    return (request.url.hostname or "").lower().rstrip(".")
