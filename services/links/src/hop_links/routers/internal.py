"""The internal API (cluster-internal, never routed by the Ingress).

Resolving a code is the cache-miss path of every redirect: one indexed read, the body
serialised straight to bytes. redirect sends the misses it has pending at once as one
batch (`RESOLVE_BATCH_PATH`), answered with one statement. The feed of disables and
enables is what analytics reads to stop counting a disabled link's clicks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from hop_contracts import (
    LINK_CHANGES_PATH,
    MAX_LINK_CHANGES,
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    VERIFIED_DOMAINS_PATH,
    LinkChange,
    LinkChangePage,
    ResolvedLink,
    ResolvedLinks,
    ResolveRequest,
    VerifiedDomains,
)
from hop_links.dependencies import ServicesDep
from hop_links.domain_store import resolved_domain
from hop_links.errors import LinkNotFoundError
from hop_links.front import resolved_json, resolved_links_json
from hop_links.http_errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["internal"])
_MAX_SEQ = 2**63 - 1


@router.get(
    RESOLVE_PATH,
    summary="Resolve a code (for the redirect service)",
    response_model=ResolvedLink,
    responses={404: ERROR_RESPONSES[404], 503: ERROR_RESPONSES[503]},
)
async def resolve_link(
    code: Annotated[str, Path(description="The code to resolve.")],
    services: ServicesDep,
    domain: Annotated[
        str | None,
        Query(
            max_length=1024,
            description="The verified branded domain the code lives on; omitted: the "
            "platform domain. An unknown or unverified domain answers 404.",
        ),
    ] = None,
) -> Response:
    """Return the target, status, query forwarding, expiry and disabled state of any code."""
    try:
        link = await services.resolver.resolve(
            code, resolved_domain(domain, services.settings.platform_domain)
        )
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
    found = await services.resolver.resolve_many(
        list(codes), resolved_domain(body.domain, services.settings.platform_domain)
    )
    services.metrics.resolves.labels("hit").inc(len(found))
    services.metrics.resolves.labels("miss").inc(len(codes) - len(found))
    return Response(resolved_links_json(codes, found), media_type="application/json")


@router.get(
    VERIFIED_DOMAINS_PATH,
    summary="The hosts redirect serves: the platform's and every verified domain",
    responses={503: ERROR_RESPONSES[503]},
)
async def verified_domains(services: ServicesDep) -> VerifiedDomains:
    """Return the platform domain and every verified branded domain (canonical names)."""
    names = await services.domains.verified_names()
    return VerifiedDomains(platform=services.settings.platform_domain, domains=names)


@router.get(
    LINK_CHANGES_PATH,
    summary="Disables and enables of links, in commit order (for the analytics service)",
    response_model=LinkChangePage,
    responses={503: ERROR_RESPONSES[503]},
)
async def link_changes(
    services: ServicesDep,
    after: Annotated[
        int, Query(ge=0, le=_MAX_SEQ, description="The last seq already read (0: from the start).")
    ] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LINK_CHANGES, description="The most changes to return.")
    ] = 100,
) -> LinkChangePage:
    """Return the transitions of links' ``disabled`` flag after ``after``, oldest first."""
    changes = await services.links.state_changes(after=after, limit=limit)
    items = [
        LinkChange(seq=c.seq, link_id=c.link_id, disabled=c.disabled, at=c.at) for c in changes
    ]
    return LinkChangePage(items=items, next_after=items[-1].seq if items else after)
