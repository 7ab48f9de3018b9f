"""The same flow as the cluster runs it: clicks over the real Redis, data in the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
import redis
from hop_e2e_flow import (
    Clicks,
    assert_counted_exactly,
    assert_disabled_link_stops_counting,
    click,
    create_link,
)
from hop_e2e_stack import RunningStack, running_stack
from hop_local.prepare import ensure_postgres_databases

pytestmark = [pytest.mark.process, pytest.mark.redis, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    """A database per service, named for this run only, dropped afterwards."""
    names = {
        service: f"hop_e2e_{uuid.uuid4().hex[:12]}_{service}" for service in ("links", "analytics")
    }
    ensure_postgres_databases(POSTGRES, tuple(names.values()))
    async_base = POSTGRES.replace("postgresql://", "postgresql+asyncpg://")
    yield {service: f"{async_base}/{name}" for service, name in names.items()}
    asyncio.run(_drop(tuple(names.values())))


async def _drop(names: tuple[str, ...]) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def stream() -> Iterator[str]:
    """A stream key of this run only, deleted (with its dead-letter stream) afterwards."""
    key = f"hop:e2e:{uuid.uuid4().hex}:clicks"
    yield key
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(key, f"{key}:dead")
    finally:
        client.close()


@pytest.fixture(scope="module")
def hop_redis(
    tmp_path_factory: pytest.TempPathFactory, stream: str, databases: dict[str, str]
) -> Iterator[RunningStack]:
    """A stack on PostgreSQL whose redirect and analytics exchange clicks over ``stream``."""
    root: Path = tmp_path_factory.mktemp("hop-redis")
    with running_stack(
        root,
        click_transport="redis",
        click_stream=stream,
        database_urls=databases,
        settings={"HOP_REDIS_URL": REDIS_URL},
    ) as hop:
        yield hop


def test_clicks_over_redis_into_postgres_counted_exactly_bots_apart(
    hop_redis: RunningStack, stream: str
) -> None:
    link = create_link(hop_redis)
    made = Clicks(humans=4, bots=3)
    click(hop_redis, link["code"], made)
    assert_counted_exactly(hop_redis, link["code"], made)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        added = client.xinfo_stream(stream)["entries-added"]
        groups = client.xinfo_groups(stream)
    finally:
        client.close()
    # Every click went through the stream, and analytics acknowledged every entry.
    assert added >= made.humans + made.bots
    assert [(g["name"], g["pending"]) for g in groups] == [(b"analytics", 0)]


def test_disabled_link_served_from_cache_stops_counting_over_redis_on_postgres(
    hop_redis: RunningStack,
) -> None:
    assert_disabled_link_stops_counting(hop_redis)
