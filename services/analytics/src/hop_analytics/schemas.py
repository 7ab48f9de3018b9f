"""The stats API's response shapes (the HTTP boundary)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from hop_analytics.dimensions import DIMENSIONS
from hop_analytics.store import DailyCount, LinkStats, OwnerStats, Ranked

__all__ = [
    "DailyClicks",
    "LinkClicksValue",
    "OwnerStatsResponse",
    "RankedValue",
    "StatsResponse",
    "TopValues",
]


class DailyClicks(BaseModel):
    """Clicks of one UTC day; days without clicks are present with zeros."""

    date: date
    clicks: int
    bot_clicks: int


class RankedValue(BaseModel):
    """One value of a breakdown with its clicks."""

    value: str
    clicks: int


_TOP_FIELDS: dict[str, Any] = {d.field: (list[RankedValue], ...) for d in DIMENSIONS}
#: One field per breakdown (`Dimension.field`), in `DIMENSIONS` order.
TopValues = create_model(
    "TopValues",
    __doc__="The most frequent values per breakdown, most clicks first (at most ``HOP_TOP_N``).",
    __module__=__name__,
    **_TOP_FIELDS,
)


class LinkClicksValue(BaseModel):
    """One of the owner's links and its clicks in the range."""

    code: str
    clicks: int
    bot_clicks: int


class StatsResponse(BaseModel):
    """A link's clicks over ``from``..``to`` (inclusive, UTC days)."""

    model_config = ConfigDict(populate_by_name=True)

    code: str
    from_: date = Field(alias="from")
    to: date
    include_bots: bool = Field(description="Whether the top lists count bot clicks too.")
    total_clicks: int = Field(description="Human clicks in the range (bots never included).")
    bot_clicks: int = Field(description="Clicks by bots in the range.")
    daily: list[DailyClicks]
    top: TopValues

    @classmethod
    def of(cls, stats: LinkStats) -> StatsResponse:
        """Build the response from the store's stats."""
        return cls(
            code=stats.code,
            from_=stats.start,
            to=stats.end,
            include_bots=stats.include_bots,
            total_clicks=stats.total_clicks,
            bot_clicks=stats.bot_clicks,
            daily=_daily(stats.daily),
            top=_top(stats.top),
        )


class OwnerStatsResponse(BaseModel):
    """Every link the key's owner has now, its clicks over ``from``..``to`` added up."""

    model_config = ConfigDict(populate_by_name=True)

    links: int = Field(description="How many links the owner has now (all are counted).")
    from_: date = Field(alias="from")
    to: date
    include_bots: bool = Field(description="Whether the top lists count bot clicks too.")
    total_clicks: int = Field(description="Human clicks in the range (bots never included).")
    bot_clicks: int = Field(description="Clicks by bots in the range.")
    daily: list[DailyClicks]
    top: TopValues
    top_links: list[LinkClicksValue] = Field(
        description="The links with the most clicks, most first (at most ``HOP_TOP_N``)."
    )

    @classmethod
    def of(cls, stats: OwnerStats) -> OwnerStatsResponse:
        """Build the response from the store's owner-wide stats."""
        return cls(
            links=stats.links,
            from_=stats.start,
            to=stats.end,
            include_bots=stats.include_bots,
            total_clicks=stats.total_clicks,
            bot_clicks=stats.bot_clicks,
            daily=_daily(stats.daily),
            top=_top(stats.top),
            top_links=[
                LinkClicksValue(code=link.code, clicks=link.clicks, bot_clicks=link.bot_clicks)
                for link in stats.top_links
            ],
        )


def _daily(daily: list[DailyCount]) -> list[DailyClicks]:
    return [DailyClicks(date=d.day, clicks=d.clicks, bot_clicks=d.bot_clicks) for d in daily]


def _top(top: dict[str, list[Ranked]]) -> Any:
    def ranked(dimension: str) -> list[RankedValue]:
        return [RankedValue(value=r.value, clicks=r.clicks) for r in top[dimension]]

    return TopValues(**{d.field: ranked(d.name) for d in DIMENSIONS})
