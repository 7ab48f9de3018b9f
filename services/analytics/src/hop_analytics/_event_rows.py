"""Turn a click into the row ``click_events`` stores: user agent parsed, referrer reduced."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

import msgspec

from hop_analytics._user_agents import VALUE_LIMIT, classify_agent
from hop_analytics.events import Click

__all__ = ["DIRECT", "EventRow", "enrich", "referrer_host"]

DIRECT: Final = "(direct)"


class EventRow(msgspec.Struct, gc=False):
    """A click as stored in ``click_events``; one attribute per `Dimension.column`.

    Like `Click`, a struct the garbage collector never tracks: one is built per event.
    """

    id: str
    link_id: str
    code: str
    occurred_at: datetime
    is_bot: bool
    referrer_host: str
    browser: str
    os: str
    device: str
    country: str | None


def enrich(click: Click) -> EventRow:
    """Return the stored row of a click: user agent parsed, referrer reduced to its host."""
    agent = classify_agent(click.user_agent)
    is_bot = click.is_bot or agent.is_bot
    return EventRow(  # positional, in field order: keywords cost a third more per event
        click.id,
        click.link_id,
        click.code,
        click.timestamp,
        is_bot,
        referrer_host(click.referrer),
        agent.browser,
        agent.os,
        "bot" if is_bot else agent.device,
        click.country,
    )


@lru_cache(maxsize=16_384)
def referrer_host(referrer: str | None) -> str:
    """Return the referrer's lower-case host, or ``(direct)`` when there is none."""
    if not referrer:
        return DIRECT
    try:
        host = urlsplit(referrer.strip()).hostname
    except ValueError:
        return DIRECT
    return host[:VALUE_LIMIT] if host else DIRECT
