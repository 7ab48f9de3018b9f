"""What routes and the lifespan use: the per-app services on ``app.state`` and their aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_analytics.consumer import StreamConsumer
from hop_analytics.events import EventParser
from hop_analytics.ingestion import Ingestor
from hop_analytics.link_feed import LinkFeedFollower
from hop_analytics.metrics import AnalyticsMetrics
from hop_analytics.owners import OwnerChecker
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_instrumentation.ratelimit import client_address

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


def services_of(app: FastAPI) -> AnalyticsServices:
    """Return the services `create_app` put on ``app`` (for the lifespan and tests)."""
    services: AnalyticsServices = app.state.services
    return services


def get_services(request: Request) -> AnalyticsServices:
    """Return the services of the app serving ``request``."""
    return services_of(request.app)


def get_ingestor(request: Request) -> Ingestor:
    """Return the app's ingestor (the click intake's one dependency)."""
    return services_of(request.app).ingestor


def get_parser(request: Request) -> EventParser:
    """Return the app's event parser (the contract and the clock-skew allowance)."""
    return services_of(request.app).parser


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


def get_client_address(request: Request) -> str:
    """Return the caller's address as the instrumentation resolves it (for links' limits)."""
    return client_address(request.scope, services_of(request.app).settings.trusted_proxies)


def get_authorization(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """Return the request's ``Authorization`` header as links expects it, or None."""
    if credentials is None:
        return None
    return f"{credentials.scheme} {credentials.credentials}"


ServicesDep = Annotated[AnalyticsServices, Depends(get_services)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
ParserDep = Annotated[EventParser, Depends(get_parser)]
AuthorizationDep = Annotated[str | None, Depends(get_authorization)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]
