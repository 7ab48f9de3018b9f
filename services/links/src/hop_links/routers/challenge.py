"""The HTTP proof of a branded domain: ``GET /.well-known/hop-challenge/{token}``.

The edge routes this prefix to links on every host, so a domain whose name points at hop
serves its owner's token here, which the HTTP check fetches. Unauthenticated on purpose:
the token is no secret once published (the TXT record shows it too); knowing one proves
nothing but that the name reaches hop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from hop_contracts import CHALLENGE_PATH, CHALLENGE_VALUE_PREFIX
from hop_links.dependencies import ServicesDep
from hop_links.models import ErrorMessage

__all__ = ["router"]

router = APIRouter(tags=["domains"])


@router.get(
    CHALLENGE_PATH,
    summary="Answer a branded domain's HTTP challenge",
    response_model=None,
    responses={
        200: {
            "description": "The token is a domain's.",
            "content": {"text/plain": {"example": "hop-challenge=3q2-7RkXbW0"}},
        },
        404: {"model": ErrorMessage, "description": "No domain has this token."},
    },
)
async def challenge(
    token: Annotated[str, Path(max_length=64, description="The domain's challenge token.")],
    services: ServicesDep,
) -> Response:
    """Answer ``hop-challenge=<token>`` when the token is a domain's, else 404."""
    if await services.domains.name_of_token(token) is None:
        return JSONResponse({"detail": "No domain has this challenge token."}, status_code=404)
    return PlainTextResponse(CHALLENGE_VALUE_PREFIX + token)
