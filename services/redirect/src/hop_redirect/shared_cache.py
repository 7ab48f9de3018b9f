"""The optional shared cache (L2) in Redis: one resolve per code across every replica.

A code on a branded domain has its own key (``<prefix><domain>/<code>``); a platform
code's key is ``<prefix><code>``, as before domains existed. The key and the entry format
are `hop_contracts.link_cache`'s, which links writes too
(on create, change and delete). An entry that does not decode (such as one written
before links had stable ids) is a miss, and the next resolve overwrites it.
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hop_contracts import cached_link, decode_cached_link, encode_cached_link, link_cache_key
from hop_redirect._rate_limited_log import RateLimitedLog
from hop_redirect.records import Link

__all__ = ["RedisSharedCache"]

logger = logging.getLogger("hop.redirect.cache")


class RedisSharedCache:
    """Store resolved links under `hop_contracts.link_cache_key` with a TTL; errors are misses."""

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._errors = RateLimitedLog(logger, "shared cache unavailable; resolving from links")

    async def get(self, code: str, domain: str = "") -> tuple[Link | None, float] | None:
        """Return the cached link (None: known unknown) and its age, or None on miss or error."""
        try:
            raw = await self._client.get(link_cache_key(code, self._prefix, domain or None))
        except RedisError as err:
            self._errors.record(error=type(err).__name__)
            return None
        if raw is None:
            return None
        try:
            fields, stored_at = decode_cached_link(raw)
        except ValueError:
            return None
        link = None if fields is None else Link(**fields)
        return link, max(0.0, time.time() - stored_at)

    async def put(self, code: str, domain: str, link: Link | None, ttl: float) -> None:
        """Store ``link`` of ``code`` on ``domain`` for ``ttl`` seconds; failures are logged."""
        fields = None if link is None else cached_link(link)
        body = encode_cached_link(fields, stored_at=time.time())
        key = link_cache_key(code, self._prefix, domain or None)
        try:
            await self._client.set(key, body, px=max(1, int(ttl * 1000)))
        except RedisError as err:
            self._errors.record(error=type(err).__name__)

    async def ping(self) -> None:
        """Raise unless Redis answers."""
        await self._client.ping()
