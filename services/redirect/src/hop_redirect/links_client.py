"""The client of links' internal resolve API (docs/contracts.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

import httpx
from pydantic import BaseModel, ValidationError

from hop_redirect.types import Link, LinksUnavailableError

__all__ = ["PROBE_CODE", "LinksClient"]

_RESOLVE: Final = "/internal/v1/links/"
#: A code that never exists (dots are outside the code alphabet): a cheap reachability probe.
PROBE_CODE: Final = "hop.redirect.readiness"


class ResolvedLink(BaseModel):
    """The body of ``GET /internal/v1/links/{code}`` (200)."""

    code: str
    url: str
    redirect_status: Literal[301, 302, 307, 308]
    forward_query: bool = False
    expires_at: datetime | None = None
    disabled: bool = False

    def to_link(self) -> Link:
        """Return the internal record."""
        expires = self.expires_at.timestamp() if self.expires_at is not None else None
        return Link(
            code=self.code,
            url=self.url,
            redirect_status=self.redirect_status,
            forward_query=self.forward_query,
            expires_at=expires,
            disabled=self.disabled,
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
            return ResolvedLink.model_validate_json(response.content).to_link()
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
