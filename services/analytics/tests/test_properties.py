"""Property: any event, valid or not, is stored exactly once or refused with a reason.

Hypothesis generates events around the contract (valid values, and text with NUL, lone
surrogates, over-long values, timestamps out of range or in the future, wrong types) and
sends them over both transports into SQLite and PostgreSQL. Never an error: over HTTP
each batch is 200 (every event stored once, a resend all duplicates) or 422 (none
stored); on Redis each entry is stored once or dead-lettered, and none stays pending.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from hop_analytics.dependencies import services_of
from hop_analytics.store import ClickStore
from hop_analytics.tables import click_events
from hop_contracts import CODE_PATTERN
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import app_client

from .conftest import REDIS_URL, AppFactory
from .test_consumer import consumer

_serial = itertools.count()
_NASTY = st.sampled_from(["\x00", "\ud800", "\udfff", "a\x00b", "é", "😀", " ", ":", "\n"])
_TEXT = st.one_of(st.text(max_size=80), _NASTY, st.text(min_size=2040, max_size=2060))
_NOW = datetime.now(UTC)
_TIMESTAMPS = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-23, minutes=-59)), None]),
    ).map(datetime.isoformat),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)).map(
        lambda moment: moment.isoformat() + "Z"
    ),
    st.just((_NOW + timedelta(hours=2)).isoformat()),
    st.just("9999-12-31T23:59:59-23:59"),  # overflows once in UTC
    st.integers(min_value=-(2**40), max_value=2**40),
    _TEXT,
)
_CODES = st.one_of(st.from_regex(f"^{CODE_PATTERN}$", fullmatch=True), _TEXT)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """An event near the contract: each field valid, or wrong in some way, or missing."""
    body: dict[str, Any] = {
        "id": f"p{next(_serial)}-" + draw(st.one_of(st.just(""), _TEXT)),
        "link_id": draw(st.one_of(_CODES, st.none())),
        "code": draw(_CODES),
        "timestamp": draw(_TIMESTAMPS),
        "referrer": draw(st.one_of(st.none(), st.just("https://news.example/a"), _TEXT)),
        "user_agent": draw(st.one_of(st.none(), st.just("curl/8.0"), _TEXT)),
        "is_bot": draw(st.one_of(st.booleans(), st.integers(-1, 2), _TEXT)),
        "country": draw(st.one_of(st.none(), st.text(max_size=3))),
        "traceparent": draw(st.one_of(st.none(), _TEXT)),
    }
    return {key: value for key, value in body.items() if value is not None}


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _storable(text: str) -> bool:
    return "\x00" not in text and text.encode("utf-8", "replace").decode() == text


async def stored(store: ClickStore, ids: list[str]) -> int:
    """Return how many of ``ids`` are stored (an id no database could hold: none)."""
    ids = [each for each in ids if _storable(each)]
    if not ids:
        return 0
    async with store.engine.connect() as conn:
        query = select(func.count()).select_from(click_events).where(click_events.c.id.in_(ids))
        return int((await conn.execute(query)).scalar_one())


def check_any_batches(
    runner: asyncio.Runner, check: Callable[[list[dict[str, Any]]], Coroutine[Any, Any, None]]
) -> None:
    """Run ``check`` on the runner's loop for each batch (one to three events) Hypothesis draws."""

    @PROPERTY
    @given(st.lists(events(), min_size=1, max_size=3))
    def prop(batch: list[dict[str, Any]]) -> None:
        runner.run(check(batch))

    prop()


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


def test_http_intake_any_batch_is_stored_once_or_refused(
    make_app: AppFactory, runner: asyncio.Runner
) -> None:
    app = make_app()
    client_context = app_client(app)
    client: httpx.AsyncClient = runner.run(client_context.__aenter__())
    store = services_of(app).store

    async def check(batch: list[dict[str, Any]]) -> None:
        body = json.dumps({"events": batch})  # lone surrogates travel as \\ud800 escapes
        headers = {"Content-Type": "application/json"}
        first = await client.post("/internal/v1/clicks", content=body, headers=headers)
        again = await client.post("/internal/v1/clicks", content=body, headers=headers)
        ids = [str(event["id"]) for event in batch]
        count = await stored(store, ids)
        assert first.status_code in (200, 422), first.text
        if first.status_code == 200:
            assert first.json() == {"accepted": len(batch), "duplicates": 0, "disabled": 0}
            assert again.json() == {"accepted": 0, "duplicates": len(batch), "disabled": 0}
            assert count == len(batch)
        else:
            detail = first.json()["detail"]
            assert isinstance(detail, str)
            assert detail.startswith(("Event ", "The batch"))
            assert (again.status_code, count) == (422, 0)

    try:
        check_any_batches(runner, check)
    finally:
        runner.run(client_context.__aexit__(None, None, None))


@pytest.mark.redis
def test_redis_intake_any_entry_is_stored_once_or_dead_lettered(
    database_url: str, stream_name: str, runner: asyncio.Runner
) -> None:
    # The engine and the client live on the runner's loop, and are closed there.
    store = ClickStore(create_engine(database_url))
    redis = Redis.from_url(REDIS_URL)
    worker, _registry = consumer(redis, store, stream_name)
    runner.run(worker.ensure_group())

    async def check(batch: list[dict[str, Any]]) -> None:
        sent = {}
        for body in batch:
            entry = await redis.xadd(stream_name, {"event": json.dumps(body)})
            sent[entry] = str(body["id"])
        while await worker.step():
            pass
        dead = {
            fields[b"source_id"]
            for _id, fields in await redis.xrange(f"{stream_name}:dead")
            if fields[b"source_id"] in sent
        }
        for entry, event_id in sent.items():
            count = await stored(store, [event_id])
            assert (count, entry in dead) in ((1, False), (0, True)), (event_id, count)
        assert int((await redis.xpending(stream_name, "analytics"))["pending"]) == 0

    try:
        check_any_batches(runner, check)
    finally:
        runner.run(redis.aclose())
        runner.run(store.engine.dispose())
