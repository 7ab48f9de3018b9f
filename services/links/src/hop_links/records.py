"""The records the store hands out and takes in (no HTTP, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hop_links.errors import LinksError

__all__ = [
    "ApiKey",
    "BatchOutcome",
    "Caller",
    "DomainCheck",
    "DomainRecord",
    "LinkChanges",
    "LinkDraft",
    "LinkPage",
    "LinkRecord",
    "LinkStateChange",
    "NewApiKey",
    "Owner",
    "ResolvedLink",
    "SessionRecord",
]


@dataclass(slots=True, frozen=True)
class Owner:
    """Someone who owns links and API keys."""

    id: int
    name: str
    created_at: datetime


@dataclass(slots=True, frozen=True)
class ApiKey:
    """An API key as stored: its id, owner and non-secret prefix, never the secret."""

    id: int
    owner_id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(slots=True, frozen=True)
class NewApiKey:
    """A freshly created key and its secret, shown once."""

    key: ApiKey
    secret: str


@dataclass(slots=True, frozen=True)
class Caller:
    """The owner an authenticated request acts for (through a session, if ``session_id``)."""

    owner_id: int
    key_id: int
    session_id: int | None = None


@dataclass(slots=True, frozen=True)
class LinkDraft:
    """What a caller asks for when creating a link (validated by the store)."""

    url: str
    code: str | None = None
    #: A branded domain's canonical name; "" (the default) is the platform domain.
    domain: str = ""
    redirect_status: int = 302
    forward_query: bool = False
    expires_at: datetime | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class LinkChanges:
    """A partial update; only the fields named in ``fields`` change."""

    fields: frozenset[str]
    url: str | None = None
    #: Move the link to this domain (canonical name; "" for the platform domain).
    domain: str | None = None
    redirect_status: int | None = None
    forward_query: bool | None = None
    expires_at: datetime | None = None
    tags: list[str] | None = None
    disabled: bool | None = None


@dataclass(slots=True, frozen=True)
class ResolvedLink:
    """What the redirect service needs to answer a code (and count its clicks by ``id``)."""

    id: str
    code: str
    url: str
    redirect_status: int
    forward_query: bool
    expires_at: datetime | None
    disabled: bool


@dataclass(slots=True, frozen=True)
class LinkRecord(ResolvedLink):
    """A stored link: what a resolve answers, its domain, tags and times; ``id`` is never reused.

    ``domain`` is the canonical name of a branded domain, or "" for the platform domain.
    """

    domain: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, frozen=True)
class LinkPage:
    """One page of a listing, newest first, and the cursor of the next one."""

    items: list[LinkRecord]
    next_cursor: str | None


@dataclass(slots=True, frozen=True)
class BatchOutcome:
    """One item of a batch: the link created, or the error that refused it."""

    index: int
    link: LinkRecord | None = None
    error: LinksError | None = None


@dataclass(slots=True, frozen=True)
class LinkStateChange:
    """A transition of a link's ``disabled`` flag, at ``seq`` of the feed."""

    seq: int
    link_id: str
    disabled: bool
    at: datetime


@dataclass(slots=True, frozen=True)
class SessionRecord:
    """A live console session as stored: never its token, only the token's hash."""

    id: int
    owner_id: int
    key_id: int
    label: str
    created_at: datetime
    expires_at: datetime


@dataclass(slots=True, frozen=True)
class DomainRecord:
    """A branded domain as stored, with how many links live on it now."""

    id: int
    owner_id: int
    name: str
    token: str
    status: str
    reason: str | None
    created_at: datetime
    verified_at: datetime | None
    last_checked_at: datetime | None
    links: int = 0


@dataclass(slots=True, frozen=True)
class DomainCheck:
    """The outcome of one ownership check: proved, or why not."""

    proved: bool
    reason: str | None = None
