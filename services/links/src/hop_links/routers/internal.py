"""The internal API (cluster-internal, never routed by the Ingress): resolve codes.

This is the cache-miss path of every redirect: one indexed read, the body serialised
straight to bytes. redirect sends the misses it has pending at once as one batch
(`RESOLVE_BATCH_PATH`), answered with one statement.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from hop_contracts import (
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    ResolvedLink,
    ResolvedLinks,
    ResolveRequest,
)
from hop_links.dependencies import ServicesDep
from hop_links.errors import LinkNotFoundError
from hop_links.front import resolved_json, resolved_links_json
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


@router.post(
    RESOLVE_BATCH_PATH,
    summary="Resolve many codes at once (for the redirect service)",
    response_model=ResolvedLinks,
    responses={503: ERROR_RESPONSES[503]},
)
async def resolve_links(body: ResolveRequest, services: ServicesDep) -> Response:
    """Return every code asked for with what a resolve of it answers, or null if unknown."""
    codes = dict.fromkeys(body.codes)  # asked twice, answered once; the order kept
    resolver = services.resolver
    if resolver is not None:
        found = await resolver.resolve_many(list(codes))
    else:
        found = await services.links.resolve_many(list(codes))
    services.metrics.resolves.labels("hit").inc(len(found))
    services.metrics.resolves.labels("miss").inc(len(codes) - len(found))
    return Response(resolved_links_json(codes, found), media_type="application/json")
