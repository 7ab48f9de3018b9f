"""The public stats API: a link's clicks per day and its top values, for its owner only."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Query

from hop_analytics.date_range import validate_range
from hop_analytics.dependencies import AuthorizationDep, ServicesDep
from hop_analytics.http_errors import ERROR_RESPONSES
from hop_analytics.schemas import StatsResponse
from hop_contracts import CODE_PATTERN, STATS_PREFIX

__all__ = ["router"]

_CODE: Final = f"^{CODE_PATTERN}$"

router = APIRouter(prefix=STATS_PREFIX, tags=["stats"])


@router.get("/{code}", response_model=StatsResponse, responses=ERROR_RESPONSES)
async def get_stats(
    code: Annotated[str, Path(pattern=_CODE)],
    services: ServicesDep,
    authorization: AuthorizationDep,
    from_: Annotated[
        str | None, Query(alias="from", description="First UTC day, YYYY-MM-DD (default: to-29).")
    ] = None,
    to: Annotated[
        str | None, Query(description="Last UTC day, YYYY-MM-DD (default: today).")
    ] = None,
    include_bots: Annotated[bool, Query(description="Count bots in the top lists.")] = False,
) -> StatsResponse:
    """Return a link's clicks per day and its top referrers, browsers, OSes, devices, countries.

    Only the owner of the link may read them. A range covers at most `HOP_MAX_RANGE_DAYS`
    days (366 by default); each top list has at most `HOP_TOP_N` entries (10 by default).
    """
    settings = services.settings
    start, end = validate_range(from_, to, settings.max_range_days)
    link_id = await services.owners.require_owner(authorization, code)
    result = await services.store.stats(
        link_id, start, end, code=code, include_bots=include_bots, top_n=settings.top_n
    )
    return StatsResponse.of(result)
