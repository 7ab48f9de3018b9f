"""The one edge where domain errors become HTTP responses, and rejected clicks are counted."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hop_analytics.errors import (
    AnalyticsError,
    InvalidRangeError,
    LinkNotFoundError,
    LinksRateLimitedError,
    LinksUnavailableError,
    MalformedEventError,
    MissingApiKeyError,
    StoreUnavailableError,
    UnauthorizedError,
)

__all__ = ["ERROR_RESPONSES", "install_error_handlers", "status_of"]

#: OpenAPI descriptions of the stats API's error responses, for the routes' ``responses=``.
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "Missing, unknown or revoked API key."},
    404: {"description": "No such link among the key owner's links."},
    422: {"description": "Bad date, reversed range, or range over HOP_MAX_RANGE_DAYS."},
    429: {"description": "Too many requests, here or at links; retry after Retry-After seconds."},
    503: {"description": "links is unreachable; retry after the Retry-After seconds."},
}
_LINKS_UNAVAILABLE: Final = "links cannot check ownership right now; retry later."


def status_of(error: AnalyticsError) -> int:
    """Return the HTTP status a domain error answers with."""
    if isinstance(error, MissingApiKeyError | UnauthorizedError):
        return 401
    if isinstance(error, LinkNotFoundError):
        return 404
    if isinstance(error, InvalidRangeError | MalformedEventError):
        return 422
    if isinstance(error, LinksRateLimitedError):
        return 429
    return 503


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error with a JSON ``detail``."""
    app.add_exception_handler(AnalyticsError, _analytics_error)  # type: ignore[arg-type]


async def _analytics_error(_request: Request, error: AnalyticsError) -> JSONResponse:
    status = status_of(error)
    if isinstance(error, LinksUnavailableError):
        # The reason (timeout, status) was logged where it happened; callers only retry.
        return JSONResponse(
            {"detail": _LINKS_UNAVAILABLE}, status_code=status, headers={"Retry-After": "5"}
        )
    if isinstance(error, LinksRateLimitedError):
        return JSONResponse({"detail": error.message}, status_code=status, headers=error.headers)
    if isinstance(error, StoreUnavailableError):
        return JSONResponse(
            {"detail": error.message}, status_code=status, headers={"Retry-After": "1"}
        )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": error.message}, status_code=status, headers=headers)
