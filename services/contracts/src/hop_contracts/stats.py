"""The stats bodies analytics' public API answers: a link's (``/api/v1/stats/{code}``) and
an owner's (``/api/v1/stats``, `hop_contracts.OWNER_STATS_PATH`).

Usage::

    stats = StatsResponse.model_validate_json(response.content)
    referrers = stats.top.referrers

analytics declares its routes with these models (``response_model``), and the console
parses its answers with them. ``top`` has one list per breakdown, in `BREAKDOWN_FIELDS`
order (analytics' dimensions name the same fields, which its tests check).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BREAKDOWN_FIELDS",
    "DailyClicks",
    "DomainClicksValue",
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


class TopValues(BaseModel):
    """The most frequent values per breakdown, most clicks first (at most ``HOP_TOP_N``)."""

    referrers: list[RankedValue]
    browsers: list[RankedValue]
    operating_systems: list[RankedValue]
    devices: list[RankedValue]
    countries: list[RankedValue]


#: The fields of ``top``, one per breakdown, in the order analytics reports them.
BREAKDOWN_FIELDS: Final = tuple(TopValues.model_fields)


class LinkClicksValue(BaseModel):
    """One of the owner's links and its clicks in the range."""

    code: str
    domain: str = Field(description="The canonical name of the domain the code lives on.")
    clicks: int
    bot_clicks: int


class DomainClicksValue(BaseModel):
    """One domain of the owner's links: how many links live on it and their clicks."""

    domain: str = Field(description="The canonical name (the platform's host included).")
    links: int = Field(description="How many of the owner's links live on it now.")
    clicks: int
    bot_clicks: int


# The two bodies list their fields apart: a shared base would put its fields first and
# so reorder the keys of every answer.
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


class OwnerStatsResponse(BaseModel):
    """Every link the key's owner has now (or on ``?domain=``), clicks over ``from``..``to``."""

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
    domains: list[DomainClicksValue] = Field(
        description="Every domain the counted links live on, most clicks first (bots too "
        "with include_bots), then by name."
    )
