"""Periodic re-checks of branded domains: pending ones often at first, verified ones rarely.

Every ``poll`` seconds each replica asks the store for domains that may be due, and checks
those that are: a verified domain ``verified_interval`` after its last check; a failed
one ``pending_interval`` after it (a check that failed once, a DNS timeout, must not keep a
domain that proves itself again off the air for hours); a pending one after as long as it
has been waiting since it was added (at least ``pending_interval``, at most
``pending_max_interval``), so its checks come 1, 2, 4, 8... intervals after its creation
and then settle at the maximum. A replica claims a domain
before checking it (`DomainStore.claim_check`, a compare-and-set of its last check), so
several replicas never check the same domain at once; a replica that dies after its claim
leaves the domain for the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from hop_links.domain_checks import DomainChecker
from hop_links.records import DomainRecord

__all__ = ["DomainRechecks", "RecheckSchedule"]

logger = logging.getLogger("hop.links.rechecks")
#: Domains looked at per poll: the rest wait for the next one.
_BATCH: Final = 100


class RecheckStore(Protocol):
    """The part of `hop_links.domain_store.DomainStore` the re-checks use."""

    async def due_for_check(
        self, *, before: datetime, limit: int = 100, verified: bool | None = None
    ) -> list[DomainRecord]:
        """Return domains (verified ones, or the others) last checked before ``before``."""

    async def claim_check(self, name: str, *, seen: datetime | None, at: datetime) -> bool:
        """Mark ``name`` checked at ``at`` if its last check is still ``seen``."""

    async def record_check(
        self, name: str, *, proved: bool, reason: str | None, at: datetime
    ) -> DomainRecord | None:
        """Record a check's outcome."""


@dataclass(slots=True, frozen=True)
class RecheckSchedule:
    """When a domain is due again (seconds; links' ``HOP_VERIFICATION_*_INTERVAL``)."""

    pending_interval: float
    pending_max_interval: float
    verified_interval: float

    def due_at(self, domain: DomainRecord) -> datetime:
        """Return when ``domain`` should be checked next."""
        if domain.last_checked_at is None:
            return domain.created_at + timedelta(seconds=self.pending_interval)
        if domain.status == "verified":
            return domain.last_checked_at + timedelta(seconds=self.verified_interval)
        if domain.status == "failed":
            return domain.last_checked_at + timedelta(seconds=self.pending_interval)
        waited = (domain.last_checked_at - domain.created_at).total_seconds()
        wait = min(max(waited, self.pending_interval), self.pending_max_interval)
        return domain.last_checked_at + timedelta(seconds=wait)


class DomainRechecks:
    """Check the domains that are due, one replica per domain at a time."""

    def __init__(
        self,
        store: RecheckStore,
        checker: DomainChecker,
        *,
        schedule: RecheckSchedule,
        now: Callable[[], datetime],
        poll: float,
    ) -> None:
        self._store = store
        self._checker = checker
        self._schedule = schedule
        self._now = now
        self._poll = poll
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Check what is due every ``poll`` seconds (the first after one) until `stop`."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._poll)
            if self._stopping.is_set():
                return
            try:
                await self.check_due()
            except Exception:  # the database down: the next poll tries again
                logger.warning("domain re-checks failed; retrying", exc_info=True)

    def stop(self) -> None:
        """Make `run` return after the check in hand."""
        self._stopping.set()

    async def check_due(self) -> list[str]:
        """Check every domain due now that this replica could claim; return their names."""
        now = self._now()
        # Unserved (pending, failed) and verified domains apart: a hundred verified ones not
        # due yet must not hide an unserved one that is. "Before" is exclusive: one
        # microsecond past the bound.
        tick = timedelta(microseconds=1)
        pending = timedelta(seconds=self._schedule.pending_interval)
        verified = timedelta(seconds=self._schedule.verified_interval)
        candidates = await self._store.due_for_check(
            before=now - pending + tick, limit=_BATCH, verified=False
        )
        candidates += await self._store.due_for_check(
            before=now - verified + tick, limit=_BATCH, verified=True
        )
        checked = []
        for domain in candidates:
            if self._schedule.due_at(domain) > now:
                continue
            if not await self._store.claim_check(domain.name, seen=domain.last_checked_at, at=now):
                continue  # another replica has it
            outcome = await self._checker.check(domain)
            if outcome is not None:
                await self._store.record_check(
                    domain.name, proved=outcome.proved, reason=outcome.reason, at=self._now()
                )
                checked.append(domain.name)
        return checked
