"""Parse a user agent into the browser, OS and device type stats break down by."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import ua_parser

from hop_contracts.bots import USER_AGENT_MAX_PARSED, is_bot_device

__all__ = ["UNKNOWN", "VALUE_LIMIT", "Agent", "classify_agent", "load_parser"]

UNKNOWN: Final = "Other"
#: The longest family name kept (the columns' length).
VALUE_LIMIT: Final = 255
_MOBILE_OS: Final = frozenset(
    {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Symbian OS", "Tizen"}
)
_DESKTOP_OS: Final = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD", "Debian"}
)
_TABLET_MARKERS: Final = ("ipad", "tablet", "kindle", "nexus 7", "nexus 9", "nexus 10")


@dataclass(slots=True, frozen=True)
class Agent:
    """What a user agent string says about the client."""

    browser: str
    os: str
    device: str
    is_bot: bool


def load_parser() -> None:
    """Build the parser's rules now (the first parse builds them otherwise)."""
    ua_parser.parse("hop")


@lru_cache(maxsize=16_384)
def classify_agent(user_agent: str | None) -> Agent:
    """Return the browser, OS and device type of a user agent (cached: UA strings repeat)."""
    if not user_agent:
        return Agent(UNKNOWN, UNKNOWN, "other", False)
    result = ua_parser.parse(user_agent[:USER_AGENT_MAX_PARSED])
    browser = _family(result.user_agent.family if result.user_agent else None)
    os_family = _family(result.os.family if result.os else None)
    device_family = result.device.family if result.device else ""
    brand = (result.device.brand or "") if result.device else ""
    is_bot = is_bot_device(device_family)
    device = "bot" if is_bot else _device_type(user_agent, os_family, f"{device_family} {brand}")
    return Agent(browser, os_family, device, is_bot)


def _family(value: str | None) -> str:
    return value[:VALUE_LIMIT] if value else UNKNOWN


def _device_type(user_agent: str, os_family: str, device: str) -> str:
    lowered = device.lower()
    if any(marker in lowered for marker in _TABLET_MARKERS):
        return "tablet"
    if os_family in _MOBILE_OS or "Mobile" in user_agent:
        return "mobile"
    if os_family in _DESKTOP_OS:
        return "desktop"
    return "other"
