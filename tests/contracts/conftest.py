"""The real links and analytics apps in-process, on SQLite, for the contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hop_analytics.app import create_app as create_analytics_app
from hop_analytics.settings import AnalyticsSettings
from hop_contracts.testing import FakeLinks
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


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServers]:
    """Serve apps on loopback ports, for clients that reach their peer only over the network."""
    async with LoopbackServers() as servers:
        yield servers


@pytest.fixture
async def links(tmp_path: Path) -> AsyncIterator[RealLinks]:
    settings = make_test_settings(
        LinksSettings,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'links.db'}",
        run_migrations=True,
        public_base_url="https://hop.test",
        health_check_interval=_QUIET_CHECKS,
    )
    app = create_links_app(settings)
    async with app_client(app, base_url="http://links") as client:
        accounts = services_of(app).accounts
        keys = []
        for owner in ("alice", "bob"):
            await accounts.create_owner(owner)
            keys.append((await accounts.create_key(owner)).secret)
        yield RealLinks(app, client, *keys)


@pytest.fixture
async def analytics(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_test_settings(
        AnalyticsSettings,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
        run_migrations=True,
        links_url="http://links",
        health_check_interval=_QUIET_CHECKS,
    )
    app = create_analytics_app(settings, links_transport=httpx.ASGITransport(FakeLinks()))
    async with app_client(app, base_url="http://analytics") as client:
        yield client
