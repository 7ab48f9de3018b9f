"""The per-app services on ``app.state.services``: what the front and the lifespan use.

redirect has no FastAPI routes of its own (see `hop_redirect.app`), so there is no
request dependency here: the front takes its parts once, when the app is built, and
non-request code reaches them through `services_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from redis.asyncio import Redis

from hop_instrumentation.services import services_of as shared_services_of
from hop_redirect.cache import CacheMetricsPublisher, LinkCache
from hop_redirect.clicks import ClickBuffer
from hop_redirect.domains import DomainsRefresher
from hop_redirect.hosts import Hosts
from hop_redirect.links_client import LinksClient
from hop_redirect.metrics import RedirectMetrics
from hop_redirect.pipeline import ClickPipeline
from hop_redirect.responses import Renderer, Route
from hop_redirect.settings import RedirectSettings
from hop_redirect.shared_cache import RedisSharedCache

__all__ = ["RedirectServices", "services_of"]


@dataclass(slots=True, frozen=True)
class RedirectServices:
    """Every part of the service, built once per app by `hop_redirect.app.create_app`."""

    settings: RedirectSettings
    metrics: RedirectMetrics
    links: LinksClient
    renderer: Renderer
    cache: LinkCache[Route]
    cache_publisher: CacheMetricsPublisher
    shared_cache: RedisSharedCache | None
    hosts: Hosts
    domains: DomainsRefresher
    clicks: ClickBuffer
    pipeline: ClickPipeline
    redis: Redis | None

    async def start(self) -> None:
        """Read the served domains, start the background tasks (clicks, metrics, domains)."""
        await self.pipeline.start()
        self.cache_publisher.start()
        await self.domains.start()

    async def aclose(self) -> None:
        """Stop the background tasks, flushing clicks within the budget, then close every pool."""
        await self.domains.stop()
        await self.cache_publisher.stop()
        await self.pipeline.stop(self.settings.click_shutdown_timeout)
        await self.links.aclose()
        await self.pipeline.sender.aclose()
        if self.redis is not None:
            await self.redis.aclose()


def services_of(app: FastAPI) -> RedirectServices:
    """Return the services of an app built by `hop_redirect.app.create_app`."""
    return shared_services_of(app, RedirectServices)
