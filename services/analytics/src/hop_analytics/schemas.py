"""The stats API's response bodies (`hop_contracts.stats`), built from the store's records."""

from __future__ import annotations

from typing import Any

from hop_analytics.dimensions import DIMENSIONS
from hop_analytics.store import DailyCount, LinkStats, OwnerStats, RangeStats, Ranked
from hop_contracts import (
    DailyClicks,
    DomainClicksValue,
    LinkClicksValue,
    OwnerStatsResponse,
    RankedValue,
    StatsResponse,
    TopValues,
)

__all__ = ["owner_stats_response", "stats_response"]


def stats_response(stats: LinkStats) -> StatsResponse:
    """Return the body of a link's stats."""
    return StatsResponse(code=stats.code, **_range_fields(stats))


def owner_stats_response(stats: OwnerStats) -> OwnerStatsResponse:
    """Return the body of an owner's stats."""
    top_links = [
        LinkClicksValue(
            code=link.code, domain=link.domain, clicks=link.clicks, bot_clicks=link.bot_clicks
        )
        for link in stats.top_links
    ]
    domains = [
        DomainClicksValue(
            domain=each.domain, links=each.links, clicks=each.clicks, bot_clicks=each.bot_clicks
        )
        for each in stats.domains
    ]
    return OwnerStatsResponse(
        links=stats.links, **_range_fields(stats), top_links=top_links, domains=domains
    )


def _range_fields(stats: RangeStats) -> dict[str, Any]:
    return {
        "from_": stats.start,
        "to": stats.end,
        "include_bots": stats.include_bots,
        "total_clicks": stats.total_clicks,
        "bot_clicks": stats.bot_clicks,
        "daily": _daily(stats.daily),
        "top": _top(stats.top),
    }


def _daily(daily: list[DailyCount]) -> list[DailyClicks]:
    return [DailyClicks(date=d.day, clicks=d.clicks, bot_clicks=d.bot_clicks) for d in daily]


def _top(top: dict[str, list[Ranked]]) -> TopValues:
    def ranked(dimension: str) -> list[RankedValue]:
        return [RankedValue(value=r.value, clicks=r.clicks) for r in top[dimension]]

    return TopValues(**{d.field: ranked(d.name) for d in DIMENSIONS})
