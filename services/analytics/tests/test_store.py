from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy import func, select

from hop_analytics.events import Click
from hop_analytics.store import ClickStore, DailyCount, LinkStats, Ranked, is_permanent
from hop_analytics.tables import click_events
from hop_contracts import ClickEvent
from hop_contracts.testing import fake_link_id

from .conftest import event

BOT_UA = "Googlebot/2.1 (+http://www.google.com/bot.html)"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
#: The day of conftest's events unless a test gives them another timestamp.
DAY = date(2026, 11, 28)


def clicks(*bodies: dict[str, object]) -> list:  # type: ignore[type-arg]
    return [Click.from_event(ClickEvent.model_validate(body)) for body in bodies]


async def raw_count(store: ClickStore) -> int:
    async with store.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(click_events))).scalar_one()
        )


async def stats_of(
    store: ClickStore,
    start: date = DAY,
    end: date = DAY,
    *,
    include_bots: bool = False,
    top_n: int = 5,
) -> LinkStats:
    """Return the stats of conftest's link (code ``abc1234``) from ``start`` to ``end``."""
    return await store.stats(
        fake_link_id("abc1234"), start, end, code="x", include_bots=include_bots, top_n=top_n
    )


async def test_ingest_same_batch_twice_counts_once(store: ClickStore) -> None:
    batch = clicks(event("a"), event("b"), event("c"))
    first = await store.ingest(batch)
    second = await store.ingest(batch)
    assert (first.accepted, first.duplicates) == (3, 0)
    assert (second.accepted, second.duplicates) == (0, 3)
    stats = await stats_of(store)
    assert stats.total_clicks == 3
    assert stats.top["referrer"] == [Ranked("news.example", 3)]


async def test_ingest_repeated_id_within_batch_counts_once(store: ClickStore) -> None:
    outcome = await store.ingest(clicks(event("a"), event("a"), event("b")))
    assert (outcome.accepted, outcome.duplicates) == (2, 1)
    assert await raw_count(store) == 2


async def test_ingest_overlapping_batches_count_new_events_only(store: ClickStore) -> None:
    await store.ingest(clicks(event("a"), event("b")))
    outcome = await store.ingest(clicks(event("b"), event("c")))
    assert (outcome.accepted, outcome.duplicates) == (1, 1)
    stats = await stats_of(store)
    assert stats.total_clicks == 3


async def test_stats_days_without_clicks_are_zero_filled(store: ClickStore) -> None:
    await store.ingest(
        clicks(
            event("a", timestamp="2026-11-26T23:59:59Z"),
            event("b", timestamp="2026-11-28T00:00:00+01:00"),
            event("c", timestamp="2026-11-28T10:00:00Z"),
        )
    )
    stats = await stats_of(store, date(2026, 11, 25))
    assert stats.daily == [
        DailyCount(date(2026, 11, 25), 0, 0),
        DailyCount(date(2026, 11, 26), 1, 0),
        DailyCount(date(2026, 11, 27), 1, 0),
        DailyCount(date(2026, 11, 28), 1, 0),
    ]


async def test_stats_bots_excluded_by_default_and_included_on_request(store: ClickStore) -> None:
    await store.ingest(
        clicks(
            event("human", user_agent=IPHONE_UA, country="fr", referrer=None),
            event("flagged", is_bot=True),
            event("crawler", user_agent=BOT_UA, country=None),
        )
    )
    humans = await stats_of(store)
    everyone = await stats_of(store, include_bots=True)
    assert (humans.total_clicks, humans.bot_clicks) == (1, 2)
    assert humans.top == {
        "referrer": [Ranked("(direct)", 1)],
        "browser": [Ranked("Mobile Safari", 1)],
        "os": [Ranked("iOS", 1)],
        "device": [Ranked("mobile", 1)],
        "country": [Ranked("FR", 1)],
    }
    assert (everyone.total_clicks, everyone.bot_clicks) == (1, 2)
    assert everyone.top["device"] == [Ranked("bot", 2), Ranked("mobile", 1)]
    assert everyone.top["country"] == [Ranked("(unknown)", 1), Ranked("DE", 1), Ranked("FR", 1)]


async def test_stats_top_lists_are_cut_at_top_n_most_clicked_first(store: ClickStore) -> None:
    bodies = [
        event(f"e{i}", referrer=f"https://site{i % 4}.example/")
        for i in range(10)  # site0: 3, site1: 3, site2: 2, site3: 2
    ]
    await store.ingest(clicks(*bodies))
    stats = await stats_of(store, top_n=3)
    assert stats.top["referrer"] == [
        Ranked("site0.example", 3),
        Ranked("site1.example", 3),
        Ranked("site2.example", 2),
    ]


async def test_stats_other_links_and_days_outside_range_are_not_counted(store: ClickStore) -> None:
    await store.ingest(
        clicks(
            event("a"),
            event("b", code="other"),
            event("c", timestamp="2026-11-29T00:00:00Z"),
        )
    )
    stats = await stats_of(store)
    assert (stats.total_clicks, stats.daily) == (1, [DailyCount(DAY, 1, 0)])


async def test_prune_old_raw_events_removed_aggregates_kept(store: ClickStore) -> None:
    now = datetime(2026, 12, 10, tzinfo=UTC)
    await store.ingest(clicks(event("old")), now=now - timedelta(days=8))
    await store.ingest(clicks(event("new")), now=now - timedelta(days=6))
    pruned = await store.prune(timedelta(days=7), now=now)
    assert (pruned, await raw_count(store)) == (1, 1)
    stats = await stats_of(store)
    assert stats.total_clicks == 2


async def test_ping_database_answers_returns(store: ClickStore) -> None:
    await store.ping()


async def test_ingest_many_counts_an_id_new_only_in_its_first_batch(store: ClickStore) -> None:
    await store.ingest(clicks(event("a")))
    outcomes = await store.ingest_many(
        [clicks(event("a"), event("b")), clicks(event("b"), event("c"), event("c")), []]
    )
    assert [(o.accepted, o.duplicates) for o in outcomes] == [(1, 1), (1, 2), (0, 0)]
    assert await raw_count(store) == 3


def test_is_permanent_driver_errors_blame_the_data_by_their_sqlstate() -> None:
    # asyncpg's own COPY raises its exceptions unwrapped by SQLAlchemy.
    assert is_permanent(asyncpg.exceptions.StringDataRightTruncationError("value too long"))
    assert is_permanent(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not is_permanent(asyncpg.exceptions.ConnectionDoesNotExistError("connection lost"))
    assert not is_permanent(asyncpg.exceptions.AdminShutdownError("shutting down"))
