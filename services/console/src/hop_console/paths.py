"""The console's own paths that pages and redirects share."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["link_path"]


def link_path(code: str, domain: str = "", suffix: str = "", **query: Any) -> str:
    """Return the path of a link's page (under the base): ``/links/<code><suffix>``, with
    ``?domain=`` for a link on a branded domain ("" for the platform's) and ``query``."""
    params = {"domain": domain, **query} if domain else query
    path = f"/links/{quote(code, safe='')}{suffix}"
    return f"{path}?{urlencode(params)}" if params else path
