"""The record of a resolved link, shared by the links client, the caches and the renderer."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Link"]


@dataclass(slots=True, frozen=True)
class Link:
    """A resolved link, as links' internal resolve API describes it."""

    #: The link's stable id (`hop_contracts.ResolvedLink.id`): its clicks are counted by it.
    id: str
    code: str
    url: str
    redirect_status: int
    forward_query: bool
    #: Seconds since the epoch after which the link answers 410, or None.
    expires_at: float | None
    disabled: bool
