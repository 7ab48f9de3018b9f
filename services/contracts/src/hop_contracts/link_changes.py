"""The feed links serves of disable and enable transitions, ``GET LINK_CHANGES_PATH`` (200).

Usage::

    page = LinkChangePage.model_validate_json(response.content)
    for change in page.items:
        ...  # change.link_id was disabled (or enabled again) at change.at
    after = page.next_after

Every time a link's ``disabled`` flag changes, links appends a change in the same
transaction as the change itself; ``seq`` grows in commit order, so a reader that asks
for the changes after the last ``seq`` it applied misses none. analytics reads the feed
to stop counting a disabled link's clicks (redirect may still serve the link from its
cache for a while). A 422 means ``after`` or ``limit`` is out of range.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from hop_contracts.resolve import LinkId

__all__ = ["MAX_LINK_CHANGES", "LinkChange", "LinkChangePage"]

#: The most changes one page holds (``limit``).
MAX_LINK_CHANGES: Final = 1000


class LinkChange(BaseModel):
    """One transition of a link's ``disabled`` flag, as links' clock saw it."""

    model_config = ConfigDict(frozen=True)

    #: Position in the feed: grows in commit order, never reused.
    seq: int = Field(ge=1)
    link_id: LinkId
    #: The flag's new value: true from ``at`` on, until a later change with false.
    disabled: bool
    at: datetime


class LinkChangePage(BaseModel):
    """Changes after the ``after`` asked for, oldest first; ask again from ``next_after``."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "seq": 7,
                            "link_id": "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
                            "disabled": True,
                            "at": "2026-11-29T12:00:00Z",
                        }
                    ],
                    "next_after": 7,
                }
            ]
        },
    )

    items: list[LinkChange]
    #: The last ``seq`` of this page (the ``after`` asked for when the page is empty).
    next_after: int = Field(ge=0)
