"""The one reading of ``Authorization: Bearer <token>``, for ASGI hooks and routes alike.

Usage::

    token = bearer_token(scope)              # a raw ASGI hook, before any body byte

    api_key = BearerToken(scheme_name="ApiKey", description="An API key, as `Bearer hop_...`.")

    async def get_caller(token: Annotated[str | None, Depends(api_key)]) -> Caller: ...

`BearerToken` is FastAPI's `HTTPBearer` for the OpenAPI document (its security scheme),
but answers the token `bearer_token` reads, or None: the route decides what a missing
token means (usually a 401 of the service's own error).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security import HTTPBearer
from starlette.types import Scope

__all__ = ["BearerToken", "bearer_token"]


def bearer_token(scope: Scope) -> str | None:
    """Return the token of the request's ``Authorization: Bearer`` header, or None.

    The scheme is case-insensitive (RFC 9110); another scheme, an empty token or no
    header at all is None.
    """
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = bytes(value).decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


class BearerToken(HTTPBearer):
    """Declare a Bearer security scheme in OpenAPI; as a dependency, return the token."""

    def __init__(self, *, scheme_name: str = "HTTPBearer", description: str | None = None) -> None:
        super().__init__(auto_error=False, scheme_name=scheme_name, description=description)

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        """Return the request's Bearer token, or None."""
        return bearer_token(request.scope)
