"""Click intake never breaks its contract: refused events are named, dead-lettered, split out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from hop_analytics.database import MIGRATIONS
from hop_analytics.dependencies import services_of
from hop_analytics.store import ClickStore
from hop_instrumentation import get_instrumentation
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import (
    app_client,
    management_client,
    metric_value,
    temporary_database,
)

from .conftest import PG_ADMIN_URL, AppFactory, event
from .test_consumer import consumer, drain, pending, publish, total

DAY = date(2026, 11, 28)
FUTURE = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
#: Events outside the contract, and the field the refusal must name.
BAD_EVENTS: dict[str, tuple[dict[str, Any], str]] = {
    "code-space": ({"code": "a b"}, "code"),
    "code-empty": ({"code": ""}, "code"),
    "code-long": ({"code": "x" * 65}, "code"),
    "code-nul": ({"code": "a\x00b"}, "code"),
    "link-id-missing": ({"link_id": None}, "link_id"),
    "link-id-colon": ({"link_id": "legacy:abc1234"}, "link_id"),
    "id-long": ({"id": "i" * 65}, "id"),
    "id-nul": ({"id": "a\x00"}, "id"),
    "referrer-nul": ({"referrer": "https://a.example/\x00"}, "referrer"),
    "referrer-long": ({"referrer": "https://a.example/" + "r" * 2048}, "referrer"),
    "agent-surrogate": ({"user_agent": "Mozilla\ud800"}, "user_agent"),
    "traceparent-surrogate": ({"traceparent": "\udfff"}, "traceparent"),
    "timestamp-overflow": ({"timestamp": "9999-12-31T23:59:59-23:59"}, "timestamp"),
    "timestamp-ancient": ({"timestamp": "1970-01-01T00:00:00Z"}, "timestamp"),
    "timestamp-future": ({"timestamp": FUTURE}, "timestamp"),
    "timestamp-garbage": ({"timestamp": "yesterday"}, "timestamp"),
    "country-long": ({"country": "DEU"}, "country"),
    "bot-maybe": ({"is_bot": "maybe"}, "is_bot"),
}


def bad_event(event_id: str, case: str) -> dict[str, Any]:
    changes, _field = BAD_EVENTS[case]
    body = event(event_id, **changes)
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
async def test_post_clicks_event_outside_contract_is_422_naming_index_and_field(
    make_app: AppFactory, case: str
) -> None:
    app = make_app()
    body = json.dumps({"events": [event("ok"), bad_event("bad", case)]})
    async with app_client(app) as client:
        response = await client.post(
            "/internal/v1/clicks", content=body, headers={"Content-Type": "application/json"}
        )
        stored = await total(services_store(app))
    field = BAD_EVENTS[case][1]
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"Event 1: field '{field}' "), detail
    assert detail.endswith(".")
    assert stored == 0  # the batch is refused whole


def services_store(app: Any) -> ClickStore:
    return services_of(app).store


@pytest.mark.redis
async def test_consumer_poison_entries_never_stall_the_stream(
    redis: Redis, store: ClickStore, stream_name: str
) -> None:
    # Reproduced before: one entry with a NUL code (PostgreSQL refuses it) or an
    # overflowing timestamp (OverflowError) failed every batch: ingestion stopped for good.
    worker, registry = consumer(redis, store, stream_name)
    bad = [bad_event(f"bad-{case}", case) for case in sorted(BAD_EVENTS)]
    await publish(redis, stream_name, [event("good1"), *bad, event("good2")])
    await drain(worker)
    dead = await redis.xrange(f"{stream_name}:dead")
    assert await total(store) == 2
    assert await pending(redis, stream_name) == 0
    assert len(dead) == len(BAD_EVENTS)
    assert all(fields[b"reason"].startswith(b"The event: field '") for _id, fields in dead)
    labels = {"reason": "invalid"}
    dead_lettered = metric_value(registry, "hop_analytics_events_dead_lettered_total", labels)
    assert dead_lettered == len(BAD_EVENTS)
    assert worker.is_healthy


REFUSE_FUNCTION = """
CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id LIKE 'poison%' THEN
    RAISE EXCEPTION 'poisoned event %', NEW.id USING ERRCODE = '22023';
  END IF;
  IF NEW.id LIKE 'outage%' THEN
    RAISE EXCEPTION 'the disk is full' USING ERRCODE = '53100';
  END IF;
  RETURN NEW;
