"""Console sessions minted and checked by links (`hop_contracts.SESSIONS_PATH`).

Usage::

    response = await client.post(SESSIONS_PATH, json=SessionRequest(...).model_dump(),
                                 headers={"Authorization": f"Bearer {api_key}"})
    session = NewSession.model_validate_json(response.content)

Signing in exchanges an API key for a session token (``hops_...``): a bearer credential
that acts for that key's owner until it expires, its owner or an operator ends it, or the
key is revoked. The console keeps only the token (in its encrypted cookie), never the key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_SESSION_AGE",
    "MAX_SESSION_LABEL",
    "SESSION_TOKEN_PREFIX",
    "NewSession",
    "SessionInfo",
    "SessionList",
    "SessionRequest",
]

#: Every session token starts with it; an API key starts with ``hop_``.
SESSION_TOKEN_PREFIX: Final = "hops_"  # noqa: S105 (a prefix, not a secret)
#: The longest a session may last, in seconds (a week).
MAX_SESSION_AGE: Final = 604_800
#: The longest label (the browser the session was opened from).
MAX_SESSION_LABEL: Final = 100


class SessionRequest(BaseModel):
    """What the console asks links for when an owner signs in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Annotated[str, Field(max_length=MAX_SESSION_LABEL)] = ""
    max_age: Annotated[int, Field(ge=60, le=MAX_SESSION_AGE)]


class NewSession(BaseModel):
    """A session just opened: its id, its token (shown only here) and when it ends."""

    model_config = ConfigDict(frozen=True)

    id: int
    token: str
    expires_at: datetime


class SessionInfo(BaseModel):
    """One live session of an owner; ``current`` is the one the request came with."""

    model_config = ConfigDict(frozen=True)

    id: int
    label: str
    created_at: datetime
    expires_at: datetime
    current: bool


class SessionList(BaseModel):
    """Every live session of the caller's owner, newest first."""

    model_config = ConfigDict(frozen=True)

    items: list[SessionInfo]
