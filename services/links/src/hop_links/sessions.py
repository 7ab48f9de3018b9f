"""Console sessions: minted for an API key, checked on every request, ended on demand.

A session token is ``hops_`` and 32 random URL-safe characters, stored only as its
SHA-256 hash, like an API key. A session is live while its row exists and has not
expired: ending one deletes its row, so every copy of the token stops at once on the
replica that ended it, and on the others within ``HOP_API_KEY_CACHE_TTL`` (a live
session's caller is kept as long as a key's). Revoking a key deletes the sessions made with it
(`hop_links.accounts.AccountStore.revoke_key`). An owner keeps at most
``max_per_owner`` live sessions: opening one more ends the oldest.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Row, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_contracts import MAX_SESSION_LABEL, SESSION_TOKEN_PREFIX
from hop_links.errors import SessionNotFoundError, UnauthorizedError
from hop_links.keys import hash_key
from hop_links.records import Caller, SessionRecord
from hop_links.tables import sessions

__all__ = ["MAX_SESSIONS_PER_OWNER", "SessionStore", "is_session_token"]

MAX_SESSIONS_PER_OWNER: Final = 20
_RANDOM_BYTES: Final = 24  # 32 URL-safe characters
_TOKEN_MAX_LENGTH: Final = 100
_COLUMNS: Final = ("owner_id", "key_id", "label", "created_at", "expires_at")
_REFUSED: Final = "The session is unknown, ended or expired; sign in again."


def is_session_token(secret: str) -> bool:
    """Tell whether a bearer secret is a session token (not an API key)."""
    return secret.startswith(SESSION_TOKEN_PREFIX)


class SessionStore:
    """Open, check, list and end the console sessions of owners."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        now: Callable[[], datetime],
        max_per_owner: int = MAX_SESSIONS_PER_OWNER,
        on_end: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._now = now
        self._max_per_owner = max_per_owner
        #: Called whenever sessions end: forget the callers this process keeps.
        self._on_end = on_end

    async def open(self, caller: Caller, *, label: str, max_age: int) -> tuple[SessionRecord, str]:
        """Open a session for an API key's caller; return it and its token (shown only here)."""
        if caller.session_id is not None:
            raise UnauthorizedError("Sign in with an API key: a session cannot open another.")
        token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
        created_at = self._now()
        record = SessionRecord(
            id=0,
            owner_id=caller.owner_id,
            key_id=caller.key_id,
            label=_printable(label)[:MAX_SESSION_LABEL],
            created_at=created_at,
            expires_at=created_at + timedelta(seconds=max_age),
        )
        values = {name: getattr(record, name) for name in _COLUMNS}
        async with self._engine.begin() as connection:
            result = await connection.execute(
                insert(sessions).values(token_hash=hash_key(token), **values)
            )
            evicted = await self._keep_newest(connection, caller.owner_id)
        if evicted:
            self._on_end()
        session_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return replace(record, id=session_id), token

    async def authenticate(self, token: str) -> Caller:
        """Return the caller a live session token acts for, or raise `UnauthorizedError`."""
        if len(token) > _TOKEN_MAX_LENGTH:
            raise UnauthorizedError(_REFUSED)
        query = select(sessions.c.id, sessions.c.owner_id, sessions.c.key_id).where(
            sessions.c.token_hash == hash_key(token), sessions.c.expires_at > self._now()
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            raise UnauthorizedError(_REFUSED)
        return Caller(owner_id=row.owner_id, key_id=row.key_id, session_id=row.id)

    async def live(self, owner_id: int) -> list[SessionRecord]:
        """Return the owner's live sessions, newest first."""
        query = (
            select(sessions)
            .where(sessions.c.owner_id == owner_id, sessions.c.expires_at > self._now())
            .order_by(sessions.c.id.desc())
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
        return [_record(row) for row in rows]

    async def end(self, owner_id: int, session_id: int) -> None:
        """End one of the owner's sessions, or raise `SessionNotFoundError`."""
        statement = delete(sessions).where(
            sessions.c.id == session_id, sessions.c.owner_id == owner_id
        )
        async with self._engine.begin() as connection:
            ended = (await connection.execute(statement)).rowcount
        self._on_end()
        if not ended:
            raise SessionNotFoundError(
                f"You have no session with the id {session_id}; it may have ended already."
            )

    async def end_all(self, owner_id: int) -> int:
        """End every session of the owner; return how many were live."""
        async with self._engine.begin() as connection:
            await self._forget_dead(connection, owner_id)
            result = await connection.execute(
                delete(sessions).where(sessions.c.owner_id == owner_id)
            )
        self._on_end()
        return int(result.rowcount)

    async def _forget_dead(self, connection: AsyncConnection, owner_id: int) -> None:
        await connection.execute(
            delete(sessions).where(
                sessions.c.owner_id == owner_id, sessions.c.expires_at <= self._now()
            )
        )

    async def _keep_newest(self, connection: AsyncConnection, owner_id: int) -> int:
        """End the owner's expired sessions and those past the newest ``max_per_owner``."""
        newest = (
            select(sessions.c.id)
            .where(sessions.c.owner_id == owner_id)
            .order_by(sessions.c.id.desc())
            .limit(self._max_per_owner)
        )
        oldest_kept = select(func.min(newest.subquery().c.id)).scalar_subquery()
        result = await connection.execute(
            delete(sessions).where(
                sessions.c.owner_id == owner_id,
                or_(sessions.c.expires_at <= self._now(), sessions.c.id < oldest_kept),
            )
        )
        return int(result.rowcount)


def _printable(text: str) -> str:
    return "".join(char for char in text if char.isprintable())


def _record(row: Row[tuple[object, ...]]) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        owner_id=row.owner_id,
        key_id=row.key_id,
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )
