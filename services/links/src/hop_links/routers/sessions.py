"""Console sessions (internal port only): the console signs in, lists and ends them here.

Opening a session takes the owner's API key as Bearer; listing and ending take a
session token (or a key) of the same owner. The console never keeps the key: only the
token, in its encrypted cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from hop_contracts import (
    SESSION_PATH,
    SESSIONS_PATH,
    NewSession,
    SessionInfo,
    SessionList,
    SessionRequest,
)
from hop_links.dependencies import CallerDep, ServicesDep
from hop_links.http_errors import ERROR_RESPONSES

__all__ = ["router"]

_AUTH: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSES[401], 503: ERROR_RESPONSES[503]}
router = APIRouter(tags=["internal"], responses=_AUTH)


@router.post(SESSIONS_PATH, status_code=status.HTTP_201_CREATED, summary="Open a session")
async def open_session(
    body: SessionRequest, caller: CallerDep, services: ServicesDep
) -> NewSession:
    """Exchange the API key (Bearer) for a session token that lasts ``max_age`` seconds."""
    record, token = await services.accounts.sessions.open(
        caller, label=body.label, max_age=body.max_age
    )
    return NewSession(id=record.id, token=token, expires_at=record.expires_at)


@router.get(SESSIONS_PATH, summary="List the owner's sessions")
async def list_sessions(caller: CallerDep, services: ServicesDep) -> SessionList:
    """Return every live session of the caller's owner, newest first."""
    records = await services.accounts.sessions.live(caller.owner_id)
    items = [
        SessionInfo(
            id=record.id,
            label=record.label,
            created_at=record.created_at,
            expires_at=record.expires_at,
            current=record.id == caller.session_id,
        )
        for record in records
    ]
    return SessionList(items=items)


@router.delete(
    SESSION_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a session",
    responses={404: ERROR_RESPONSES[404]},
)
async def end_session(
    session_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The session's id.")],
    caller: CallerDep,
    services: ServicesDep,
) -> Response:
    """End one of the owner's sessions (the caller's own, to sign out): its token stops now."""
    await services.accounts.sessions.end(caller.owner_id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
