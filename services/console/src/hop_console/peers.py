"""links' and analytics' public APIs, called with the signed-in owner's session as Bearer.

Each call is made for a `Caller`: the session token links minted at sign-in (or, to sign
in, the owner's API key), and the address of the browser the
console serves, sent as ``X-Forwarded-For`` so links counts its per-address rate limits
(and its failed-authentication budget) per browser, not once for the whole console.

Errors come back as the console's own: 401 is `NotSignedInError`, 404
`LinkNotFoundError` (`DomainNotFoundError` for a domain), 409/422 `RejectedError`, 429
`RateLimitedError` (with the peer's ``Retry-After``); anything else, a timeout, a refused
connection or a body that does not parse is `PeerUnavailableError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import quote

import httpx
from prometheus_client import Counter
from pydantic import ValidationError

from hop_console.errors import (
    DomainNotFoundError,
    LinkNotFoundError,
    NotSignedInError,
    PeerUnavailableError,
    RateLimitedError,
    RejectedError,
)
from hop_console.models import (
    Domain,
    DomainDeleted,
    DomainPage,
    Link,
    LinkPage,
    OwnerStats,
    Stats,
)
from hop_contracts import (
    DOMAIN_PATH,
    DOMAINS_PREFIX,
    LINK_PATH,
    LINKS_PREFIX,
    OWNER_STATS_PATH,
    STATS_PREFIX,
)

__all__ = ["AnalyticsApi", "Caller", "LinksApi"]

_KEY_REFUSED: Final = (
    "Your session has ended: you signed out, ended it from another browser, an operator "
    "ended it, or its API key was revoked. Sign in again to continue."
)
_REJECTED: Final = frozenset({400, 409, 422})


@dataclass(slots=True, frozen=True)
class Caller:
    """Whom a peer is called for: the owner's credential and the browser's address."""

    #: links' session token (``hops_...``), or the API key itself when signing in.
    key: str
    #: The client address the console's instrumentation resolved ("" when unknown).
    address: str

    def headers(self) -> dict[str, str]:
        """Return the headers that carry the key and, when known, the address."""
        headers = {"Authorization": f"Bearer {self.key}"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        return headers


class _Peer:
    probe_path = ""

    def __init__(self, name: str, client: httpx.AsyncClient, failures: Counter) -> None:
        self.name = name
        self._client = client
        self._failures = failures.labels(name)

    async def call(
        self,
        method: str,
        path: str,
        caller: Caller,
        *,
        code: str = "",
        domain: str = "",
        gone_ok: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        try:
            response = await self._client.request(method, path, headers=caller.headers(), **kwargs)
        except httpx.HTTPError:
            self._failures.inc()
            raise PeerUnavailableError(self.name) from None
        if response.is_success or (gone_ok and response.status_code == 404):
            return response
        if response.status_code == 401:
            raise NotSignedInError(_KEY_REFUSED)
        if response.status_code in (403, 404) and code:
            raise LinkNotFoundError(code)
        if response.status_code in (403, 404) and domain:
            raise DomainNotFoundError(domain)
        if response.status_code in _REJECTED:
            raise RejectedError(response.status_code, _detail(response))
        if response.status_code == 429:  # a burst of this browser's, not an outage
            raise RateLimitedError(self.name, _retry_after(response))
        self._failures.inc()
        raise PeerUnavailableError(self.name)

    async def ping(self) -> None:
        """Raise unless the peer answers its public API (a 401 without a key is healthy)."""
        try:
            response = await self._client.get(self.probe_path)
        except httpx.HTTPError:
            raise PeerUnavailableError(self.name) from None
        if response.status_code >= 500:
            raise PeerUnavailableError(self.name)

    def parse(self, response: httpx.Response, model: type[Any]) -> Any:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            self._failures.inc()
            raise PeerUnavailableError(self.name) from None

    async def aclose(self) -> None:
        await self._client.aclose()


class LinksApi(_Peer):
    """links' ``/api/v1/links`` for one owner's key at a time."""

    probe_path = LINKS_PREFIX

    def __init__(self, client: httpx.AsyncClient, failures: Counter) -> None:
        super().__init__("links", client, failures)

    async def page(
        self,
        caller: Caller,
        *,
        limit: int,
        cursor: str | None = None,
        tag: str | None = None,
        domain: str | None = None,
    ) -> LinkPage:
        """Return one page of the owner's links, newest first (``domain``: on it only)."""
        params = {"limit": limit, "cursor": cursor, "tag": tag, "domain": domain}
        query = {name: value for name, value in params.items() if value is not None}
        page: LinkPage = self.parse(
            await self.call("GET", LINKS_PREFIX, caller, params=query), LinkPage
        )
        return page

    async def get(self, caller: Caller, code: str, domain: str = "") -> Link:
        """Return one of the owner's links (``domain`` "": on the platform domain)."""
        response = await self.call("GET", _link_path(code), caller, code=code, params=_on(domain))
        link: Link = self.parse(response, Link)
        return link

    async def create(self, caller: Caller, body: dict[str, Any]) -> Link:
        """Create a link; ``body`` is links' `LinkCreate`."""
        link: Link = self.parse(await self.call("POST", LINKS_PREFIX, caller, json=body), Link)
        return link

    async def update(
        self, caller: Caller, code: str, changes: dict[str, Any], domain: str = ""
    ) -> Link:
        """Change a link; ``changes`` is links' `LinkUpdate`."""
        response = await self.call(
            "PATCH", _link_path(code), caller, code=code, json=changes, params=_on(domain)
        )
        link: Link = self.parse(response, Link)
        return link

    async def delete(self, caller: Caller, code: str, domain: str = "") -> None:
        """Delete a link."""
        await self.call("DELETE", _link_path(code), caller, code=code, params=_on(domain))

    async def domains(self, caller: Caller) -> DomainPage:
        """Return the owner's branded domains, oldest first."""
        page: DomainPage = self.parse(await self.call("GET", DOMAINS_PREFIX, caller), DomainPage)
        return page

    async def domain(self, caller: Caller, name: str) -> Domain:
        """Return one of the owner's domains, its state and the records that prove it."""
        response = await self.call("GET", _domain_path(name), caller, domain=name)
        domain: Domain = self.parse(response, Domain)
        return domain

    async def add_domain(self, caller: Caller, name: str) -> Domain:
        """Add a domain (pending until proved); 409 if another owner has it."""
        response = await self.call("POST", DOMAINS_PREFIX, caller, json={"name": name})
        domain: Domain = self.parse(response, Domain)
        return domain

    async def verify_domain(self, caller: Caller, name: str) -> Domain:
        """Check a domain's proof now and return its new state."""
        response = await self.call("POST", _domain_path(name) + ":verify", caller, domain=name)
        domain: Domain = self.parse(response, Domain)
        return domain

    async def delete_domain(self, caller: Caller, name: str) -> DomainDeleted:
        """Delete a domain with every link on it; the answer says how many."""
        response = await self.call("DELETE", _domain_path(name), caller, domain=name)
        deleted: DomainDeleted = self.parse(response, DomainDeleted)
        return deleted


