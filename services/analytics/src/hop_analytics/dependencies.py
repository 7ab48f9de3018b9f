"""What routes and the lifespan use: the per-app services on ``app.state`` and their aliases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Final

import httpx
from fastapi import Depends, FastAPI, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_analytics.consumer import StreamConsumer
from hop_analytics.database import MIGRATIONS
from hop_analytics.events import EventParser
from hop_analytics.ingestion import Ingestor
from hop_analytics.link_feed import LinkFeedFollower
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.owners import OwnerChecker
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_instrumentation.bearer import BearerToken
from hop_instrumentation.metrics import OldestWaitingAge
from hop_instrumentation.ratelimit import client_address
from hop_instrumentation.services import services_of as shared_services_of

__all__ = [
    "AnalyticsServices",
    "AuthorizationDep",
    "ClientAddressDep",
    "IngestorDep",
    "ParserDep",
    "ServicesDep",
    "get_authorization",
    "get_client_address",
    "get_ingestor",
    "get_parser",
    "get_services",
    "services_of",
]

logger = logging.getLogger("hop.analytics")
#: Seconds the consumers get beyond one blocking read to finish the batch in hand.
_STOP_GRACE: Final = 5.0


@dataclass(slots=True, frozen=True)
class AnalyticsServices:
    """Every part of the app, built once by `hop_analytics.app.create_app`."""

    settings: AnalyticsSettings
    engine: AsyncEngine
    store: ClickStore
    metrics: AnalyticsMetrics
    ingestor: Ingestor
    parser: EventParser
    owners: OwnerChecker
    links_client: httpx.AsyncClient
    #: Reads links' feed of disables and enables (its internal port) in the background.
    link_feed: LinkFeedFollower
    link_feed_client: httpx.AsyncClient
    #: The Redis client the stream consumers share; None with the ``http`` transport.
    redis: Redis | None
    consumers: tuple[StreamConsumer, ...]
    #: The ages of the oldest clicks waiting in the stream and in intake, kept current.
    waiting_ages: tuple[OldestWaitingAge, ...] = ()
    #: The background tasks `start` runs: pruning, the link feed, the consumers.
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Migrate (if the settings say so), then prune, follow the feed and consume."""
        if self.settings.run_migrations:
            await MIGRATIONS.upgrade(self.engine)
        self.tasks.append(asyncio.create_task(self._prune_forever(), name="prune"))
        self.tasks.append(asyncio.create_task(self.link_feed.run(), name="link-feed"))
        self.tasks.extend(asyncio.create_task(consumer.run()) for consumer in self.consumers)
        for age in self.waiting_ages:
            age.start()

    async def aclose(self) -> None:
        """Let the feed and consumers finish the batch in hand, then close every pool."""
        self.link_feed.stop()
        for consumer in self.consumers:
            consumer.stop()
        running = self.tasks[1:]  # pruning stops at once, the others finish their batch
        if running:
            await asyncio.wait(running, timeout=self.settings.block_ms / 1000 + _STOP_GRACE)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for age in self.waiting_ages:
            await age.stop()
        if self.redis is not None:
            await self.redis.aclose()
        await self.links_client.aclose()
        await self.link_feed_client.aclose()
        await self.engine.dispose()

    async def _prune_forever(self) -> None:
        retention = timedelta(days=self.settings.retention_days)
        while True:
            await asyncio.sleep(self.settings.prune_interval)
            with contextlib.suppress(Exception):
                pruned = await self.store.prune(retention)
                logger.info("raw click events pruned", extra={"pruned": pruned})


def services_of(app: FastAPI) -> AnalyticsServices:
    """Return the services of an app built by `hop_analytics.app.create_app`."""
    return shared_services_of(app, AnalyticsServices)


async def get_services(request: Request) -> AnalyticsServices:
    """Return the services of the app serving ``request``."""
    return services_of(request.app)


async def get_ingestor(request: Request) -> Ingestor:
    """Return the app's ingestor (the click intake's one dependency)."""
    return services_of(request.app).ingestor


async def get_parser(request: Request) -> EventParser:
    """Return the app's event parser (the contract and the clock-skew allowance)."""
    return services_of(request.app).parser


_api_key = BearerToken(description="An API key: `Authorization: Bearer <key>`.")


async def get_client_address(request: Request) -> str:
    """Return the caller's address as the instrumentation resolves it (for links' limits)."""
    return client_address(request.scope, services_of(request.app).settings.trusted_proxies)


async def get_authorization(key: Annotated[str | None, Depends(_api_key)]) -> str | None:
    """Return the ``Authorization`` header that asks links about the caller's key, or None."""
    return None if key is None else f"Bearer {key}"


ServicesDep = Annotated[AnalyticsServices, Depends(get_services)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
ParserDep = Annotated[EventParser, Depends(get_parser)]
AuthorizationDep = Annotated[str | None, Depends(get_authorization)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]
