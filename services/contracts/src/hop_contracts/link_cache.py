"""The shared link cache in Redis: one key and one entry format for every writer and reader.

Usage::

    body = encode_cached_link(cached_link(link), stored_at=time.time())
    redis.set(link_cache_key(code), body, px=...)
    link, stored_at = decode_cached_link(await redis.get(link_cache_key(code)))

redirect reads an entry on a miss of its in-process cache and writes what it resolved;
links writes each link it creates or changes and deletes the key of a link it deletes, so
a miss rarely reaches links. An entry is ``{"link": {...} | null, "stored_at": <epoch>}``;
``null`` remembers that the code is unknown. An entry without the link's ``id`` (written
before links had stable ids) does not decode: readers treat it as a miss.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final, TypedDict

from hop_contracts.resolve import LINK_ID_MAX_LENGTH, REDIRECT_STATUSES, ResolvedRecord

__all__ = [
    "DEFAULT_LINK_CACHE_PREFIX",
    "CacheableLink",
    "CachedLink",
    "cached_link",
    "decode_cached_link",
    "encode_cached_link",
    "link_cache_key",
]

#: The key prefix both sides use unless configured otherwise (``HOP_REDIS_CACHE_PREFIX``).
DEFAULT_LINK_CACHE_PREFIX: Final = "hop:redirect:link:"


class CachedLink(TypedDict):
    """A resolved link as the shared cache stores it (expiry in seconds since the epoch)."""

    id: str
    code: str
    url: str
    redirect_status: int
    forward_query: bool
    expires_at: float | None
    disabled: bool


#: A resolved link as a writer holds it (`hop_contracts.resolve.ResolvedRecord`).
CacheableLink = ResolvedRecord


def cached_link(link: CacheableLink) -> CachedLink:
    """Return the cache's fields of ``link``; a datetime expiry becomes seconds since the epoch."""
    expires_at = link.expires_at
    return CachedLink(
        id=link.id,
        code=link.code,
        url=link.url,
        redirect_status=link.redirect_status,
        forward_query=link.forward_query,
        expires_at=expires_at.timestamp() if isinstance(expires_at, datetime) else expires_at,
        disabled=link.disabled,
    )


def link_cache_key(
    code: str, prefix: str = DEFAULT_LINK_CACHE_PREFIX, domain: str | None = None
) -> str:
    """Return the Redis key of ``code``'s entry on ``domain`` (None: the platform domain).

    A platform code's key is the prefix and the code, as before domains existed; a branded
    domain's code is ``<prefix><domain>/<code>`` (no code holds a ``/``, so no two collide).
    """
    return prefix + code if domain is None else f"{prefix}{domain}/{code}"


def encode_cached_link(link: CachedLink | None, *, stored_at: float) -> bytes:
    """Return the entry for ``link`` (None: the code is unknown) stored at ``stored_at``."""
    return json.dumps({"link": link, "stored_at": stored_at}, separators=(",", ":")).encode()


def decode_cached_link(raw: bytes | str) -> tuple[CachedLink | None, float]:
    """Return an entry's link (None: unknown code) and when it was stored.

    Raise `ValueError` for an entry that does not follow this format, including one
    written before links had stable ids.
    """
    try:
        data = json.loads(raw)
        stored_at = float(data["stored_at"])
        fields = data["link"]
        if fields is None:
            return None, stored_at
        link = CachedLink(
            id=str(fields["id"]),
            code=str(fields["code"]),
            url=str(fields["url"]),
            redirect_status=int(fields["redirect_status"]),
            forward_query=bool(fields["forward_query"]),
            expires_at=None if fields["expires_at"] is None else float(fields["expires_at"]),
            disabled=bool(fields["disabled"]),
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"The shared cache entry is malformed: {err!r}.") from None
    if not 0 < len(link["id"]) <= LINK_ID_MAX_LENGTH:
        raise ValueError("The shared cache entry's link id is empty or too long.")
    if link["redirect_status"] not in REDIRECT_STATUSES:
        raise ValueError(f"The shared cache entry's status {link['redirect_status']} is invalid.")
    return link, stored_at
