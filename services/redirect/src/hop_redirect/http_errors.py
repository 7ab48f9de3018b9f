"""The one edge where errors become JSON responses: ``{"detail": ...}``.

The FastAPI app behind the front answers only what the front hands over (paths that
are not one code segment, reserved words): it has no routes, so its router's 404
becomes the JSON 404 here; any other HTTP error keeps its status, detail and headers.
redirect's own errors never get this far: the front answers a links outage with its
precomputed 503 and the click pipeline keeps delivery errors to itself.
The app publishes no OpenAPI document, so there is no ``ERROR_RESPONSES``.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

__all__ = ["install_error_handlers"]

_NOT_FOUND: Final = (
    "Nothing here: a short link is one path segment of 1 to 64 letters, digits, '-' or '_'."
)


def install_error_handlers(app: FastAPI) -> None:
    """Answer the app's HTTP errors (every path the front hands over) as JSON."""
    app.add_exception_handler(HTTPException, _http_error)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = _NOT_FOUND if status == 404 else getattr(exc, "detail", "Request failed.")
    headers = getattr(exc, "headers", None)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
