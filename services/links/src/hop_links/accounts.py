"""Owners and their API keys: creation, revocation, listing and authentication."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation.database import reader
from hop_links.direct import AUTHENTICATE, DirectPostgres
from hop_links.errors import (
    KeyNotFoundError,
    LinksError,
    OwnerExistsError,
    OwnerNotFoundError,
    UnauthorizedError,
)
from hop_links.keys import KEY_PREFIX, generate_key, hash_key, key_prefix
from hop_links.records import ApiKey, Caller, NewApiKey, Owner
from hop_links.sessions import SessionStore, is_session_token
from hop_links.tables import api_keys, owners, sessions

__all__ = ["AccountStore"]

MAX_OWNER_NAME = 100
_KEY_MAX_LENGTH = 200
_RECENT_KEYS = 10_000


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AccountStore:
    """Keep owners and API keys; keys are only ever stored as hashes."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        direct: DirectPostgres | None = None,
        key_cache_ttl: float = 0.0,
        now: Callable[[], datetime] = _utcnow,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._direct = direct
        self._reader = reader(engine)
        self._now = now
        self._recent = _RecentKeys(key_cache_ttl, clock)
        self._pending: dict[str, asyncio.Future[Caller]] = {}
        #: The console sessions opened with the keys (`hop_links.sessions`).
        self.sessions = SessionStore(engine, now=now, on_end=self._recent.clear)

    async def create_owner(self, name: str) -> Owner:
        """Create an owner named ``name`` (unique, 1 to 100 printable characters)."""
        if not name or len(name) > MAX_OWNER_NAME or not name.isprintable():
            raise LinksError(
                f"The owner name {name[:40]!r} is invalid: use 1 to {MAX_OWNER_NAME} "
                "printable characters."
            )
        created_at = self._now()
        try:
            async with self._engine.begin() as connection:
                result = await connection.execute(
                    insert(owners).values(name=name, created_at=created_at)
                )
        except IntegrityError:
            raise OwnerExistsError(f"An owner named {name!r} already exists.") from None
        owner_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return Owner(id=owner_id, name=name, created_at=created_at)

    async def get_owner(self, name: str) -> Owner:
        """Return the owner named ``name`` or raise `OwnerNotFoundError`."""
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(owners).where(owners.c.name == name))).first()
        if row is None:
            raise OwnerNotFoundError(
                f"No owner is named {name!r}; create it with `hop-links owners create`."
            )
        return Owner(id=row.id, name=row.name, created_at=row.created_at)

    async def list_owners(self) -> list[Owner]:
        """Return every owner, oldest first."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(owners).order_by(owners.c.id))
        return [Owner(id=row.id, name=row.name, created_at=row.created_at) for row in rows]

    async def create_key(self, owner_name: str) -> NewApiKey:
        """Create an API key for the owner ``owner_name``; its secret is returned only here."""
        owner = await self.get_owner(owner_name)
        secret = generate_key()
        created_at = self._now()
        values = {
            "owner_id": owner.id,
            "prefix": key_prefix(secret),
            "key_hash": hash_key(secret),
            "created_at": created_at,
        }
        async with self._engine.begin() as connection:
            result = await connection.execute(insert(api_keys).values(**values))
        key_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        key = ApiKey(key_id, owner.id, values["prefix"], created_at, None)  # type: ignore[arg-type]
        return NewApiKey(key=key, secret=secret)

    async def revoke_key(self, key_id: int) -> ApiKey:
        """Revoke the key ``key_id`` (idempotent), end its sessions, and return it."""
        self._recent.clear()  # this process stops at once; others within their cache TTL
        async with self._engine.begin() as connection:
            await connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._now())
            )
            await connection.execute(delete(sessions).where(sessions.c.key_id == key_id))
            row = (
                await connection.execute(select(api_keys).where(api_keys.c.id == key_id))
            ).first()
        if row is None:
            raise KeyNotFoundError(f"No API key has the id {key_id}; see `hop-links keys list`.")
        return _key(row)

    async def list_keys(self, owner_name: str) -> list[ApiKey]:
        """Return the owner's keys, oldest first, revoked ones included."""
        owner = await self.get_owner(owner_name)
        query = select(api_keys).where(api_keys.c.owner_id == owner.id).order_by(api_keys.c.id)
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
        return [_key(row) for row in rows]

    async def authenticate(self, secret: str | None) -> Caller:
        """Return the caller a key (or a session token) acts for, or raise `UnauthorizedError`."""
        if not secret:
            raise UnauthorizedError("Send an API key as `Authorization: Bearer <key>`.")
        if is_session_token(secret):
            return await self._session_caller(secret)
        if not secret.startswith(KEY_PREFIX) or len(secret) > _KEY_MAX_LENGTH:
            raise UnauthorizedError("The API key is unknown or revoked.")
        digest = hash_key(secret)
        caller = self._recent.get(digest)
        if caller is None:
            caller = await self._shared_lookup(digest)
            self._recent.put(digest, caller)
        return caller

    async def _session_caller(self, token: str) -> Caller:
        """Return a live session's caller, kept as long as a key's (ending one clears it)."""
        digest = hash_key(token)
        caller = self._recent.get(digest)
        if caller is None:
            caller = await self.sessions.authenticate(token)
            self._recent.put(digest, caller)
        return caller

    async def _shared_lookup(self, digest: str) -> Caller:
        """Read the key once for every request that waits on it (with a cache only)."""
        if not self._recent.enabled:
            return await self._lookup(digest)
        pending = self._pending.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup(digest))
            self._pending[digest] = pending
            pending.add_done_callback(lambda done: self._settle(digest, done))
        return await asyncio.shield(pending)  # one caller's cancellation is not the others'

    def _settle(self, digest: str, done: asyncio.Future[Caller]) -> None:
        self._pending.pop(digest, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a lookup nobody awaits any more is not logged

    async def _lookup(self, digest: str) -> Caller:
        row: Sequence[Any] | None
        if self._direct is not None:
            row = await self._direct.fetchrow(AUTHENTICATE, digest)
        else:
            query = select(api_keys.c.id, api_keys.c.owner_id).where(
                api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None)
            )
            async with self._reader.connect() as connection:
                row = (await connection.execute(query)).first()
        if row is None:
            raise UnauthorizedError("The API key is unknown or revoked.")
        key_id, owner_id = row
        return Caller(owner_id=owner_id, key_id=key_id)


class _RecentKeys:
    """Callers of the keys that authenticated in the last ``ttl`` seconds (0: none kept).

    Only known, unrevoked keys are kept, by their digest, so a revocation committed
    anywhere stops a key within ``ttl``, and a new key works at once. At most
    `_RECENT_KEYS` entries; with one TTL for all, the oldest entry expires first.
    """

    __slots__ = ("_clock", "_entries", "_ttl")

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, digest: str) -> Caller | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: str, caller: Caller) -> None:
        if self._ttl <= 0:
            return
        self._entries[digest] = (self._clock() + self._ttl, caller)
        self._entries.move_to_end(digest)
        if len(self._entries) > _RECENT_KEYS:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def _key(row: Row[tuple[object, ...]]) -> ApiKey:
    return ApiKey(
        id=row.id,
        owner_id=row.owner_id,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
