"""The public links API: ``/api/v1/links...``, Bearer API key on every route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from hop_contracts import LINK_IDS_PATH, LINKS_PREFIX, Link, LinkPage, OwnedLink, OwnedLinks
from hop_links.create_front import create_from_body
from hop_links.dependencies import CallerDep, LinksServices, ServicesDep
from hop_links.errors import InvalidLinkError, LinkNotFoundError
from hop_links.http_errors import ERROR_RESPONSES
from hop_links.models import BatchCreate, BatchResult, DomainName, LinkCreate, LinkUpdate, Tag
from hop_links.routers._link_bodies import batch_result, to_changes, to_draft, to_link

__all__ = ["router"]

_AUTH: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSES[401], 503: ERROR_RESPONSES[503]}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {**_AUTH, 404: ERROR_RESPONSES[404]}
router = APIRouter(prefix=LINKS_PREFIX, tags=["links"], responses=_AUTH)
CodePath = Annotated[str, Path(description="The link's code.", examples=["spring-sale"])]
DomainQuery = Annotated[
    DomainName | None,
    Query(description="The domain the code lives on; omitted: the platform domain."),
]


def _stored_domain(services: LinksServices, code: str, domain: str | None) -> str:
    """Return the stored form of a link path's domain; a name no domain has finds no link."""
    try:
        return services.links.stored_domain(domain)
    except InvalidLinkError:
        raise LinkNotFoundError(code, domain) from None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a short link",
    responses={409: ERROR_RESPONSES[409]},
)
async def create_link(body: LinkCreate, caller: CallerDep, services: ServicesDep) -> Link:
    """Create a link with a random 7-character code, or with the custom `code` given."""
    # Most creates are answered by `hop_links.create_front`; this route answers the rest.
    return await create_from_body(services, caller.owner_id, body)


@router.post(":batch", summary="Create up to 1,000 short links")
async def create_links(body: BatchCreate, caller: CallerDep, services: ServicesDep) -> BatchResult:
    """Create up to 1,000 links; each item succeeds or fails on its own.

    The answer is 200 with one result per item, in request order: `status` 201 and the
    `link`, or 409/422 and a `detail`. Only a malformed envelope fails the whole request.
    """
    drafts = [to_draft(item) for item in body.items]
    outcomes = await services.links.create_many(caller.owner_id, drafts)
    if services.shared_cache is not None:
        await services.shared_cache.put([o.link for o in outcomes if o.link is not None])
    results = [batch_result(outcome, services.settings) for outcome in outcomes]
    created = sum(1 for result in results if result.status == status.HTTP_201_CREATED)
    services.metrics.created.labels("batch").inc(created)
    return BatchResult(created=created, failed=len(results) - created, results=results)


@router.get("", summary="List your links, newest first")
async def list_links(
    caller: CallerDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Links per page.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=100, description="next_cursor of the previous page.")
    ] = None,
    tag: Annotated[Tag | None, Query(description="Only links with this tag.")] = None,
    domain: Annotated[
        DomainName | None,
        Query(description="Only links on this domain (the platform's host: platform links)."),
    ] = None,
) -> LinkPage:
    """List the caller's links, newest first, a page at a time."""
    on = None if domain is None else services.links.stored_domain(domain)
    page = await services.links.page(
        caller.owner_id, limit=limit, cursor=cursor, tag=tag, domain=on
    )
    items = [to_link(record, services.settings) for record in page.items]
    return LinkPage(items=items, next_cursor=page.next_cursor)


@router.get(
    LINK_IDS_PATH.removeprefix(LINKS_PREFIX), summary="List the ids and codes of all your links"
)
async def list_link_ids(caller: CallerDep, services: ServicesDep) -> OwnedLinks:
    """Return the stable id, the code and the domain of every link you have now, oldest first.

    analytics reads the owner-wide stats over these ids, so a deleted link (and a code
    deleted and created again by another owner) never counts for you.
    """
    owned = await services.links.owned(caller.owner_id)
    platform = services.settings.platform_domain
    return OwnedLinks(
        items=[
            OwnedLink(id=link_id, code=code, domain=domain or platform)
            for link_id, code, domain in owned
        ]
    )


@router.get("/{code}", summary="Get one of your links", responses=_NOT_FOUND)
async def get_link(
    code: CodePath, caller: CallerDep, services: ServicesDep, domain: DomainQuery = None
) -> Link:
    """Return the link; another owner's code answers 404 as if it did not exist."""
    on = _stored_domain(services, code, domain)
    return to_link(await services.links.get(caller.owner_id, code, on), services.settings)


@router.patch(
    "/{code}",
    summary="Change one of your links",
    responses={**_NOT_FOUND, 409: ERROR_RESPONSES[409]},
)
async def update_link(
    code: CodePath,
    body: LinkUpdate,
    caller: CallerDep,
    services: ServicesDep,
    domain: DomainQuery = None,
) -> Link:
    """Change the target, domain, status, query forwarding, expiry or tags, or disable it."""
    on = _stored_domain(services, code, domain)
    record = await services.links.update(caller.owner_id, code, to_changes(body), on)
    if services.shared_cache is not None:
        if record.domain != on:
            await services.shared_cache.forget([code], on)
        await services.shared_cache.put([record])
    return to_link(record, services.settings)


@router.delete(
    "/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete one of your links",
    responses=_NOT_FOUND,
)
async def delete_link(
    code: CodePath, caller: CallerDep, services: ServicesDep, domain: DomainQuery = None
) -> Response:
    """Delete the link; its code stops resolving."""
    on = _stored_domain(services, code, domain)
    await services.links.delete(caller.owner_id, code, on)
    if services.shared_cache is not None:
        await services.shared_cache.forget([code], on)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
