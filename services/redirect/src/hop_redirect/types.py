"""Shapes shared inside the redirect service."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Link", "LinksUnavailableError", "RedirectError"]


class RedirectError(Exception):
    """Base of the redirect service's errors."""


class LinksUnavailableError(RedirectError):
    """Raise when links cannot answer a resolve (unreachable, timeout, 5xx, bad body)."""


@dataclass(slots=True, frozen=True)
class Link:
    """A resolved link, as links' internal resolve API describes it."""

    code: str
    url: str
    redirect_status: int
    forward_query: bool
    #: Seconds since the epoch after which the link answers 410, or None.
    expires_at: float | None
    disabled: bool