END $$
"""
REFUSE_TRIGGER = (
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON click_events"
    " FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
)


@pytest.fixture
async def refusing_database() -> AsyncIterator[str]:
    """A migrated PostgreSQL database that refuses ids 'poison*' (bad data) and 'outage*'."""
    with temporary_database(PG_ADMIN_URL, prefix="hop_analytics_test") as url:
        engine = create_engine(url)
        await MIGRATIONS.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text(REFUSE_FUNCTION))
            await conn.execute(text(REFUSE_TRIGGER))
        await engine.dispose()
        yield url


@pytest.mark.postgres
async def test_post_clicks_batch_refused_by_database_commits_the_good_events(
    make_app: AppFactory, refusing_database: str
) -> None:
    app = make_app(database_url=refusing_database)
    events = [event(f"good{i}") for i in range(6)]
    events[2:2] = [event("poison1")]
    events.append(event("poison2"))
    async with app_client(app) as client:
        response = await client.post("/internal/v1/clicks", json={"events": events})
        again = await client.post("/internal/v1/clicks", json={"events": events})
        stored = await total(services_store(app))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("Event 2 (2 refused, the other 6 stored): The database refused")
    assert "poisoned event poison1" in detail
    assert again.status_code == 422
    assert stored == 6  # stored once, though sent twice


@pytest.fixture
async def refusing_sqlite(tmp_path: Any) -> str:
    """A migrated SQLite database that refuses ids 'poison*' (as bad data)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'refusing.db'}"
    engine = create_engine(url)
    await MIGRATIONS.upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON click_events"
                " WHEN NEW.id LIKE 'poison%' BEGIN SELECT RAISE(ABORT, 'poisoned event'); END"
            )
        )
    await engine.dispose()
    return url


async def test_post_clicks_concurrent_batches_on_sqlite_refusal_stays_with_its_batch(
    make_app: AppFactory, refusing_sqlite: str
) -> None:
    # Concurrent batches share a transaction on SQLite (group commit): a refused event
    # must still fail only its own batch, and every other event be stored once.
    await _concurrent_batches_one_refused(make_app(database_url=refusing_sqlite))


@pytest.mark.postgres
async def test_post_clicks_concurrent_batches_on_postgres_refusal_stays_with_its_batch(
    make_app: AppFactory, refusing_database: str
) -> None:
    await _concurrent_batches_one_refused(make_app(database_url=refusing_database))


async def _concurrent_batches_one_refused(app: Any) -> None:
    cleans = [[event(f"clean{b}-{i}") for i in range(5)] for b in range(3)]
    tainted = [event("mixed0"), event("poison3"), event("mixed1")]
    bodies = [cleans[0], tainted, *cleans[1:]]  # on SQLite, tainted shares a group with clean ones
    async with app_client(app) as client:
        first, bad, *rest = await asyncio.gather(
            *(client.post("/internal/v1/clicks", json={"events": body}) for body in bodies)
        )
        stored = await total(services_store(app))
    good = [first, *rest]
    ok = (200, {"accepted": 5, "duplicates": 0, "disabled": 0})
    assert [(r.status_code, r.json()) for r in good] == [ok, ok, ok]
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("Event 1 (1 refused, the other 2 stored)")
    assert stored == 17


@pytest.mark.postgres
async def test_post_clicks_database_outage_is_503_and_stores_nothing(
    make_app: AppFactory, refusing_database: str
) -> None:
    app = make_app(database_url=refusing_database)
    async with app_client(app) as client:
        response = await client.post(
            "/internal/v1/clicks", json={"events": [event("good"), event("outage1")]}
        )
        stored = await total(services_store(app))
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.json() == {"detail": "The database cannot store clicks right now (DBAPIError)."}
    assert stored == 0


@pytest.mark.redis
@pytest.mark.postgres
async def test_consumer_batch_refused_by_database_dead_letters_only_the_refused(
    redis: Redis, refusing_database: str, stream_name: str
) -> None:
    engine = create_engine(refusing_database)
    store = ClickStore(engine)
    worker, registry = consumer(redis, store, stream_name)
    bodies = [event(f"good{i}") for i in range(9)]
    bodies[4:4] = [event("poison1")]
    await publish(redis, stream_name, bodies)
    await drain(worker)
    dead = await redis.xrange(f"{stream_name}:dead")
    stored = await total(store)
    await engine.dispose()
    assert stored == 9
    assert await pending(redis, stream_name) == 0
    [(_id, fields)] = dead
    assert json.loads(fields[b"event"])["id"] == "poison1"
    assert b"poisoned event poison1" in fields[b"reason"]
    labels = {"reason": "refused"}
    assert metric_value(registry, "hop_analytics_events_dead_lettered_total", labels) == 1


@pytest.mark.redis
@pytest.mark.postgres
async def test_app_stalled_consumer_fails_stream_check_in_readyz_verbose(
    make_app: AppFactory, redis: Redis, refusing_database: str, stream_name: str
) -> None:
    app = make_app(
        database_url=refusing_database,
        click_transport="redis",
        click_stream=stream_name,
        block_ms=20,
        consumer_stall_after=0.5,
    )
    await publish(redis, stream_name, [event("outage1")])  # the database keeps failing it
    async with app_client(app), management_client(app) as management:
        for _attempt in range(300):
            ready = await management.get("/readyz", params={"verbose": ""})
            if "[-]stream" in ready.text:
                break
            await asyncio.sleep(0.02)
    assert "[-]stream failed: RuntimeError: Stream consumer" in ready.text, ready.text
    assert "made no progress for" in ready.text
    assert "[+]database ok" in ready.text
    assert await pending(redis, stream_name) == 1  # kept for when the database recovers
    registry = get_instrumentation(app).metrics.registry
    assert (
        metric_value(registry, "hop_analytics_events_dead_lettered_total", {"reason": "refused"})
        == 0
    )
