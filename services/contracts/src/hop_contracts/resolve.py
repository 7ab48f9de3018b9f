"""The bodies of links' resolve API: one code, ``GET /internal/v1/links/{code}`` (200),
or many at once, ``POST /internal/v1/links:resolve``.

Usage::

    link = ResolvedLink.model_validate_json(response.content)
    links = ResolvedLinks.model_validate_json(response.content).links  # code -> link | None

    body = orjson.dumps(resolved_fields(record))  # links: any record with the seven fields

For one code, a 404 with ``{"detail": ...}`` means the code is unknown (or deleted);
anything else is links being unavailable. A batch (`ResolveRequest`, 1 to
`MAX_RESOLVE_CODES` codes) is answered 200 with every code asked for as a key of
``links``: its link, or null when it is unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from hop_contracts.codes import CODE_PATTERN

__all__ = [
    "LINK_ID_MAX_LENGTH",
    "LINK_ID_PATTERN",
    "MAX_RESOLVE_CODES",
    "REDIRECT_STATUSES",
    "Code",
    "LinkId",
    "RedirectStatus",
    "ResolveRequest",
    "ResolvedLink",
    "ResolvedLinks",
    "ResolvedRecord",
    "resolved_fields",
]

#: The statuses a link may redirect with.
RedirectStatus = Literal[301, 302, 307, 308]
REDIRECT_STATUSES: Final = (301, 302, 307, 308)
LINK_ID_MAX_LENGTH: Final = 64
#: What a link id is made of: the code alphabet, so no id can equal analytics' legacy keys.
LINK_ID_PATTERN: Final = CODE_PATTERN
#: A link's stable identity: given at creation, never reused (unlike its code), opaque.
LinkId = Annotated[str, Field(pattern=f"^{LINK_ID_PATTERN}$", max_length=LINK_ID_MAX_LENGTH)]
#: A short code (`hop_contracts.codes`).
Code = Annotated[str, Field(pattern=f"^{CODE_PATTERN}$")]
#: The most codes one batch resolve asks for.
MAX_RESOLVE_CODES: Final = 100
_EXAMPLE: Final[JsonDict] = {
    "id": "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
    "code": "abc1234",
    "url": "https://example.com/x",
    "redirect_status": 302,
    "forward_query": False,
    "expires_at": None,
    "disabled": False,
}


class ResolvedLink(BaseModel):
    """What the redirect service needs to answer a code."""

    model_config = ConfigDict(frozen=True, json_schema_extra={"examples": [_EXAMPLE]})

    #: The link's stable identity: clicks belong to it, never to the code, so a deleted
    #: and re-created code starts afresh.
    id: LinkId
    code: str
    url: str
    redirect_status: RedirectStatus
    forward_query: bool = False
    expires_at: datetime | None = None
    disabled: bool = False


class ResolveRequest(BaseModel):
    """The codes a batch resolve asks for, all on one domain (duplicates are answered once)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"codes": ["abc1234", "x9"]}]})

    codes: list[Code] = Field(min_length=1, max_length=MAX_RESOLVE_CODES)
    #: The verified branded domain the codes live on; None: the platform domain. A domain
    #: that is unknown or not verified answers every code null.
    domain: str | None = Field(default=None, max_length=253)


class ResolvedLinks(BaseModel):
    """The answer to a batch resolve: every code asked for, with its link or null if unknown."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={"examples": [{"links": {"abc1234": _EXAMPLE, "x9": None}}]},
    )

    links: dict[str, ResolvedLink | None]


class ResolvedRecord(Protocol):
    """A resolved link as a service holds it: any record with the resolve body's fields."""

    @property
    def id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def redirect_status(self) -> int: ...
    @property
    def forward_query(self) -> bool: ...
    @property
    def expires_at(self) -> datetime | float | None: ...
    @property
    def disabled(self) -> bool: ...


def resolved_fields(link: ResolvedRecord) -> dict[str, object]:
    """Return the resolve body of ``link`` as JSON types (`ResolvedLink`'s fields).

    The expiry is ISO 8601 in UTC with a ``Z``, from a datetime or seconds since the epoch.
    """
    expires_at = link.expires_at
    if isinstance(expires_at, int | float):
        expires_at = datetime.fromtimestamp(expires_at, UTC)
    return {
        "id": link.id,
        "code": link.code,
        "url": link.url,
        "redirect_status": link.redirect_status,
        "forward_query": link.forward_query,
        "expires_at": expires_at.isoformat().replace("+00:00", "Z") if expires_at else None,
        "disabled": link.disabled,
    }
