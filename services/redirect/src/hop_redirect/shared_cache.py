"""The optional shared cache (L2) in Redis: one resolve per code across every replica."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hop_redirect._rate_limited_log import RateLimitedLog
from hop_redirect.records import Link

__all__ = ["RedisSharedCache"]

logger = logging.getLogger("hop.redirect.cache")


class RedisSharedCache:
    """Store resolved links as JSON under ``<prefix><code>`` with a TTL; errors are misses."""

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._errors = RateLimitedLog(logger, "shared cache unavailable; resolving from links")

    async def get(self, code: str) -> tuple[Link | None, float] | None:
        """Return the cached link (None: known unknown) and its age, or None on miss or error."""
        try:
            raw = await self._client.get(self._prefix + code)
        except RedisError as err:
            self._errors.record(error=type(err).__name__)
            return None
        if raw is None:
            return None
        try:
            return _decode(raw)
        except (ValueError, KeyError, TypeError):
            return None

    async def put(self, code: str, link: Link | None, ttl: float) -> None:
        """Store ``link`` for ``ttl`` seconds; a failure is logged and ignored."""
        body = orjson.dumps({"link": _encode(link), "stored_at": time.time()})
        try:
            await self._client.set(self._prefix + code, body, px=max(1, int(ttl * 1000)))
        except RedisError as err:
            self._errors.record(error=type(err).__name__)

    async def ping(self) -> None:
        """Raise unless Redis answers."""
        await self._client.ping()


def _encode(link: Link | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "code": link.code,
        "url": link.url,
        "redirect_status": link.redirect_status,
        "forward_query": link.forward_query,
        "expires_at": link.expires_at,
        "disabled": link.disabled,
    }


def _decode(raw: bytes | str) -> tuple[Link | None, float]:
    data = orjson.loads(raw)
    age = max(0.0, time.time() - float(data["stored_at"]))
    fields = data["link"]
    if fields is None:
        return None, age
    return Link(**fields), age
