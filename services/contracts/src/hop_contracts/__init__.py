"""hop_contracts: the facts hop's services agree on, stated once.

Usage::

    from hop_contracts import RESOLVE_PATH, ClickEvent, ResolvedLink, is_bot, is_code

Modules: `codes` (the code alphabet and reserved words), `routes` (paths one service calls
on another and the public prefixes), `resolve` (links' resolve bodies, one code or a
batch, and the link id), `sessions` (console sessions links mints), `owned` (an owner's
link ids and codes), `link_changes` (links' feed of disables and enables), `links` (the
link body of links' public API), `stats` (analytics' stats bodies), `link_cache` (the
shared Redis cache's key and entry), `clicks` (click events, batches, transports) and
`bots` (the bot rule). The package depends on
pydantic and ua-parser only: no web framework, no database, no service.
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
from hop_contracts.link_cache import (
    DEFAULT_LINK_CACHE_PREFIX,
    CacheableLink,
    CachedLink,
    cached_link,
    decode_cached_link,
    encode_cached_link,
    link_cache_key,
)
from hop_contracts.link_changes import MAX_LINK_CHANGES, LinkChange, LinkChangePage
from hop_contracts.links import Link, LinkPage
from hop_contracts.owned import OwnedLink, OwnedLinks
from hop_contracts.resolve import (
    LINK_ID_MAX_LENGTH,
    MAX_RESOLVE_CODES,
    REDIRECT_STATUSES,
    Code,
    LinkId,
    RedirectStatus,
    ResolvedLink,
    ResolvedLinks,
    ResolvedRecord,
    ResolveRequest,
    resolved_fields,
)
from hop_contracts.routes import (
    CLICKS_PATH,
    INTERNAL_PREFIX,
    LINK_CHANGES_PATH,
    LINK_IDS_PATH,
    LINK_PATH,
    LINKS_PREFIX,
    OWNER_STATS_PATH,
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    SESSION_PATH,
    SESSIONS_PATH,
    STATS_PREFIX,
)
from hop_contracts.sessions import (
    MAX_SESSION_AGE,
    MAX_SESSION_LABEL,
    SESSION_TOKEN_PREFIX,
    NewSession,
    SessionInfo,
    SessionList,
    SessionRequest,
)
from hop_contracts.stats import (
    BREAKDOWN_FIELDS,
    DailyClicks,
    LinkClicksValue,
    OwnerStatsResponse,
    RankedValue,
    StatsResponse,
    TopValues,
)

__all__ = [
    "BREAKDOWN_FIELDS",
    "CLICKS_PATH",
    "CODE_CHARACTERS",
    "CODE_MAX_LENGTH",
    "CODE_PATTERN",
    "CONSUMER_GROUP",
    "DEFAULT_CLICK_STREAM",
    "DEFAULT_LINK_CACHE_PREFIX",
    "INTERNAL_PREFIX",
    "LINKS_PREFIX",
    "LINK_CHANGES_PATH",
    "LINK_IDS_PATH",
    "LINK_ID_MAX_LENGTH",
    "LINK_ID_PATTERN",
    "LINK_PATH",
    "MAX_BATCH_EVENTS",
    "MAX_EVENT_ID_LENGTH",
    "MAX_HEADER_LENGTH",
    "MAX_LINK_CHANGES",
    "MAX_RESOLVE_CODES",
    "MAX_SESSION_AGE",
    "MAX_SESSION_LABEL",
    "MAX_TIMESTAMP",
    "MIN_TIMESTAMP",
    "OWNER_STATS_PATH",
    "REDIRECT_STATUSES",
    "RESERVED_CODES",
    "RESOLVE_BATCH_PATH",
    "RESOLVE_PATH",
    "SESSIONS_PATH",
    "SESSION_PATH",
    "SESSION_TOKEN_PREFIX",
    "STATS_PREFIX",
    "CacheableLink",
    "CachedLink",
    "ClickBatch",
    "ClickEvent",
    "ClickIngestResult",
    "ClickTransport",
    "Code",
    "DailyClicks",
    "Link",
    "LinkChange",
    "LinkChangePage",
    "LinkClicksValue",
    "LinkId",
    "LinkPage",
    "NewSession",
    "OwnedLink",
    "OwnedLinks",
    "OwnerStatsResponse",
    "RankedValue",
    "RedirectStatus",
    "ResolveRequest",
    "ResolvedLink",
    "ResolvedLinks",
    "ResolvedRecord",
    "SessionInfo",
    "SessionList",
    "SessionRequest",
    "StatsResponse",
    "TopValues",
    "cached_link",
    "dead_letter_stream",
    "decode_cached_link",
    "encode_cached_link",
    "is_bot",
    "is_bot_device",
    "is_code",
    "is_reserved",
    "link_cache_key",
    "resolved_fields",
]
