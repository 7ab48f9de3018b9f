"""The public stats API: a link's clicks, or all of an owner's, per day and top values.

Only the owner reads them: a link's stats after links says the key owns its code (on
``?domain=``), the owner-wide stats over the ids of the links links says the key's owner
has now (those on ``?domain=`` only, when it is given), with their clicks by domain.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query

from hop_analytics.date_range import validate_range
from hop_analytics.dependencies import AuthorizationDep, ClientAddressDep, ServicesDep
from hop_analytics.domains import canonical_domain
from hop_analytics.http_errors import ERROR_RESPONSES
from hop_analytics.schemas import owner_stats_response, stats_response
from hop_contracts import (
    CODE_PATTERN,
    DOMAIN_NAME_MAX_LENGTH,
    OWNER_STATS_PATH,
    STATS_PREFIX,
    OwnerStatsResponse,
    StatsResponse,
)

__all__ = ["router"]

_CODE: Final = f"^{CODE_PATTERN}$"

_OWNER_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    code: ERROR_RESPONSES[code] for code in (401, 422, 429, 503)
}
FromQuery = Annotated[
    str | None, Query(alias="from", description="First UTC day, YYYY-MM-DD (default: to-29).")
]
ToQuery = Annotated[str | None, Query(description="Last UTC day, YYYY-MM-DD (default: today).")]
BotsQuery = Annotated[bool, Query(description="Count bots in the top lists.")]
DomainQuery = Annotated[
    str | None,
    Query(
        max_length=4 * DOMAIN_NAME_MAX_LENGTH,
        description="A domain name (any spelling: Unicode, upper case, trailing dot).",
    ),
]

router = APIRouter(tags=["stats"])


@router.get(OWNER_STATS_PATH, response_model=OwnerStatsResponse, responses=_OWNER_RESPONSES)
async def get_owner_stats(
    services: ServicesDep,
    authorization: AuthorizationDep,
    address: ClientAddressDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    include_bots: BotsQuery = False,
    domain: DomainQuery = None,
) -> OwnerStatsResponse:
    """Return the clicks of every link the key's owner has now, added up, and the top links.

    Deleted links are not counted, nor clicks of a code's earlier owner. Same range rules
    and top lists as a link's stats; `top_links` ranks the owner's links by clicks,
    `domains` adds them up per domain. `domain` counts only the links on that domain (the
    platform's host for platform links): a domain with none of the owner's links counts 0.
    """
    settings = services.settings
    start, end = validate_range(from_, to, settings.max_range_days)
    name = canonical_domain(domain) if domain is not None else None
    links = await services.owners.owned_links(authorization, address=address)
    if name is not None:
        links = {link_id: link for link_id, link in links.items() if link.domain == name}
    result = await services.store.owner_stats(
        links, start, end, include_bots=include_bots, top_n=settings.top_n
    )
    return owner_stats_response(result)


@router.get(STATS_PREFIX + "/{code}", response_model=StatsResponse, responses=ERROR_RESPONSES)
async def get_stats(
    code: Annotated[str, Path(pattern=_CODE)],
    services: ServicesDep,
    authorization: AuthorizationDep,
    address: ClientAddressDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    include_bots: BotsQuery = False,
    domain: DomainQuery = None,
) -> StatsResponse:
    """Return a link's clicks per day and its top referrers, browsers, OSes, devices, countries.

    Only the owner of the link may read them. `domain` names the domain the code lives on
    (left out: the platform domain). A range covers at most `HOP_MAX_RANGE_DAYS` days (366
    by default); each top list has at most `HOP_TOP_N` entries (10 by default).
    """
    settings = services.settings
    start, end = validate_range(from_, to, settings.max_range_days)
    name = canonical_domain(domain) if domain is not None else None
    link_id = await services.owners.require_owner(authorization, code, address=address, domain=name)
    result = await services.store.stats(
        link_id, start, end, code=code, include_bots=include_bots, top_n=settings.top_n
    )
    return stats_response(result)
