"""The real links and analytics apps in-process, on SQLite, for the contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI

from hop_analytics.app import create_app as create_analytics_app
from hop_analytics.settings import AnalyticsSettings
from hop_contracts.testing import FakeLinks
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import LoopbackServers, app_client, make_test_settings
from hop_links.app import create_app as create_links_app
from hop_links.dependencies import services_of
from hop_links.settings import LinksSettings

# A slow re-check keeps Python 3.11's wait_for cancel race out of Readiness.stop().
_QUIET_CHECKS = 30.0


@dataclass(slots=True)
class RealLinks:
    """The links app, a client of its API, and two owners' keys."""

    app: FastAPI
    client: httpx.AsyncClient
    alice: str
    bob: str

    def auth(self, key: str) -> dict[str, str]:
        """Return the Authorization header for ``key``."""
        return {"Authorization": f"Bearer {key}"}

    def transport(self) -> httpx.ASGITransport:
        """Return a transport to links' API from loopback, as its peer services reach it."""
        return httpx.ASGITransport(app=get_instrumentation(self.app).api_app)


class MakeLinks(Protocol):
    """``async with make_links(**settings) as links``: the links app with ``settings`` changed."""

    def __call__(self, **settings: Any) -> AbstractAsyncContextManager[RealLinks]: ...


class MakeAnalytics(Protocol):
    """``make_analytics(links_transport, **settings)``: the analytics app asking that links."""

    def __call__(self, links_transport: httpx.AsyncBaseTransport, **settings: Any) -> FastAPI: ...


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServers]:
    """Serve apps on loopback ports, for clients that reach their peer only over the network."""
    async with LoopbackServers() as servers:
        yield servers


@pytest.fixture
def make_links(tmp_path: Path) -> MakeLinks:
    """Run the links app on a migrated SQLite file, with owners alice and bob and a key each."""

    @asynccontextmanager
    async def run(**settings: Any) -> AsyncIterator[RealLinks]:
        values: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'links.db'}",
            "run_migrations": True,
            "public_base_url": "https://hop.test",
            "health_check_interval": _QUIET_CHECKS,
            **settings,
        }
        app = create_links_app(make_test_settings(LinksSettings, **values))
        async with app_client(app, base_url="http://links") as client:
            accounts = services_of(app).accounts
            keys = []
            for owner in ("alice", "bob"):
                await accounts.create_owner(owner)
                keys.append((await accounts.create_key(owner)).secret)
            yield RealLinks(app, client, *keys)

    return run


@pytest.fixture
async def links(make_links: MakeLinks) -> AsyncIterator[RealLinks]:
    async with make_links() as links:
        yield links


@pytest.fixture
def make_analytics(tmp_path: Path) -> MakeAnalytics:
    """Build the analytics app on a migrated SQLite file, asking links through a transport."""

    def build(links_transport: httpx.AsyncBaseTransport, **settings: Any) -> FastAPI:
        values: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
            "run_migrations": True,
            "links_url": "http://links",
            "health_check_interval": _QUIET_CHECKS,
            **settings,
        }
        return create_analytics_app(
            make_test_settings(AnalyticsSettings, **values), links_transport=links_transport
        )

    return build


@pytest.fixture
async def analytics(make_analytics: MakeAnalytics) -> AsyncIterator[httpx.AsyncClient]:
    app = make_analytics(httpx.ASGITransport(FakeLinks()))
    async with app_client(app, base_url="http://analytics") as client:
        yield client
