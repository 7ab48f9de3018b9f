"""The bot rule: which user agents are crawlers rather than people.

Usage::

    from hop_contracts import is_bot

    is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")  # True

redirect flags each click with it and analytics shows bots apart; both apply this one
rule, the maintained uap-core patterns (the ``ua-parser`` package): a device family of
``Spider`` is a bot.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from ua_parser import parse_device

__all__ = ["BOT_DEVICE_FAMILY", "USER_AGENT_MAX_PARSED", "is_bot", "is_bot_device"]

#: The uap-core device family of crawlers.
BOT_DEVICE_FAMILY: Final = "Spider"
#: Only this many leading characters of a user agent are parsed (longer ones are junk).
USER_AGENT_MAX_PARSED: Final = 2048


def is_bot_device(device_family: str | None) -> bool:
    """Tell whether a uap-core device family is the crawlers' one."""
    return device_family == BOT_DEVICE_FAMILY


@lru_cache(maxsize=8192)
def is_bot(user_agent: str) -> bool:
    """Tell whether a user agent is a crawler (cached: user agents repeat)."""
    device = parse_device(user_agent[:USER_AGENT_MAX_PARSED])
    return device is not None and is_bot_device(device.family)
