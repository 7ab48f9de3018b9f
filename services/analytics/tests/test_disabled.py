"""A disabled link's clicks stop counting: links' feed, the correction, intake's filter."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from hop_analytics.dependencies import services_of
from hop_analytics.link_feed import LinkFeedFollower
from hop_analytics.tables import click_events, disabled_periods, held_clicks
from hop_contracts import LINK_CHANGES_PATH
from hop_contracts.testing import FakeLinks, link_change
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client, metric_value

from .conftest import OWNER_KEY, AppFactory, event

DAY = "2026-11-28"
DISABLED_AT = f"{DAY}T10:00:00Z"
ENABLED_AT = f"{DAY}T12:00:00Z"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"  # a 2nd browser


def at(clock: str, event_id: str, **fields: Any) -> dict[str, Any]:
    """Return a click of abc1234 at ``clock`` (HH:MM) on DAY."""
    return event(event_id, timestamp=f"{DAY}T{clock}:00Z", **fields)


def build(make_app: AppFactory, feed: FakeLinks | None = None) -> tuple[FastAPI, FakeLinks]:
    """Return an app and the fake links serving its feed (``changes``, ``down``)."""
    feed = feed or FakeLinks()
    owners = httpx.ASGITransport(FakeLinks(owners={OWNER_KEY: {"abc1234"}}))
    # The background poll reads the (empty) feed at startup only; tests catch up by hand.
    return make_app(owners, link_feed=feed, link_feed_interval=60.0), feed


async def post(client: httpx.AsyncClient, *events: dict[str, Any]) -> dict[str, int]:
    response = await client.post("/internal/v1/clicks", json={"events": list(events)})
    assert response.status_code == 200
    body: dict[str, int] = response.json()
    return body


async def stats(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/stats/abc1234",
        params={"from": DAY, "to": DAY, "include_bots": "true"},
        headers={"Authorization": OWNER_KEY},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def counts(body: dict[str, Any]) -> tuple[int, int, dict[str, list[dict[str, Any]]]]:
    top = {name: body["top"][name] for name in ("browsers", "countries", "devices")}
    return body["total_clicks"], body["bot_clicks"], top


async def catch_up(app: FastAPI) -> int:
    return await services_of(app).link_feed.catch_up()


async def stored(app: FastAPI, table: Any = click_events) -> int:
    async with services_of(app).engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def disabled_metric(app: FastAPI, transport: str = "http") -> float | None:
    registry = get_instrumentation(app).metrics.registry
    return metric_value(registry, "hop_analytics_events_disabled_total", {"transport": transport})


async def test_clicks_after_a_disable_are_removed_once_learned_and_dropped_after(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        assert disabled_metric(app) == 0  # exported from 0
        await post(client, at("09:00", "before"), at("09:30", "bot", is_bot=True))
        # Served from redirect's cache after the disable, before analytics knows of it.
        await post(client, at("10:00", "cached1", user_agent=FIREFOX, country="FR"))
        await post(client, at("11:00", "cached2", is_bot=True))
        assert counts(await stats(client))[:2] == (2, 2)
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        assert await catch_up(app) == 1
        after = await stats(client)
        late = await post(client, at("11:30", "cached3"), at("09:45", "late-but-before"))
        final = await stats(client)
        kept = await stored(app)
    assert counts(after) == (
        1,
        1,
        {
            "browsers": [{"value": "Chrome", "clicks": 2}],
            "countries": [{"value": "DE", "clicks": 2}],  # not FR: that click is removed
            "devices": [{"value": "bot", "clicks": 1}, {"value": "desktop", "clicks": 1}],
        },
    )
    assert [day["clicks"] for day in after["daily"]] == [1]
    assert late == {"accepted": 1, "duplicates": 0, "disabled": 1}
    assert counts(final)[:2] == (2, 1)
    assert disabled_metric(app) == 1
    assert kept == 3  # the two before, and the late one before the disable


async def test_a_disable_read_at_once_takes_back_a_click_stored_before_it_from_a_clock_ahead(
    make_app: AppFactory,
) -> None:
    """The take-back's ingested_at bound reaches back by the allowed skew, not less."""
    app, links = build(make_app)
    now = datetime.now(UTC)

    def stamp(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z")

    async with app_client(app) as client:
        # Stored now; the second stamped by a redirect whose clock runs 4 minutes ahead.
        await post(
            client,
            event("before", timestamp=stamp(now - timedelta(minutes=2))),
            event("ahead", timestamp=stamp(now + timedelta(minutes=4))),
        )
        disabled_at = stamp(now + timedelta(minutes=2))  # after "ahead" was stored
        links.changes.append(link_change(1, "abc1234", disabled=True, at=disabled_at))
        assert await catch_up(app) == 1
        kept, held = await stored(app), await stored(app, held_clicks)
    assert (kept, held) == (1, 1)


async def test_a_redelivered_event_inside_a_disabled_period_is_not_counted(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        await post(client, at("09:00", "before"), at("10:30", "inside"))
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        await catch_up(app)
        again = await post(client, at("10:30", "inside"), at("09:00", "before"))
        body = await stats(client)
    assert again == {"accepted": 0, "duplicates": 1, "disabled": 1}
    assert counts(body)[:2] == (1, 0)


async def test_an_enable_resumes_counting_from_its_moment(make_app: AppFactory) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        await catch_up(app)
        held = await post(client, at("11:00", "while-disabled"), at("12:30", "early-after"))
        before_enable = counts(await stats(client))[:2]
        links.changes.append(link_change(2, "abc1234", disabled=False, at=ENABLED_AT))
        await catch_up(app)
        answer = await post(client, at("13:00", "after-enable"), at("11:59", "still-disabled"))
        body = await stats(client)
        left = await stored(app, held_clicks)
    assert held == {"accepted": 0, "duplicates": 0, "disabled": 2}
    assert before_enable == (0, 0)
    assert answer == {"accepted": 1, "duplicates": 0, "disabled": 1}
    # 12:30 arrived before analytics knew of the enable: held, then counted at the enable.
    assert counts(body)[:2] == (2, 0)
    assert left == 0


async def test_a_disable_and_its_enable_on_one_page_remove_only_the_clicks_between(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        await post(client, at("09:00", "a"), at("11:00", "b"), at("12:00", "c"), at("13:00", "d"))
        links.changes += [
            link_change(1, "abc1234", disabled=True, at=DISABLED_AT),
            link_change(2, "abc1234", disabled=False, at=ENABLED_AT),
        ]
        assert await catch_up(app) == 2
        body = await stats(client)
        async with services_of(app).engine.connect() as conn:
            periods = (await conn.execute(select(disabled_periods.c.enabled_at))).all()
    assert counts(body)[:2] == (3, 0)  # 11:00 was inside; 12:00 is the enable itself
    assert len(periods) == 1
    assert periods[0][0] is not None


async def test_a_disable_of_a_link_disabled_already_opens_no_second_period(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        await post(client, at("09:00", "a"), at("10:30", "b"), at("11:30", "c"), at("13:00", "d"))
        links.changes += [
            link_change(1, "abc1234", disabled=True, at=DISABLED_AT),
            link_change(2, "abc1234", disabled=True, at=f"{DAY}T11:00:00Z"),  # a repeat
            link_change(3, "abc1234", disabled=False, at=ENABLED_AT),
        ]
        assert await catch_up(app) == 3
        body = await stats(client)
        async with services_of(app).engine.connect() as conn:
            query = select(disabled_periods.c.disabled_at, disabled_periods.c.enabled_at)
            periods = [
                (str(start)[11:16], str(end)[11:16]) for start, end in await conn.execute(query)
            ]
    assert periods == [("10:00", "12:00")]
    assert counts(body)[:2] == (2, 0)


async def test_replicas_apply_each_change_once(make_app: AppFactory) -> None:
    first, links = build(make_app)
    second, _ = build(make_app, links)
    async with app_client(first) as client, app_client(second):
        await post(client, at("09:00", "a"), at("10:30", "b"), at("11:30", "c"))
        links.changes += [
            link_change(seq, "abc1234", disabled=seq % 2 == 1, at=f"{DAY}T0{seq}:00:00Z")
            for seq in range(1, 4)
        ]  # disabled 01:00-02:00, and again from 03:00
        applied = await asyncio.gather(catch_up(first), catch_up(second), catch_up(second))
        body = await stats(client)
        periods = await stored(first, disabled_periods)
        position = await services_of(second).link_feed._feed.position()
    assert sum(applied) == 3
    assert counts(body)[:2] == (0, 0)
    assert (periods, position) == (2, 3)


async def test_the_feed_is_read_page_by_page_from_each_pages_next_after(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    feed_client = httpx.AsyncClient(transport=httpx.ASGITransport(links), base_url="http://links")
    async with app_client(app) as client, feed_client:
        await post(client, at("01:30", "first"), at("04:00", "second"), at("06:00", "counted"))
        links.changes += [
            link_change(seq, "abc1234", disabled=disabled, at=f"{DAY}T0{seq}:00:00Z")
            for seq, disabled in ((1, True), (2, False), (3, True), (5, False), (8, True))
        ]  # disabled 01:00-02:00, 03:00-05:00, again from 08:00; seqs with gaps
        store = services_of(app).link_feed._feed
        follower = LinkFeedFollower(feed_client, store, interval=60.0, page_size=2)
        pages_before = links.calls[LINK_CHANGES_PATH]
        applied = await follower.catch_up()
        pages = links.calls[LINK_CHANGES_PATH] - pages_before
        body, position = await stats(client), await store.position()
        periods = await stored(app, disabled_periods)
    assert (applied, pages, position, periods) == (5, 3, 8, 3)
    assert counts(body)[:2] == (1, 0)


async def test_feed_unreachable_keeps_the_position_and_catches_up_later(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        await post(client, at("11:00", "a"))
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        links.down = True
        with pytest.raises(RuntimeError, match="503"):
            await catch_up(app)
        before = counts(await stats(client))[:2]
        links.down = False
        assert await catch_up(app) == 1
        after = counts(await stats(client))[:2]
    assert (before, after) == ((1, 0), (0, 0))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_intake_racing_the_correction_counts_no_click_of_the_period(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    batches = [
        [at(f"1{minute % 2}:{minute:02d}", f"e{batch}-{minute}") for minute in range(60)]
        for batch in range(40)
    ]  # half of each batch at 10:xx (inside the period), half at 11:xx (inside too)
    before = [at("09:00", f"before-{n}") for n in range(40)]
    async with app_client(app) as client:
        await post(client, *before)
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        posts = [post(client, *batch) for batch in batches]
        await asyncio.gather(*posts[:20], catch_up(app), *posts[20:])
        body = await stats(client)
    assert counts(body)[:2] == (40, 0)


async def test_held_events_of_a_link_still_disabled_are_pruned_like_raw_events(
    make_app: AppFactory,
) -> None:
    app, links = build(make_app)
    async with app_client(app) as client:
        links.changes.append(link_change(1, "abc1234", disabled=True, at=DISABLED_AT))
        await catch_up(app)
        await post(client, at("11:00", "held"), at("09:00", "counted"))
        store = services_of(app).store
        await store.prune(timedelta(days=7), now=datetime.now(UTC) + timedelta(days=6))
        kept = await stored(app, held_clicks)
        await store.prune(timedelta(days=7), now=datetime.now(UTC) + timedelta(days=8))
        pruned = await stored(app, held_clicks)
    assert (kept, pruned) == (1, 0)
