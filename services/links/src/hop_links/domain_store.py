"""DomainStore: branded domains, owner-scoped, on SQLite or PostgreSQL. No HTTP in here.

A name belongs to one owner whatever its status, until that owner deletes it (with every
link on it). Its status moves only through `DomainStore.record_check`: pending until a
check proves it, verified while checks prove it, failed (with the reason) when a check of
a verified domain no longer does, verified again once one does.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_instrumentation.database import reader
from hop_links.domain_names import DomainRules, canonical_name
from hop_links.errors import DomainLimitError, DomainNotFoundError, DomainTakenError
from hop_links.hosts import InvalidHostError, canonical_host
from hop_links.records import DomainRecord
from hop_links.tables import domains, link_tags, links

__all__ = ["DomainStore", "lookup_name", "resolved_domain"]

#: Seconds the verified names (the loop guard's) are reused; this process' own checks and
#: deletes refresh them at once.
VERIFIED_TTL: Final = 5.0
_REASON_LENGTH: Final = 500
#: What a canonical name can hold (letters, digits, hyphens and dots), at most 253 long.
_STORABLE: Final = re.compile(r"[a-z0-9_.-]{1,253}")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_token() -> str:
    return secrets.token_urlsafe(16)


def lookup_name(written: str) -> str | None:
    """Return the canonical spelling of ``written`` to look a domain up by, or None.

    Lenient on purpose: a name stored under rules that changed since (a deny list) can
    still be read and deleted.
    """
    try:
        host = canonical_host(written)
    except InvalidHostError:
        return None
    if host.address is not None or _STORABLE.fullmatch(host.name) is None:
        return None
    return host.name


def resolved_domain(written: str | None, platform: str) -> str | None:
    """Return the domain a resolve asks for: None for the platform's, else a canonical name.

    A name no domain can have is "", which resolves nothing.
    """
    if not written:
        return None
    name = lookup_name(written) or ""
    return None if name == platform else name


class DomainStore:
    """Add, read, check and delete the branded domains of owners."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        rules: DomainRules,
        max_per_owner: int = 20,
        now: Callable[[], datetime] = _utcnow,
        token: Callable[[], str] = _new_token,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self.rules = rules
        self._max_per_owner = max_per_owner
        self._now = now
        self._token = token
        self._clock = clock
        self._verified: tuple[float, frozenset[str]] | None = None

    def now(self) -> datetime:
        """Return the store's time (what a check made now is recorded at)."""
        return self._now()

    async def add(self, owner_id: int, written: str) -> DomainRecord:
        """Add the domain ``written`` (any spelling) to the owner's, pending; return it.

        Raises `InvalidDomainError`, `DomainTakenError` (any owner has it) or
        `DomainLimitError`.
        """
        name = canonical_name(written, self.rules)
        row: dict[str, Any] = {
            "owner_id": owner_id,
            "name": name,
            "token": self._token(),
            "status": "pending",
            "reason": None,
            "created_at": self._now(),
            "verified_at": None,
            "last_checked_at": None,
        }
        try:
            async with self._engine.begin() as connection:
                await self._check_limit(connection, owner_id)
                result = await connection.execute(insert(domains).returning(domains.c.id), row)
                # A link a former owner of the name created while deleting it may be left.
                await _delete_links(connection, name)
        except IntegrityError:
            raise DomainTakenError(name) from None
        return DomainRecord(id=int(result.scalar_one()), **row)

    async def of_owner(self, owner_id: int) -> list[DomainRecord]:
        """Return every domain of the owner with its link count, oldest first."""
        query = select(domains).where(domains.c.owner_id == owner_id).order_by(domains.c.id)
        async with self._reader.connect() as connection:
            rows = (await connection.execute(query)).all()
            counts = await _counts(connection, [row.name for row in rows])
        return [_record(row._mapping, counts.get(row.name, 0)) for row in rows]

    async def get(self, owner_id: int, written: str) -> DomainRecord:
        """Return the owner's domain ``written`` (any spelling) or raise `DomainNotFoundError`."""
        async with self._reader.connect() as connection:
            row = await _owned_row(connection, owner_id, written)
            counts = await _counts(connection, [row.name])
        return _record(row._mapping, counts.get(row.name, 0))

    async def status(self, owner_id: int, name: str) -> str | None:
        """Return the status of the owner's domain ``name`` (canonical), or None if not theirs."""
        query = select(domains.c.status).where(
            domains.c.name == name, domains.c.owner_id == owner_id
        )
        async with self._reader.connect() as connection:
            status = (await connection.execute(query)).scalar()
        return None if status is None else str(status)

    async def delete(self, owner_id: int, written: str) -> tuple[str, list[str]]:
        """Delete the owner's domain and every link on it, in one transaction.

        Returns the canonical name and the codes of the links deleted; raises
        `DomainNotFoundError`.
        """
        async with self._engine.begin() as connection:
            # Locked before its links go: a link create holding the row (FOR SHARE) is
            # waited for, and its link deleted with the rest (`hop_links.store`).
            row = await _owned_row(connection, owner_id, written, lock=True)
            codes = await _delete_links(connection, row.name)
            await connection.execute(delete(domains).where(domains.c.id == row.id))
        self._verified = None
        return str(row.name), codes

    async def record_check(
        self, name: str, *, proved: bool, reason: str | None, at: datetime
    ) -> DomainRecord | None:
        """Record a check of ``name`` made at ``at``; return the domain, None if it is gone.

        Proved: the domain is verified (``verified_at`` is when it became so). Not proved:
        a verified domain fails with ``reason``; a pending or failed one stays as it is,
        with the reason.
        """
        async with self._engine.begin() as connection:
            query = select(domains).where(domains.c.name == name).with_for_update()
            row = (await connection.execute(query)).first()
            if row is None:
                return None
            values = _checked(row.status, proved=proved, reason=reason, at=at)
            await connection.execute(update(domains).where(domains.c.id == row.id).values(values))
            counts = await _counts(connection, [name])
        self._verified = None
        return _record({**row._mapping, **values}, counts.get(name, 0))

    async def due_for_check(
        self, *, before: datetime, limit: int = 100, verified: bool | None = None
    ) -> list[DomainRecord]:
        """Return up to ``limit`` domains never checked or last checked before ``before``.

        Never-checked ones come first, then the longest unchecked. ``verified`` True: only
        verified domains; False: only pending and failed ones.
        """
        checked = domains.c.last_checked_at
        query = select(domains).where(checked.is_(None) | (checked < before))
        if verified is not None:
            is_verified = domains.c.status == "verified"
            query = query.where(is_verified if verified else ~is_verified)
        query = query.order_by(checked.is_not(None), checked, domains.c.id).limit(limit)
        async with self._reader.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_record(row._mapping, 0) for row in rows]

    async def claim_check(self, name: str, *, seen: datetime | None, at: datetime) -> bool:
        """Mark ``name`` checked at ``at`` if its last check is still ``seen``; True if so.

        Replicas that found the same domain due race here: one wins and checks it
        (`hop_links.rechecks`); a gone domain is never won.
        """
        last = domains.c.last_checked_at
        unchanged = last.is_(None) if seen is None else last == seen
        query = update(domains).where(domains.c.name == name, unchanged).values(last_checked_at=at)
        async with self._engine.begin() as connection:
            result = await connection.execute(query)
        return bool(result.rowcount == 1)

    async def name_of_token(self, token: str) -> str | None:
        """Return the name of the domain whose challenge token is ``token``, or None."""
        query = select(domains.c.name).where(domains.c.token == token)
        async with self._reader.connect() as connection:
            name = (await connection.execute(query)).scalar()
        return None if name is None else str(name)

    async def verified_names(self) -> list[str]:
        """Return every verified domain's name, sorted (read from the database now)."""
        query = select(domains.c.name).where(domains.c.status == "verified")
        async with self._reader.connect() as connection:
            names = sorted(str(name) for name in (await connection.execute(query)).scalars())
        self._verified = (self._clock(), frozenset(names))
        return names

    async def verified(self) -> frozenset[str]:
        """Return the verified names, read at most `VERIFIED_TTL` seconds ago."""
        if self._verified is not None and self._clock() - self._verified[0] < VERIFIED_TTL:
            return self._verified[1]
        return frozenset(await self.verified_names())

    async def _check_limit(self, connection: AsyncConnection, owner_id: int) -> None:
        query = select(func.count()).where(domains.c.owner_id == owner_id)
        count = int((await connection.execute(query)).scalar_one())
        if count >= self._max_per_owner:
            raise DomainLimitError(
                f"This owner has {count} domains, the most this hop allows "
                f"(HOP_MAX_DOMAINS_PER_OWNER={self._max_per_owner}); delete one first."
            )


