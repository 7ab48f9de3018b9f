"""The one edge where domain errors become HTTP responses, and rejected clicks are counted."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from hop_analytics.dependencies import services_of
from hop_analytics.errors import (
    AnalyticsError,
    InvalidRangeError,
    LinkNotFoundError,
    LinksUnavailableError,
    MalformedEventError,
    MissingApiKeyError,
    UnauthorizedError,
)
from hop_contracts import CLICKS_PATH

__all__ = ["ERROR_RESPONSES", "install_error_handlers", "status_of"]

#: OpenAPI descriptions of the stats API's error responses, for the routes' ``responses=``.
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "Missing, unknown or revoked API key."},
    404: {"description": "No such link among the key owner's links."},
    422: {"description": "Bad date, reversed range, or range over HOP_MAX_RANGE_DAYS."},
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
    return 503


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error with a JSON ``detail``; count rejected click batches."""
    app.add_exception_handler(AnalyticsError, _analytics_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)


async def _analytics_error(_request: Request, error: AnalyticsError) -> JSONResponse:
    status = status_of(error)
    if isinstance(error, LinksUnavailableError):
        # The reason (timeout, status) was logged where it happened; callers only retry.
        return JSONResponse(
            {"detail": _LINKS_UNAVAILABLE}, status_code=status, headers={"Retry-After": "5"}
        )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": error.message}, status_code=status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError) and request.url.path == CLICKS_PATH:
        events = exc.body.get("events") if isinstance(exc.body, dict) else None
        rejected = len(events) if isinstance(events, list) else 1
        metrics = services_of(request.app).metrics
        metrics.received.labels("http").inc(rejected)
        metrics.rejected.labels("http").inc(rejected)
    return await request_validation_exception_handler(request, exc)  # type: ignore[arg-type]
