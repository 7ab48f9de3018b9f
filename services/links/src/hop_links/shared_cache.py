"""Writes to redirect's shared Redis cache: links publishes each link it creates or changes.

With ``HOP_REDIS_CACHE=true`` a created or changed link is written under its key (its code,
and its domain for a branded domain's link) in the format of `hop_contracts.link_cache`
(the one redirect reads), and a deleted link's key is removed (every link's of a deleted
domain), so redirect's cache misses rarely reach links and a delete or disable is
seen by every redirect replica's next miss. Redis failures are logged and ignored: the
database stays the source of truth, and an entry that could not be replaced expires
after ``HOP_REDIS_CACHE_TTL`` seconds, the bound redirect already allows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hop_contracts import cached_link, encode_cached_link, link_cache_key
from hop_links.records import LinkRecord

__all__ = ["SharedLinkCache"]

logger = logging.getLogger("hop.links.shared_cache")


class SharedLinkCache:
    """Write links into the shared cache under ``prefix``, each for ``ttl`` seconds."""

    def __init__(self, client: Redis, *, prefix: str, ttl: float) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl * 1000))

    async def put(self, links: Sequence[LinkRecord]) -> None:
        """Store ``links`` (created or changed just now)."""
        if not links:
            return
        stored_at = time.time()
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for link in links:
                    body = encode_cached_link(cached_link(link), stored_at=stored_at)
                    key = link_cache_key(link.code, self._prefix, link.domain or None)
                    pipe.set(key, body, px=self._ttl_ms)
                await pipe.execute()
        except RedisError as err:
            logger.warning("shared cache write failed", extra={"error": type(err).__name__})

    async def forget(self, codes: Sequence[str], domain: str = "") -> None:
        """Remove the entries of ``codes`` on ``domain`` ("": the platform's), just deleted."""
        if not codes:
            return
        keys = [link_cache_key(code, self._prefix, domain or None) for code in codes]
        try:
            await self._client.delete(*keys)
        except RedisError as err:
            logger.warning("shared cache delete failed", extra={"error": type(err).__name__})

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