class AnalyticsApi(_Peer):
    """analytics' ``/api/v1/stats/{code}`` and ``/api/v1/stats``, one owner's key at a time."""

    probe_path = STATS_PREFIX + "/readiness-probe"

    def __init__(self, client: httpx.AsyncClient, failures: Counter) -> None:
        super().__init__("analytics", client, failures)

    async def stats(
        self, caller: Caller, code: str, *, start: date, end: date, domain: str = ""
    ) -> Stats:
        """Return a link's stats over ``start``..``end``, bots counted apart."""
        params = {"from": start.isoformat(), "to": end.isoformat(), **_on(domain)}
        response = await self.call(
            "GET", f"{STATS_PREFIX}/{_quoted(code)}", caller, code=code, params=params
        )
        stats: Stats = self.parse(response, Stats)
        return stats

    async def owner_stats(self, caller: Caller, *, start: date, end: date) -> OwnerStats:
        """Return the stats of every link the owner has now, added up, over the range."""
        params = {"from": start.isoformat(), "to": end.isoformat()}
        response = await self.call("GET", OWNER_STATS_PATH, caller, params=params)
        stats: OwnerStats = self.parse(response, OwnerStats)
        return stats


def _link_path(code: str) -> str:
    return LINK_PATH.format(code=_quoted(code))


def _domain_path(name: str) -> str:
    return DOMAIN_PATH.format(name=_quoted(name))


def _on(domain: str) -> dict[str, str]:
    return {"domain": domain} if domain else {}


def _quoted(code: str) -> str:
    return quote(code, safe="")


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list) and detail:
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc", [])[1:])
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(detail) if detail else f"The request was refused ({response.status_code})."


def _retry_after(response: httpx.Response) -> str:
    value = response.headers.get("Retry-After", "")
    return value if value.isdigit() else "60"
