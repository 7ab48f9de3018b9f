"""Signing in with an API key, signing out, and the owner's sessions.

Signing in exchanges the key for a session links mints and keeps; the cookie holds only
that session's token. Signing out ends the session at links, so a copy of the cookie
stops working too; the sessions page lists the owner's other sessions and ends them.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from hop_console.dependencies import (
    ConsoleServices,
    FormDep,
    OwnerDep,
    ServicesDep,
    Visit,
    VisitDep,
)
from hop_console.errors import NotSignedInError
from hop_console.links_sessions import browser_label
from hop_console.views import clear_session, page, see_other, set_session

__all__ = ["router"]

router = APIRouter()
#: What fits an Authorization header: printable ASCII, no spaces.
_KEY: Final = re.compile(r"^[\x21-\x7e]{1,200}$")
#: A page of the console to return to: segments of safe characters, never "//" or "..".
_NEXT: Final = re.compile(r"^(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$")
SessionIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("")
async def home(services: ServicesDep) -> Response:
    """Send visitors to their links (or, through them, to the sign-in page)."""
    return see_other(services, "/links")


@router.get("/sign-in")
async def sign_in_page(
    services: ServicesDep,
    visit: VisitDep,
    signed_out: Annotated[bool, Query()] = False,
) -> Response:
    """Show the sign-in form."""
    message = "You have signed out." if signed_out else None
    return page(services, "sign_in.html", visit.session, new=visit.is_new, message=message)


@router.post("/sign-in")
async def sign_in(
    request: Request, services: ServicesDep, visit: VisitDep, form: FormDep
) -> Response:
    """Exchange the key for a session at links, then keep only the session's token."""
    key = form.get("key")
    if not _KEY.match(key):
        return page(
            services,
            "sign_in.html",
            visit.session,
            status=422,
            message="Enter your API key: the hop_... text `hop-links keys create` printed.",
        )
    label = browser_label(request.headers.get("user-agent", ""))
    try:
        opened = await services.links_sessions.open(
            visit.caller(key), label=label, max_age=services.settings.session_max_age
        )
    except NotSignedInError:
        services.metrics.sign_ins.labels("rejected").inc()
        return page(
            services,
            "sign_in.html",
            visit.session,
            status=401,
            message="That API key is unknown or was revoked. Check it and try again.",
        )
    services.metrics.sign_ins.labels("ok").inc()
    await _end_own_session(services, visit)
    next_path = form.get("next")
    response = see_other(services, next_path if _NEXT.match(next_path) else "/links")
    set_session(services, response, visit.session.signed_in(opened.token, opened.id))
    return response


async def _end_own_session(services: ConsoleServices, visit: Visit) -> None:
    """End the browser's session at links (signing out, or in again: one browser, one session)."""
    old = visit.session
    if old.token is not None and old.sid is not None:
        with suppress(NotSignedInError):  # ended already; a peer outage still fails the page
            await services.links_sessions.end(visit.caller(old.token), old.sid)


@router.post("/sign-out")
async def sign_out(services: ServicesDep, visit: VisitDep, form: FormDep) -> Response:
    """End the session at links (every copy of the cookie stops), then drop the cookie."""
    await _end_own_session(services, visit)
    response = see_other(services, "/sign-in?signed_out=true")
    clear_session(services, response)
    return response


@router.get("/sessions")
async def list_sessions(
    services: ServicesDep,
    owner: OwnerDep,
    ended: Annotated[bool, Query()] = False,
) -> Response:
    """List the owner's live sessions, this browser's marked, each other one with an end."""
    sessions = await services.links_sessions.list(owner.caller)
    notice = "The session has ended." if ended else None
    return page(services, "sessions.html", owner.session, sessions=sessions, notice=notice)


@router.post("/sessions/{session_id}/end")
async def end_session(
    session_id: SessionIdPath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """End one of the owner's other sessions (this browser's own ends by signing out)."""
    if session_id == owner.session_id:
        return see_other(services, "/sessions")
    await services.links_sessions.end(owner.caller, session_id)
    return see_other(services, "/sessions?ended=true")
