"""The one edge where domain errors become HTTP responses."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from hop_instrumentation.errors import error_response as shared_error_response
from hop_instrumentation.errors import install_error_handler
from hop_links.errors import DatabaseUnavailableError, LinksError
from hop_links.models import ErrorMessage

__all__ = ["ERROR_RESPONSES", "error_response", "install_error_handlers"]

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


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error and database failure with a JSON ``detail``."""
    install_error_handler(app, LinksError)
    app.add_exception_handler(SQLAlchemyError, _database_error)


def error_response(error: LinksError | SQLAlchemyError) -> JSONResponse:
    """Return the response a domain error or a database failure answers with.

    The exception handlers answer with it, and so does the create front
    (`hop_links.create_front`), which runs outside FastAPI's exception handling.
    """
    if isinstance(error, SQLAlchemyError):
        unavailable = DatabaseUnavailableError("The database is unavailable; retry later.")
        unavailable.__cause__ = error
        return shared_error_response(unavailable)
    return shared_error_response(error)


async def _database_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, SQLAlchemyError):
        raise error
    return error_response(error)
