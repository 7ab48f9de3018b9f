"""The one edge where errors become pages: the right status, a sentence saying why, never a 500.

A missing, expired or refused session answers 401 with the sign-in form (and a fresh
anonymous session, so that form works); a form without its CSRF token 403; another
owner's or an unknown link or domain 404; a refused form or range its 4xx; a peer that does not
answer 503 with ``Retry-After``. Unknown paths and bad query values get pages too, and
so does an unexpected error: a 500 page with the security headers, logged.
"""

from __future__ import annotations

import logging
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from hop_console.dependencies import get_visit, services_of
from hop_console.errors import (
    CsrfError,
    DomainNotFoundError,
    LinkNotFoundError,
    NotSignedInError,
    PeerUnavailableError,
    RateLimitedError,
    RejectedError,
)
from hop_console.security import ErrorPage, secure
from hop_console.sessions import Session
from hop_console.views import page

__all__ = ["error_page_of", "install_error_handlers"]

logger = logging.getLogger("hop.console")
RETRY_AFTER: Final = "5"
_CSRF: Final = (
    "This form did not come from this console's page, or the page is too old. "
    "Go back, reload the page and send the form again."
)
_STATUS_TITLES: Final = {
    400: "Bad request",
    403: "Form refused",
    404: "Not found",
    405: "Method not allowed",
    408: "Request too slow",
    409: "Conflict",
    413: "Form too large",
    500: "Something went wrong",
    422: "Check what you entered",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer the console's errors, HTTP errors and bad query values as pages."""
    app.add_exception_handler(NotSignedInError, _not_signed_in)
    app.add_exception_handler(CsrfError, _csrf)
    app.add_exception_handler(LinkNotFoundError, _not_found)
    app.add_exception_handler(DomainNotFoundError, _not_found)
    app.add_exception_handler(RejectedError, _rejected)
    app.add_exception_handler(PeerUnavailableError, _unavailable)
    app.add_exception_handler(RateLimitedError, _rate_limited)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_query)
    app.add_exception_handler(Exception, _server_error)  # replaces the instrumentation's JSON


def error_page_of(app: FastAPI) -> ErrorPage:
    """Return the renderer of the error page the security middlewares answer with."""

    def render(status: int, message: str) -> Response:
        services = services_of(app)
        title = _STATUS_TITLES.get(status, "Request refused")
        return services.pages.render(
            "error.html", None, status=status, title=title, message=message
        )

    return render


async def _server_error(request: Request, exc: Exception) -> Response:
    # Answered outside every middleware (Starlette's ServerErrorMiddleware): secure it here.
    logger.error("unhandled error", exc_info=exc, extra={"url_path": request.url.path})
    message = "Something went wrong on our side; it was logged. Try again in a moment."
    return secure(error_page_of(request.app)(500, message))


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    services = services_of(request.app)
    message = exc.message if isinstance(exc, NotSignedInError) else str(exc)
    session = Session.anonymous()
    base = services.settings.base_path
    path = request.url.path.removeprefix(base) if request.method == "GET" else ""
    response = page(
        services, "sign_in.html", session, status=401, new=True, message=message, next_path=path
    )
    response.headers["WWW-Authenticate"] = 'Cookie realm="hop console"'
    return response


async def _csrf(request: Request, exc: Exception) -> Response:
    return _error_page(request, 403, _CSRF)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error_page(request, 404, str(exc))


async def _rejected(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, RejectedError) else 422
    return _error_page(request, status, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    response = _error_page(request, 503, str(exc))
    response.headers["Retry-After"] = RETRY_AFTER
    return response


async def _rate_limited(request: Request, exc: Exception) -> Response:
    response = _error_page(request, 429, str(exc))
    if isinstance(exc, RateLimitedError):
        response.headers["Retry-After"] = exc.retry_after
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return _error_page(request, 404, "There is no console page at this address.")
    detail = getattr(exc, "detail", None) or "The request was refused."
    response = _error_page(request, status, str(detail))
    for name, value in (getattr(exc, "headers", None) or {}).items():
        response.headers[name] = value
    return response


async def _invalid_query(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    where = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in errors) or "the request"
    return _error_page(request, 422, f"Check {where}: the value is not one this page accepts.")


def _error_page(request: Request, status: int, message: str) -> Response:
    services = services_of(request.app)
    visit = get_visit(request)
    title = _STATUS_TITLES.get(status, "Something went wrong")
    return page(
        services,
        "error.html",
        visit.session,
        status=status,
        new=visit.is_new,
        title=title,
        message=message,
    )
