"""The client of links' internal resolve API (`hop_contracts.ResolvedLink`).

Every cache miss is one call here, so it runs on a pooled aiohttp session
(`hop_instrumentation.aiohttp_client`): httpx's connection pool scans every pooled
connection, with a readability syscall each, on every request, and was the bound of
the miss path. The session is made on first use, inside the event loop that serves.
`resolve_many` asks for many codes of one domain in one request (`hop_redirect.batching`
gathers them);
a links that does not know that route yet (404: mid-rollout) gets one request per code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote

import aiohttp
import orjson
from opentelemetry.trace import TracerProvider
from pydantic import ValidationError

from hop_contracts import (
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    VERIFIED_DOMAINS_PATH,
    ResolvedLink,
    ResolvedLinks,
    VerifiedDomains,
)
from hop_instrumentation.aiohttp_client import CLIENT_ERRORS, create_aiohttp_session
from hop_instrumentation.metrics import HttpClientMetrics
from hop_redirect.errors import LinksUnavailableError
from hop_redirect.records import Link

__all__ = ["PROBE_CODE", "LinksClient"]

_RESOLVE: Final = RESOLVE_PATH.removesuffix("{code}")
#: A code that never exists (dots are outside the code alphabet): a cheap reachability probe.
PROBE_CODE: Final = "hop.redirect.readiness"
_JSON: Final = {"Content-Type": "application/json"}


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

    def __init__(
        self,
        base_url: str,
        *,
        tracer_provider: TracerProvider,
        timeout: float,
        pool_size: int,
        metrics: HttpClientMetrics | None = None,
    ) -> None:
        self._base_url = base_url
        self._metrics = metrics
        self._tracer_provider = tracer_provider
        self._timeout = timeout
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        """Return the link for ``code`` on ``domain`` ("": the platform's), or None if unknown."""
        path = _RESOLVE + code if not domain else f"{_RESOLVE}{code}?domain={quote(domain)}"
        status, body = await self._request(path)
        if status == 404:
            return None
        if status != 200:
            raise LinksUnavailableError(f"links answered {status} for {code!r}.")
        try:
            return to_link(ResolvedLink.model_validate_json(body))
        except ValidationError as err:
            raise LinksUnavailableError(f"links answered a malformed link for {code!r}.") from err

    async def resolve_many(self, codes: Sequence[str], domain: str = "") -> dict[str, Link | None]:
        """Return every code's link on ``domain`` (None: unknown) from one request (100 at most)."""
        request = {"codes": codes, "domain": domain} if domain else {"codes": codes}
        status, body = await self._request(RESOLVE_BATCH_PATH, orjson.dumps(request))
        if status == 404:  # a links older than the batch route (mid-rollout): one call each
            found = await asyncio.gather(*(self.resolve(code, domain) for code in codes))
            return dict(zip(codes, found, strict=True))
        if status != 200:
            raise LinksUnavailableError(f"links answered {status} for {len(codes)} codes.")
        try:
            answered = ResolvedLinks.model_validate_json(body).links
        except ValidationError as err:
            raise LinksUnavailableError(
                f"links answered a malformed batch for {len(codes)} codes."
            ) from err
        return {code: None if link is None else to_link(link) for code, link in answered.items()}

    async def verified_domains(self) -> VerifiedDomains | None:
        """Return the hosts links serves, or None if links has no such list (no domains yet)."""
        status, body = await self._request(VERIFIED_DOMAINS_PATH)
        if status == 404:
            return None
        if status != 200:
            raise LinksUnavailableError(f"links answered {status} for the verified domains.")
        try:
            return VerifiedDomains.model_validate_json(body)
        except ValidationError as err:
            raise LinksUnavailableError("links answered a malformed domains list.") from err

    async def ping(self) -> None:
        """Raise unless links answers the resolve API (a 404 for the probe code is healthy)."""
        status, _ = await self._request(_RESOLVE + PROBE_CODE)
        if status >= 500:
            raise LinksUnavailableError(f"links answered {status}.")

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, path: str, json: bytes | None = None) -> tuple[int, bytes]:
        session = self._session
        if session is None:
            session = self._session = create_aiohttp_session(
                self._base_url,
                tracer_provider=self._tracer_provider,
                timeout=self._timeout,
                connect_timeout=self._timeout,
                pool_size=self._pool_size,
                metrics=self._metrics,
            )
        try:
            if json is None:
                async with session.get(path) as response:
                    return response.status, await response.read()
            async with session.post(path, data=json, headers=_JSON) as response:
                return response.status, await response.read()
        except CLIENT_ERRORS as err:
            raise LinksUnavailableError(f"links is unreachable: {type(err).__name__}.") from err