def _checked(status: str, *, proved: bool, reason: str | None, at: datetime) -> dict[str, Any]:
    if proved:
        values: dict[str, Any] = {"status": "verified", "reason": None, "last_checked_at": at}
        if status != "verified":
            values["verified_at"] = at
        return values
    reason = (reason or "The check did not find the record.")[:_REASON_LENGTH]
    failed = "failed" if status == "verified" else status
    return {"status": failed, "reason": reason, "last_checked_at": at}


async def _owned_row(
    connection: AsyncConnection, owner_id: int, written: str, *, lock: bool = False
) -> Any:
    name = lookup_name(written)
    if name is None:
        raise DomainNotFoundError(written[:100])
    query = select(domains).where(domains.c.name == name, domains.c.owner_id == owner_id)
    if lock:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    if row is None:
        raise DomainNotFoundError(name)
    return row


async def _counts(connection: AsyncConnection, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    query = (
        select(links.c.domain, func.count())
        .where(links.c.domain.in_(names))
        .group_by(links.c.domain)
    )
    return {str(name): int(count) for name, count in await connection.execute(query)}


async def _delete_links(connection: AsyncConnection, name: str) -> list[str]:
    """Delete every link on the domain ``name`` as a link's DELETE does; return their codes."""
    on_domain = select(links.c.id).where(links.c.domain == name)
    result = await connection.execute(select(links.c.code).where(links.c.domain == name))
    codes = list(result.scalars())
    if codes:
        await connection.execute(delete(link_tags).where(link_tags.c.link_id.in_(on_domain)))
        await connection.execute(delete(links).where(links.c.domain == name))
    return [str(code) for code in codes]


def _record(row: Any, links_count: int) -> DomainRecord:
    return DomainRecord(
        id=int(row["id"]),
        owner_id=int(row["owner_id"]),
        name=str(row["name"]),
        token=str(row["token"]),
        status=str(row["status"]),
        reason=row["reason"],
        created_at=row["created_at"],
        verified_at=row["verified_at"],
        last_checked_at=row["last_checked_at"],
        links=links_count,
    )
