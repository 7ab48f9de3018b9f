"""The seam where a domain's ownership is checked: `DomainChecker`.

`POST /api/v1/domains/{name}:verify` asks the app's checker (``LinksServices.checker``)
and records what it answers (`hop_links.domain_store.DomainStore.record_check`). The
checker that proves names by DNS and HTTP replaces `NotChecked`, which proves nothing and
records nothing: without one, every domain stays pending.
"""

from __future__ import annotations

from typing import Protocol

from hop_links.records import DomainCheck, DomainRecord

__all__ = ["DomainChecker", "NotChecked"]


class DomainChecker(Protocol):
    """Check now whether the owner of ``domain`` proved it (TXT record or HTTP token)."""

    async def check(self, domain: DomainRecord) -> DomainCheck | None:
        """Return the outcome of the check, or None when no check was made."""


class NotChecked:
    """The checker of a hop that does not verify domains: it checks nothing."""

    async def check(self, domain: DomainRecord) -> DomainCheck | None:
        """Return None: the domain was not checked (and stays as it is)."""
        return None
