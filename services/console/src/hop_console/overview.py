"""Owner-wide stats, added up in the console from per-link stats (the owner's newest links).

analytics has no owner-wide route yet, so the console asks for each of the owner's
newest ``overview_max_links`` links, at most `CONCURRENCY` calls at a time. The top lists
are sums of each link's top lists, so a value below every link's top N is missing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Final

from hop_console.forms import DateRange
from hop_console.models import BREAKDOWNS, DailyClicks, Link, RankedValue, Stats
from hop_console.peers import AnalyticsApi, LinksApi

__all__ = ["CONCURRENCY", "Overview", "owner_overview"]

CONCURRENCY: Final = 4
_LINKS_PER_CALL: Final = 100


@dataclass(slots=True, frozen=True)
class Overview:
    """Stats added up over ``links``; ``truncated`` when the owner has more links than that."""

    links: list[tuple[Link, Stats]]
    truncated: bool
    total_clicks: int
    bot_clicks: int
    daily: list[DailyClicks]
    top: dict[str, list[RankedValue]]


async def owner_overview(
    links: LinksApi, analytics: AnalyticsApi, key: str, days: DateRange, *, max_links: int
) -> Overview:
    """Return the owner-wide stats of the owner's newest ``max_links`` links over ``days``."""
    owned, truncated = await _newest(links, key, max_links)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def stats_of(link: Link) -> Stats:
        async with gate:
            return await analytics.stats(key, link.code, start=days.start, end=days.end)

    every = await asyncio.gather(*(stats_of(link) for link in owned))
    pairs = sorted(zip(owned, every, strict=True), key=lambda pair: -pair[1].total_clicks)
    return Overview(
        links=pairs,
        truncated=truncated,
        total_clicks=sum(stats.total_clicks for stats in every),
        bot_clicks=sum(stats.bot_clicks for stats in every),
        daily=_daily(every, days),
        top={field: _top(every, field) for field, _, _ in BREAKDOWNS},
    )


async def _newest(links: LinksApi, key: str, max_links: int) -> tuple[list[Link], bool]:
    owned: list[Link] = []
    cursor = None
    while len(owned) < max_links:
        page = await links.page(key, limit=min(_LINKS_PER_CALL, max_links), cursor=cursor)
        owned.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return owned[:max_links], len(owned) > max_links
    return owned[:max_links], True


def _daily(every: list[Stats], days: DateRange) -> list[DailyClicks]:
    human: Counter[object] = Counter()
    bots: Counter[object] = Counter()
    for stats in every:
        for day in stats.daily:
            human[day.date] += day.clicks
            bots[day.date] += day.bot_clicks
    dates = [days.start.fromordinal(days.start.toordinal() + i) for i in range(days.days)]
    return [DailyClicks(date=d, clicks=human[d], bot_clicks=bots[d]) for d in dates]


def _top(every: list[Stats], field: str) -> list[RankedValue]:
    counts: Counter[str] = Counter()
    for stats in every:
        for ranked in stats.top.get(field, []):
            counts[ranked.value] += ranked.clicks
    return [RankedValue(value=value, clicks=clicks) for value, clicks in counts.most_common(10)]
