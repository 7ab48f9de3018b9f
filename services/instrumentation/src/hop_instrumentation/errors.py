"""Domain errors that carry their HTTP answer, and the one handler that sends it.

Usage (a service's ``errors`` and ``app``)::

    class LinksError(ServiceError):
        status = 503                      # what an unclassified error answers

    class LinkNotFoundError(LinksError):
        status = 404

    class UnauthorizedError(LinksError):
        status = 401
        headers = {"WWW-Authenticate": "Bearer"}

    install_error_handler(app, LinksError)   # {"detail": message} with the status

The status is a class attribute, so the store raising an error still imports no HTTP; the
edge reads it once, here. A subclass overrides `detail` for a structured body (a
validation error's list) and `response_headers` for headers of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["ServiceError", "error_response", "install_error_handler"]

logger = logging.getLogger("hop.errors")


class ServiceError(Exception):
    """Base of a service's domain errors: a message, the status and headers it answers with."""

    #: The HTTP status the error answers with.
    status: ClassVar[int] = 500
    #: Headers of every answer of this class (`response_headers` may add its own).
    headers: ClassVar[Mapping[str, str]] = {}
    #: Log the error (with its traceback) when it answers: an outage, not the caller's fault.
    is_logged: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def detail(self) -> object:
        """Return the answer's ``detail``: the message, unless a subclass structures it."""
        return self.message

    def response_headers(self) -> dict[str, str] | None:
        """Return the answer's headers, or None for none."""
        return dict(self.headers) or None


def error_response(error: ServiceError) -> JSONResponse:
    """Return the JSON answer of ``error``: ``{"detail": ...}`` with its status and headers."""
    if error.is_logged:
        logger.error("%s answered %d", type(error).__name__, error.status, exc_info=error)
    return JSONResponse(
        {"detail": error.detail}, status_code=error.status, headers=error.response_headers()
    )


def install_error_handler(app: FastAPI, base: type[ServiceError] = ServiceError) -> None:
    """Answer every ``base`` error raised by a route with `error_response`."""

    async def handle(_request: Request, error: Exception) -> JSONResponse:
        if not isinstance(error, ServiceError):
            raise error
        return error_response(error)

    app.add_exception_handler(base, handle)
