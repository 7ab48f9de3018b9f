"""The internal API (cluster-internal, never routed by the Ingress): resolve a code.

This is the cache-miss path of every redirect: one indexed read, the body serialised
straight to bytes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from hop_contracts import RESOLVE_PATH, ResolvedLink
from hop_links.dependencies import ServicesDep
from hop_links.errors import LinkNotFoundError
from hop_links.front import resolved_json
from hop_links.http_errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["internal"])


@router.get(
    RESOLVE_PATH,
    summary="Resolve a code (for the redirect service)",
    response_model=ResolvedLink,
    responses={404: ERROR_RESPONSES[404], 503: ERROR_RESPONSES[503]},
)
async def resolve_link(
    code: Annotated[str, Path(description="The code to resolve.")], services: ServicesDep
) -> Response:
    """Return the target, status, query forwarding, expiry and disabled state of any code."""
    try:
        link = await services.links.resolve(code)
    except LinkNotFoundError:
        services.metrics.resolves.labels("miss").inc()
        raise
    services.metrics.resolves.labels("hit").inc()
    return Response(resolved_json(link), media_type="application/json")
