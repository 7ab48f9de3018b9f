"""Ask links whether the caller's API key owns a code and which link it is now.

Stats belong to the link's id, which links' 200 answer carries: a deleted and re-created
code is another id, so its stats start at zero. A code lives on a domain (``?domain=``,
left out: the platform's), so the same code on two domains is two links. For the
owner-wide stats, links lists every link the key's owner has now, with its domain
(``GET /api/v1/links:ids``): a deleted link is absent, and a re-created code appears
with its new id under its new owner only. Answers are
reused for at most ``ttl`` seconds (settings cap it at 1), so a revoked key or a deleted
link stops reading stats within that bound; the caches hold a digest of the key, never
the key. Each request to links carries the caller's address (``X-Forwarded-For``), so
links counts its per-address limits per client of analytics, not once for analytics.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Final
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from hop_analytics.errors import (
    LinkNotFoundError,
    LinksRateLimitedError,
    LinksUnavailableError,
    MissingApiKeyError,
    UnauthorizedError,
)
from hop_contracts import LINK_IDS_PATH, LINK_PATH, OwnedLink, OwnedLinks, is_code
from hop_instrumentation.cache import TtlCache

__all__ = ["OwnerChecker", "Ownership"]

logger = logging.getLogger("hop.analytics.owners")
_MAX_ENTRIES: Final = 10_000
#: Owners whose link lists are kept (each list may hold many links).
_MAX_OWNED_ENTRIES: Final = 1_000
#: What links' 429 says about when to retry, passed on to analytics' caller as it is.
_RATE_LIMIT_HEADERS: Final = ("retry-after", "ratelimit-policy", "ratelimit")


class Ownership(StrEnum):
    """What links said about (key, code)."""

    OWNER = "owner"
    NOT_OWNER = "not_owner"
    UNAUTHENTICATED = "unauthenticated"


_BY_STATUS: Final = {
    200: Ownership.OWNER,
    404: Ownership.NOT_OWNER,
    401: Ownership.UNAUTHENTICATED,
    403: Ownership.NOT_OWNER,
}


Answer = tuple[Ownership, str | None]
#: The links of an owner: id -> the link (its code and domain).
Owned = dict[str, OwnedLink]


class OwnerChecker:
    """Forward the caller's ``Authorization`` to links' ``GET /api/v1/links/{code}`` (LINK_PATH)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        ttl: float,
        max_entries: int = _MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._answers = TtlCache[tuple[str, str, str], Answer](
            ttl=ttl, max_entries=max_entries, clock=clock
        )
        # Lists can be long: fewer are kept, and expired ones go at once (`TtlCache.put`).
        self._owned = TtlCache[str, Owned](ttl=ttl, max_entries=_MAX_OWNED_ENTRIES, clock=clock)

    async def check(
        self, authorization: str, code: str, *, address: str = "", domain: str | None = None
    ) -> Ownership:
        """Return what links says about this key and code; cached for ``ttl`` seconds."""
        return (await self._answer(authorization, code, address, domain))[0]

    async def require_owner(
        self,
        authorization: str | None,
        code: str,
        *,
        address: str = "",
        domain: str | None = None,
    ) -> str:
        """Return the id of the key owner's link ``code`` (on ``domain``); else raise why not."""
        if authorization is None:
            raise MissingApiKeyError()
        ownership, link_id = await self._answer(authorization, code, address, domain)
        if ownership is Ownership.UNAUTHENTICATED:
            raise UnauthorizedError()
        if ownership is Ownership.NOT_OWNER:
            raise LinkNotFoundError(code, domain)
        if link_id is None:
            logger.warning("links answered without the link id")
            raise LinksUnavailableError("links did not say which link the code is.")
        return link_id

    async def owned_links(self, authorization: str | None, *, address: str = "") -> Owned:
        """Return the id -> link of every link the key's owner has now; else raise why not."""
        if authorization is None:
            raise MissingApiKeyError()
        digest = _digest(authorization)
        cached = self._owned.get(digest)
        if cached is not None:
            return cached
        owned = await self._ask_owned(authorization, address)
        self._owned.put(digest, owned)
        return owned

    async def _ask_owned(self, authorization: str, address: str) -> Owned:
        response = await self._get(LINK_IDS_PATH, authorization, address, "the owner's link list")
        if response.status_code == 401:
            raise UnauthorizedError()
        if response.status_code != 200:
            logger.warning("links answered unexpectedly", extra={"status": response.status_code})
            raise LinksUnavailableError(f"links answered {response.status_code}.")
        try:
            owned = OwnedLinks.model_validate_json(response.content)
        except ValidationError:
            logger.warning("links answered a malformed list of link ids")
            raise LinksUnavailableError("links did not say which links the owner has.") from None
        return {link.id: link for link in owned.items}

    async def _get(
        self, path: str, authorization: str, address: str, question: str
    ) -> httpx.Response:
        headers = {"Authorization": authorization}
        if address:
            headers["X-Forwarded-For"] = address
        try:
            response = await self._client.get(path, headers=headers)
        except httpx.HTTPError as err:
            logger.warning("links unreachable", extra={"error": type(err).__name__})
            raise LinksUnavailableError(f"links did not answer {question}.") from None
        if response.status_code == 429:
            # The caller's key (or address) is over links' limits: a retry will work, an
            # outage answer (503) would page someone for a client's burst.
            raise LinksRateLimitedError(_rate_limit_headers(response))
        return response

    async def _answer(
        self, authorization: str, code: str, address: str, domain: str | None
    ) -> Answer:
        # Only a digest of the key is kept in memory, never the key itself.
        key = (_digest(authorization), domain or "", code)
        cached = self._answers.get(key)
        if cached is not None:
            return cached
        answer = await self._ask(authorization, code, address, domain)
        self._answers.put(key, answer)
        return answer

    async def _ask(self, authorization: str, code: str, address: str, domain: str | None) -> Answer:
        path = LINK_PATH.format(code=quote(code, safe=""))
        if domain:
            path += f"?domain={quote(domain, safe='')}"
        response = await self._get(path, authorization, address, "the ownership check")
        answer = _BY_STATUS.get(response.status_code)
        if answer is None:
            logger.warning("links answered unexpectedly", extra={"status": response.status_code})
            raise LinksUnavailableError(f"links answered {response.status_code}.")
        return answer, _link_id(response) if answer is Ownership.OWNER else None


def _rate_limit_headers(response: httpx.Response) -> dict[str, str]:
    headers = {
        name: response.headers[name] for name in _RATE_LIMIT_HEADERS if name in response.headers
    }
    headers.setdefault("retry-after", "1")
    return headers


def _digest(authorization: str) -> str:
    return hashlib.sha256(authorization.encode()).hexdigest()


def _link_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    link_id = body.get("id") if isinstance(body, dict) else None
    return link_id if isinstance(link_id, str) and is_code(link_id) else None
