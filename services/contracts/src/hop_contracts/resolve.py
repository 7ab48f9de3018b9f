"""The body links answers to a resolve, ``GET /internal/v1/links/{code}`` (200).

Usage::

    link = ResolvedLink.model_validate_json(response.content)

A 404 with ``{"detail": ...}`` means the code is unknown (or deleted); anything else is
links being unavailable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["REDIRECT_STATUSES", "RedirectStatus", "ResolvedLink"]

#: The statuses a link may redirect with.
RedirectStatus = Literal[301, 302, 307, 308]
REDIRECT_STATUSES: Final = (301, 302, 307, 308)


class ResolvedLink(BaseModel):
    """What the redirect service needs to answer a code."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
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

    #: The link's stable identity: never reused, unlike its code (being introduced: optional
    #: until every producer sends it).
    id: str | None = None
    code: str
    url: str
    redirect_status: RedirectStatus
    forward_query: bool = False
    expires_at: datetime | None = None
    disabled: bool = False
