"""Signing in with an API key and signing out."""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Query
from starlette.responses import Response

from hop_console.dependencies import FormDep, ServicesDep, VisitDep
from hop_console.errors import NotSignedInError
from hop_console.views import clear_session, page, see_other, set_session

__all__ = ["router"]

router = APIRouter()
#: What fits an Authorization header: printable ASCII, no spaces.
_KEY: Final = re.compile(r"^[\x21-\x7e]{1,200}$")
#: A page of the console to return to: segments of safe characters, never "//" or "..".
_NEXT: Final = re.compile(r"^(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$")


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
async def sign_in(services: ServicesDep, visit: VisitDep, form: FormDep) -> Response:
    """Check the key with links (it lists one link with it), then keep it in the session."""
    key = form.get("key")
    if not _KEY.match(key):
        return page(
            services,
            "sign_in.html",
            visit.session,
            status=422,
            message="Enter your API key: the hop_... text `hop-links keys create` printed.",
        )
    try:
        await services.links.page(visit.caller(key), limit=1)
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
    next_path = form.get("next")
    response = see_other(services, next_path if _NEXT.match(next_path) else "/links")
    set_session(services, response, visit.session.signed_in(key))
    return response


@router.post("/sign-out")
async def sign_out(services: ServicesDep, form: FormDep) -> Response:
    """Forget the key: the browser drops the cookie."""
    response = see_other(services, "/sign-in?signed_out=true")
    clear_session(services, response)
    return response
