"""The body links answers to a resolve, ``GET /internal/v1/links/{code}`` (200).

Usage::

    link = ResolvedLink.model_validate_json(response.content)

A 404 with ``{"detail": ...}`` means the code is unknown (or deleted); anything else is
links being unavailable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from hop_contracts.codes import CODE_PATTERN

__all__ = [
    "LINK_ID_MAX_LENGTH",
    "LINK_ID_PATTERN",
    "REDIRECT_STATUSES",
    "LinkId",
    "RedirectStatus",
    "ResolvedLink",
]

#: The statuses a link may redirect with.
RedirectStatus = Literal[301, 302, 307, 308]
REDIRECT_STATUSES: Final = (301, 302, 307, 308)
LINK_ID_MAX_LENGTH: Final = 64
#: What a link id is made of: the code alphabet, so no id can equal analytics' legacy keys.
LINK_ID_PATTERN: Final = CODE_PATTERN
#: A link's stable identity: given at creation, never reused (unlike its code), opaque.
LinkId = Annotated[str, Field(pattern=f"^{LINK_ID_PATTERN}$", max_length=LINK_ID_MAX_LENGTH)]


class ResolvedLink(BaseModel):
    """What the redirect service needs to answer a code."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
                    "code": "abc1234",
                    "url": "https://example.com/x",
                    "redirect_status": 302,
                    "forward_query": False,
                    "expires_at": None,
                    "disabled": False,
                }
            ]
        },
    )

    #: The link's stable identity: clicks belong to it, never to the code, so a deleted
    #: and re-created code starts afresh.
    id: LinkId
    code: str
    url: str
    redirect_status: RedirectStatus
    forward_query: bool = False
    expires_at: datetime | None = None
    disabled: bool = False
