"""The one edge where domain errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from hop_links.errors import (
    AliasTakenError,
    DatabaseUnavailableError,
    InvalidCursorError,
    InvalidLinkError,
    LinkNotFoundError,
    LinksError,
    SessionNotFoundError,
    UnauthorizedError,
)
from hop_links.models import ErrorMessage

__all__ = ["ERROR_RESPONSES", "error_response", "install_error_handlers", "status_of"]

logger = logging.getLogger("hop.links")

_VALIDATION: Final = {"description": "The request is invalid; `detail` names the field."}
#: OpenAPI descriptions of the error responses, for the routes' ``responses=``.
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    401: {
        "model": ErrorMessage,
        "description": "No API key, or an unknown or revoked one.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "example": "Bearer"}},
    },
    404: {"model": ErrorMessage, "description": "No such code for this API key."},
    409: {"model": ErrorMessage, "description": "The custom code is already taken."},
    503: {"model": ErrorMessage, "description": "The database is unavailable; retry later."},
}


def status_of(error: LinksError) -> int:
    """Return the HTTP status a domain error answers with."""
    if isinstance(error, LinkNotFoundError | SessionNotFoundError):
        return 404
    if isinstance(error, AliasTakenError):
        return 409
    if isinstance(error, InvalidLinkError | InvalidCursorError):
        return 422
    if isinstance(error, UnauthorizedError):
        return 401
    return 503


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error and database failure with a JSON ``detail``."""
    app.add_exception_handler(LinksError, _handle)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyError, _handle)  # type: ignore[arg-type]


def error_response(error: LinksError | SQLAlchemyError) -> JSONResponse:
    """Return the response a domain error or a database failure answers with.

    The exception handlers answer with it, and so does the create front
    (`hop_links.create_front`), which runs outside FastAPI's exception handling.
    """
    if isinstance(error, SQLAlchemyError):
        logger.error("database error", exc_info=error)
        return JSONResponse(
            {"detail": "The database is unavailable; retry later."},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    status = status_of(error)
    if isinstance(error, InvalidLinkError):
        detail = [{"loc": ["body", error.field], "msg": error.message, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=status)
    if isinstance(error, InvalidCursorError):
        detail = [{"loc": ["query", "cursor"], "msg": error.message, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, DatabaseUnavailableError):
        logger.error("database error", exc_info=error)
        headers = {"Retry-After": "1"}
    return JSONResponse({"detail": error.message}, status_code=status, headers=headers)


async def _handle(_request: Request, error: LinksError | SQLAlchemyError) -> JSONResponse:
    return error_response(error)
