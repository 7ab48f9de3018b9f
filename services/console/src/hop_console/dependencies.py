"""The per-app services on ``app.state.services``, and the FastAPI dependencies of the routes.

`VisitDep` is the browser's session (a fresh anonymous one when it has none) and its
address, as the instrumentation resolves it (`client_address`: the peer, or the hop a
trusted proxy forwarded);
`OwnerDep` demands a signed-in session; `FormDep` reads a posted form and refuses it
without this session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, FastAPI, Request

from hop_console.errors import CsrfError, NotSignedInError, RejectedError
from hop_console.forms import MAX_FORM_BYTES, Form
from hop_console.links_sessions import SessionsApi
from hop_console.metrics import ConsoleMetrics
from hop_console.pages import Pages
from hop_console.peers import AnalyticsApi, Caller, LinksApi
from hop_console.sessions import COOKIE_NAME, Session, SessionCodec, SessionState
from hop_console.settings import ConsoleSettings
from hop_instrumentation.ratelimit import client_address

__all__ = [
    "ConsoleServices",
    "FormDep",
    "Owner",
    "OwnerDep",
    "ServicesDep",
    "Visit",
    "VisitDep",
    "get_services",
    "get_visit",
    "services_of",
]

_SIGNED_OUT: Final = {
    SessionState.MISSING: "Sign in with your API key to continue.",
    SessionState.EXPIRED: "Your session expired. Sign in again to continue.",
    SessionState.INVALID: "Your session is no longer valid. Sign in again to continue.",
}


@dataclass(slots=True, frozen=True)
class ConsoleServices:
    """What the routes and the lifespan use, built once by `hop_console.app.create_app`."""

    settings: ConsoleSettings
    metrics: ConsoleMetrics
    links: LinksApi
    #: links' session routes, on its internal port.
    links_sessions: SessionsApi
    analytics: AnalyticsApi
    sessions: SessionCodec
    pages: Pages

    async def aclose(self) -> None:
        """Close the peers' connection pools."""
        await self.links.aclose()
        await self.links_sessions.aclose()
        await self.analytics.aclose()


def services_of(app: FastAPI) -> ConsoleServices:
    """Return the services of an app built by `hop_console.app.create_app`."""
    services = getattr(app.state, "services", None)
    if not isinstance(services, ConsoleServices):
        raise LookupError("This app was not built by hop_console.app.create_app.")
    return services


def get_services(request: Request) -> ConsoleServices:
    """Return the services of the request's app."""
    return services_of(request.app)


ServicesDep = Annotated[ConsoleServices, Depends(get_services)]


@dataclass(slots=True, frozen=True)
class Visit:
    """The browser's session, why it had none (`SessionState`: then send it), its address."""

    session: Session
    state: str | None = None
    address: str = ""

    def caller(self, key: str) -> Caller:
        """Return whom the peers are called for with ``key``: this browser."""
        return Caller(key, self.address)

    @property
    def is_new(self) -> bool:
        """Tell whether the browser does not have this session yet (its cookie must be set)."""
        return self.state is not None


def get_visit(request: Request) -> Visit:
    """Return the request's session, or a fresh anonymous one saying why it had none."""
    services = services_of(request.app)
    address = client_address(request.scope, services.settings.trusted_proxies)
    loaded = services.sessions.load(request.cookies.get(COOKIE_NAME))
    if isinstance(loaded, Session):
        return Visit(loaded, address=address)
    return Visit(Session.anonymous(), state=loaded, address=address)


VisitDep = Annotated[Visit, Depends(get_visit)]


@dataclass(slots=True, frozen=True)
class Owner:
    """A signed-in visitor: whom the peers are called for (session token, address)."""

    caller: Caller
    session: Session

    @property
    def session_id(self) -> int:
        """Return links' id of this browser's session."""
        return self.session.sid or 0


def get_owner(visit: VisitDep) -> Owner:
    """Return the signed-in owner, or raise `NotSignedInError` saying why there is none."""
    token = visit.session.token
    if token is None or not visit.session.is_signed_in:
        state = visit.state or SessionState.MISSING
        raise NotSignedInError(_SIGNED_OUT[state])
    return Owner(visit.caller(token), visit.session)


OwnerDep = Annotated[Owner, Depends(get_owner)]


async def get_form(request: Request, visit: VisitDep) -> Form:
    """Return the posted form; raise `CsrfError` unless it carries this session's token."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise RejectedError(413, f"The form is larger than {MAX_FORM_BYTES} bytes.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise RejectedError(413, f"The form is larger than {MAX_FORM_BYTES} bytes.")
    form = Form.parse(body)
    if visit.state is not None:
        # No session came (SameSite=Strict keeps it off cross-site posts) or it is too old.
        raise NotSignedInError(_SIGNED_OUT[visit.state])
    if not visit.session.is_csrf(form.get("csrf")):
        services_of(request.app).metrics.csrf_rejections.inc()
        raise CsrfError()
    return form


FormDep = Annotated[Form, Depends(get_form)]
