"""The link body links' public API answers (``/api/v1/links...``), and a page of them.

Usage::

    link = Link.model_validate_json(response.content)

links declares its routes with these models (``response_model``), and the console parses
its answers with them, so neither side can drift from the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from hop_contracts.resolve import RedirectStatus

__all__ = ["LINK_EXAMPLE", "Link", "LinkPage"]

#: The link the OpenAPI document shows (links' create example takes its creatable fields).
LINK_EXAMPLE: Final[dict[str, Any]] = {
    "id": "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
    "url": "https://example.com/docs/getting-started?ref=hop",
    "code": "spring-sale",
    "domain": "hop.example",
    "redirect_status": 302,
    "forward_query": False,
    "expires_at": "2030-01-01T00:00:00Z",
    "tags": ["campaign:spring"],
    "short_url": "https://hop.example/spring-sale",
    "disabled": False,
    "created_at": "2026-11-28T08:00:00Z",
    "updated_at": "2026-11-28T08:00:00Z",
}


class Link(BaseModel):
    """A short link."""

    model_config = ConfigDict(json_schema_extra={"examples": [LINK_EXAMPLE]})

    id: str = Field(
        description="The link's stable identity: given at creation, never reused, even when "
        "its code is deleted and created again. Stats belong to it.",
        examples=["5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4"],
    )
    code: str = Field(examples=["spring-sale"])
    domain: str = Field(
        description="The domain the code lives on: the platform's host or a branded domain "
        "of the owner (canonical name). short_url is built on it.",
        examples=["hop.example"],
    )
    short_url: str = Field(examples=["https://hop.example/spring-sale"])
    url: str
    redirect_status: RedirectStatus
    forward_query: bool
    expires_at: datetime | None
    disabled: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class LinkPage(BaseModel):
    """One page of links, newest first."""

    items: list[Link]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page.",
        examples=["bDE6NDI"],
    )
