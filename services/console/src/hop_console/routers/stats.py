"""Stats pages: one link's clicks (chart, breakdowns, CSV) and the owner-wide overview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from hop_console.dependencies import OwnerDep, ServicesDep
from hop_console.errors import LinkNotFoundError
from hop_console.exports import stats_csv
from hop_console.forms import DateRange, date_range
from hop_console.models import Link
from hop_console.paths import platform_of
from hop_console.peers import Caller
from hop_console.views import page
from hop_contracts import DOMAIN_NAME_MAX_LENGTH, is_code

__all__ = ["router"]

router = APIRouter()
CodePath = Annotated[str, Path(max_length=64)]
FromQuery = Annotated[str | None, Query(alias="from", max_length=10)]
ToQuery = Annotated[str | None, Query(max_length=10)]
#: The domain a code lives on ("": the platform domain).
DomainQuery = Annotated[str, Query(max_length=DOMAIN_NAME_MAX_LENGTH)]


@router.get("/links/{code}/stats")
async def link_stats(
    code: CodePath,
    services: ServicesDep,
    owner: OwnerDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    domain: DomainQuery = "",
) -> Response:
    """Show a link's clicks per day, its top breakdowns and its bot clicks, over a range."""
    days = _range(from_, to)
    link = await _link(services, owner.caller, code, domain)
    stats = await services.analytics.stats(
        owner.caller, code, start=days.start, end=days.end, domain=domain
    )
    return page(services, "stats.html", owner.session, link=link, on=domain, stats=stats, days=days)


@router.get("/links/{code}/stats.csv")
async def link_stats_csv(
    code: CodePath,
    services: ServicesDep,
    owner: OwnerDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    domain: DomainQuery = "",
) -> Response:
    """Download a link's stats over a range as CSV."""
    days = _range(from_, to)
    if not is_code(code):
        raise LinkNotFoundError(code)
    stats = await services.analytics.stats(
        owner.caller, code, start=days.start, end=days.end, domain=domain
    )
    filename = f"hop-{code}-{days.start}-{days.end}.csv"
    return Response(
        stats_csv(stats),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/overview")
async def overview(
    request: Request,
    services: ServicesDep,
    owner: OwnerDep,
    from_: FromQuery = None,
    to: ToQuery = None,
) -> Response:
    """Show the clicks of every link the owner has, added up, and the most-clicked links."""
    days = _range(from_, to)
    stats = await services.analytics.owner_stats(owner.caller, start=days.start, end=days.end)
    return page(
        services, "overview.html", owner.session, overview=stats, days=days,
        platform=platform_of(request),
    )  # fmt: skip


def _range(start: str | None, end: str | None) -> DateRange:
    return date_range(start, end, today=datetime.now(UTC).date())


async def _link(services: ServicesDep, caller: Caller, code: str, domain: str) -> Link:
    if not is_code(code):
        raise LinkNotFoundError(code)
    return await services.links.get(caller, code, domain)
