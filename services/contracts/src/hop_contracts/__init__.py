"""hop_contracts: the facts hop's services agree on, stated once.

Usage::

    from hop_contracts import RESOLVE_PATH, ClickEvent, ResolvedLink, is_bot, is_code

Modules: `codes` (the code alphabet and reserved words), `routes` (paths one service calls
on another and the public prefixes), `resolve` (links' resolve body), `clicks` (click
events, batches, transports) and `bots` (the bot rule). The package depends on pydantic
and ua-parser only: no web framework, no database, no service.
"""

from hop_contracts.bots import is_bot, is_bot_device
from hop_contracts.clicks import (
    CONSUMER_GROUP,
    DEFAULT_CLICK_STREAM,
    LINK_ID_PATTERN,
    MAX_BATCH_EVENTS,
    MAX_EVENT_ID_LENGTH,
    MAX_HEADER_LENGTH,
    MAX_TIMESTAMP,
    MIN_TIMESTAMP,
    ClickBatch,
    ClickEvent,
    ClickIngestResult,
    ClickTransport,
    dead_letter_stream,
)
from hop_contracts.codes import (
    CODE_CHARACTERS,
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    RESERVED_CODES,
    is_code,
    is_reserved,
)
from hop_contracts.resolve import REDIRECT_STATUSES, RedirectStatus, ResolvedLink
from hop_contracts.routes import (
    CLICKS_PATH,
    INTERNAL_PREFIX,
    LINK_PATH,
    LINKS_PREFIX,
    RESOLVE_PATH,
    STATS_PREFIX,
)

__all__ = [
    "CLICKS_PATH",
    "CODE_CHARACTERS",
    "CODE_MAX_LENGTH",
    "CODE_PATTERN",
    "CONSUMER_GROUP",
    "DEFAULT_CLICK_STREAM",
    "INTERNAL_PREFIX",
    "LINKS_PREFIX",
    "LINK_ID_PATTERN",
    "LINK_PATH",
    "MAX_BATCH_EVENTS",
    "MAX_EVENT_ID_LENGTH",
    "MAX_HEADER_LENGTH",
    "MAX_TIMESTAMP",
    "MIN_TIMESTAMP",
    "REDIRECT_STATUSES",
    "RESERVED_CODES",
    "RESOLVE_PATH",
    "STATS_PREFIX",
    "ClickBatch",
    "ClickEvent",
    "ClickIngestResult",
    "ClickTransport",
    "RedirectStatus",
    "ResolvedLink",
    "dead_letter_stream",
    "is_bot",
    "is_bot_device",
    "is_code",
    "is_reserved",
]
