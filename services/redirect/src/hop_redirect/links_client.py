"""The client of links' internal resolve API (`hop_contracts.ResolvedLink`)."""

from __future__ import annotations

from typing import Final

import httpx
from pydantic import ValidationError

from hop_contracts import RESOLVE_PATH, ResolvedLink
from hop_redirect.errors import LinksUnavailableError
from hop_redirect.records import Link

__all__ = ["PROBE_CODE", "LinksClient"]

_RESOLVE: Final = RESOLVE_PATH.removesuffix("{code}")
#: A code that never exists (dots are outside the code alphabet): a cheap reachability probe.
PROBE_CODE: Final = "hop.redirect.readiness"


def to_link(resolved: ResolvedLink) -> Link:
    """Return the internal record of a resolve answer."""
    expires = resolved.expires_at.timestamp() if resolved.expires_at is not None else None
    return Link(
        id=resolved.id,
        code=resolved.code,
        url=resolved.url,
        redirect_status=resolved.redirect_status,
        forward_query=resolved.forward_query,
        expires_at=expires,
        disabled=resolved.disabled,
    )


class LinksClient:
    """Resolve codes through links; every failure but a 404 is `LinksUnavailableError`."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def resolve(self, code: str) -> Link | None:
        """Return the link for ``code``, or None if links says it does not exist."""
        response = await self._get(_RESOLVE + code)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise LinksUnavailableError(f"links answered {response.status_code} for {code!r}.")
        try:
            return to_link(ResolvedLink.model_validate_json(response.content))
        except ValidationError as err:
            raise LinksUnavailableError(f"links answered a malformed link for {code!r}.") from err

    async def ping(self) -> None:
        """Raise unless links answers the resolve API (a 404 for the probe code is healthy)."""
        response = await self._get(_RESOLVE + PROBE_CODE)
        if response.status_code >= 500:
            raise LinksUnavailableError(f"links answered {response.status_code}.")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _get(self, path: str) -> httpx.Response:
        try:
            return await self._client.get(path)
        except httpx.HTTPError as err:
            raise LinksUnavailableError(f"links is unreachable: {type(err).__name__}.") from err
