from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_analytics.app import create_app
from hop_analytics.database import MIGRATIONS
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_contracts.testing import FakeLinks, fake_link_id
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import make_test_settings, temporary_database

PG_ADMIN_URL = os.environ.get("HOP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
OWNER_KEY = "Bearer owner-key"
OTHER_KEY = "Bearer other-key"


def event(
    event_id: str | None = None,
    *,
    code: str = "abc1234",
    timestamp: str = "2026-11-28T08:00:00.123Z",
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "link_id": fake_link_id(code),
        "code": code,
        "timestamp": timestamp,
        "referrer": "https://news.example/a",
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "is_bot": False,
        "country": "DE",
    }
    body.update(fields)
    return body


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await MIGRATIONS.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """A migrated, empty database: SQLite in a temp dir, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
        await _migrate(url)
        yield url
        return
    with temporary_database(PG_ADMIN_URL, prefix="hop_analytics_test") as url:
        await _migrate(url)
        yield url


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    """A plain ``postgresql://`` URL (as operators publish it) of a fresh, empty database."""
    with temporary_database(PG_ADMIN_URL, prefix="hop_analytics_test") as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> ClickStore:
    return ClickStore(engine)


def links_owner_transport(owned: dict[str, set[str]]) -> httpx.ASGITransport:
    """Fake links: ``owned`` maps an Authorization header to the codes its owner has."""
    return httpx.ASGITransport(FakeLinks(owners=owned))


AppFactory = Callable[..., FastAPI]


class Clock:
    """Monotonic seconds that move only when a test moves them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_app(database_url: str) -> AppFactory:
    """Build an analytics app on the test database with a fake links."""

    def build(
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        link_feed: FakeLinks | None = None,
        clock: Callable[[], float] = time.monotonic,
        **overrides: Any,
    ) -> FastAPI:
        values: dict[str, Any] = {
            "database_url": database_url,
            "links_url": "http://links.test",
            "owner_cache_ttl": 0.0,
        }
        values.update(overrides)
        settings = make_test_settings(AnalyticsSettings, **values)
        fake = transport or links_owner_transport({OWNER_KEY: {"abc1234"}, OTHER_KEY: {"xyz9876"}})
        # links' feed of disables and enables on its own fake, so that tests recording
        # what analytics asks links see only the ownership checks.
        feed = httpx.ASGITransport(link_feed or FakeLinks())
        return create_app(settings, links_transport=fake, link_feed_transport=feed, clock=clock)

    return build


@pytest.fixture
async def stream_name() -> AsyncIterator[str]:
    name = f"hop-test:{uuid.uuid4().hex}"
    yield name
    await _delete_keys(name, f"{name}:dead")


async def _delete_keys(*keys: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


def today() -> str:
    return datetime.now(UTC).date().isoformat()
