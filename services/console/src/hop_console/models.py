"""What links and analytics answer, read at the HTTP boundary (their public API bodies)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BREAKDOWNS",
    "DailyClicks",
    "Link",
    "LinkClicks",
    "LinkPage",
    "OwnerStats",
    "RankedValue",
    "Stats",
]

#: The stats' breakdowns: (field of ``top``, heading, column), in the order shown.
BREAKDOWNS: tuple[tuple[str, str, str], ...] = (
    ("referrers", "Referrers", "Referrer"),
    ("browsers", "Browsers", "Browser"),
    ("operating_systems", "Systems", "System"),
    ("devices", "Devices", "Device"),
    ("countries", "Countries", "Country"),
)


class Link(BaseModel):
    """One of the owner's links, as links' ``/api/v1/links`` answers it."""

    code: str
    short_url: str
    url: str
    redirect_status: int
    forward_query: bool
    expires_at: datetime | None
    disabled: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class LinkPage(BaseModel):
    """One page of links, newest first."""

    items: list[Link]
    next_cursor: str | None


class DailyClicks(BaseModel):
    """Clicks of one UTC day."""

    date: date
    clicks: int
    bot_clicks: int


class RankedValue(BaseModel):
    """One value of a breakdown and its clicks."""

    value: str
    clicks: int


class Stats(BaseModel):
    """A link's clicks over a range, as analytics' ``/api/v1/stats/{code}`` answers it."""

    model_config = ConfigDict(populate_by_name=True)

    code: str
    from_: date = Field(alias="from")
    to: date
    include_bots: bool
    total_clicks: int
    bot_clicks: int
    daily: list[DailyClicks]
    top: dict[str, list[RankedValue]]


class LinkClicks(BaseModel):
    """One of the owner's links and its clicks in the range."""

    code: str
    clicks: int
    bot_clicks: int


class OwnerStats(BaseModel):
    """Every link the owner has now, added up, as analytics' ``/api/v1/stats`` answers it."""

    model_config = ConfigDict(populate_by_name=True)

    links: int
    from_: date = Field(alias="from")
    to: date
    include_bots: bool
    total_clicks: int
    bot_clicks: int
    daily: list[DailyClicks]
    top: dict[str, list[RankedValue]]
    top_links: list[LinkClicks]
