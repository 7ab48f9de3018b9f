"""Answers the routes share: a page or a 303 that also sets or clears the session cookie."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from hop_console.dependencies import ConsoleServices
from hop_console.sessions import COOKIE_NAME, Session

__all__ = ["clear_session", "page", "see_other", "set_session"]


def page(
    services: ConsoleServices,
    template: str,
    session: Session,
    *,
    status: int = 200,
    new: bool = False,
    **context: Any,
) -> Response:
    """Render ``template``; with ``new``, also hand the browser its session cookie."""
    response = services.pages.render(template, session, status=status, **context)
    if new:
        set_session(services, response, session)
    return response


def see_other(services: ConsoleServices, path: str) -> RedirectResponse:
    """Return a 303 to ``path`` under the console's base path."""
    return RedirectResponse(services.settings.base_path + path, status_code=303)


def set_session(services: ConsoleServices, response: Response, session: Session) -> None:
    """Set the session cookie: HttpOnly, Secure, SameSite=Strict, the console's path only."""
    settings = services.settings
    response.set_cookie(
        COOKIE_NAME,
        services.sessions.dump(session),
        max_age=settings.session_max_age,
        path=settings.base_path,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session(services: ConsoleServices, response: Response) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(
        COOKIE_NAME,
        path=services.settings.base_path,
        secure=True,
        httponly=True,
        samesite="strict",
    )
