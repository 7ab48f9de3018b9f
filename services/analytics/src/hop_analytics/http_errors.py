"""The one edge where domain errors become HTTP responses, and their OpenAPI descriptions."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

from hop_analytics.errors import AnalyticsError
from hop_instrumentation.errors import install_error_handler

__all__ = ["ERROR_RESPONSES", "install_error_handlers"]

#: OpenAPI descriptions of the stats API's error responses, for the routes' ``responses=``.
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "Missing, unknown or revoked API key."},
    404: {"description": "No such link among the key owner's links."},
    422: {"description": "Bad date, reversed range, or range over HOP_MAX_RANGE_DAYS."},
    429: {"description": "Too many requests, here or at links; retry after Retry-After seconds."},
    503: {"description": "links is unreachable; retry after the Retry-After seconds."},
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error with a JSON ``detail``, its status and headers."""
    install_error_handler(app, AnalyticsError)
