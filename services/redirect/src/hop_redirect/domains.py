"""Keep `hop_redirect.hosts.Hosts` in step with links' list of verified domains.

The list is read once at start (bounded by ``HOP_LINKS_TIMEOUT``), then every
``interval`` seconds (at most the cache TTL, so a domain deleted or failed in links
stops being served within it). A failed read keeps the last list; until a first read
succeeds it is retried every ``retry`` seconds, the platform names of the settings
being served meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from hop_contracts import VerifiedDomains
from hop_redirect._rate_limited_log import RateLimitedLog
from hop_redirect.errors import LinksUnavailableError
from hop_redirect.hosts import Hosts
from hop_redirect.metrics import DomainMetrics

__all__ = ["DomainsRefresher", "DomainsSource"]

logger = logging.getLogger("hop.redirect.domains")


class DomainsSource(Protocol):
    """Where the list comes from (`hop_redirect.links_client.LinksClient`)."""

    async def verified_domains(self) -> VerifiedDomains | None:
        """Return the list, None if links has none; raise `LinksUnavailableError`."""
        ...


class DomainsRefresher:
    """Read links' verified domains into ``hosts`` at start and every ``interval`` seconds."""

    def __init__(
        self,
        source: DomainsSource,
        hosts: Hosts,
        metrics: DomainMetrics,
        *,
        interval: float,
        retry: float = 1.0,
    ) -> None:
        self._source = source
        self._hosts = hosts
        self._metrics = metrics
        self._interval = interval
        self._retry = min(retry, interval)
        self._task: asyncio.Task[None] | None = None
        self._failures = RateLimitedLog(
            logger, "verified domains cannot be read from links; serving the last list"
        )

    async def refresh(self) -> bool:
        """Read the list once; return whether it was read."""
        try:
            verified = await self._source.verified_domains()
        except LinksUnavailableError as err:
            self._metrics.refresh_failures.inc()
            self._failures.record(error=str(err), listed=self._hosts.is_listed)
            return False
        self._hosts.update(verified)
        self._metrics.served.set(len(self._hosts.domains))
        return True

    async def start(self) -> None:
        """Read the list once, then keep it fresh in the background."""
        await self.refresh()
        self._task = asyncio.create_task(self._run(), name="domains-refresher")

    async def stop(self) -> None:
        """Stop refreshing."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval if self._hosts.is_listed else self._retry)
            try:
                await self.refresh()
            except Exception:  # never let the refresher die; the last list stays
                logger.exception("verified domains refresh failed")
