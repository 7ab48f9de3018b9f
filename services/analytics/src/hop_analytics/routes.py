"""HTTP routes: the public stats API and the internal click intake."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hop_analytics.errors import InvalidRangeError, LinksUnavailableError
from hop_analytics.events import Click
from hop_analytics.ingestion import Ingestor
from hop_analytics.owners import OwnerChecker, Ownership
from hop_analytics.schemas import StatsResponse
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_contracts import CLICKS_PATH, STATS_PREFIX, ClickBatch, ClickIngestResult

__all__ = ["DEFAULT_RANGE_DAYS", "internal", "stats", "validate_range"]

DEFAULT_RANGE_DAYS: Final = 30
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE: Final = r"^[A-Za-z0-9_-]{1,64}$"
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")

stats = APIRouter(prefix=STATS_PREFIX, tags=["stats"])
internal = APIRouter(tags=["internal"])


def _state(request: Request, name: str) -> Any:
    return getattr(request.app.state, name)


def get_store(request: Request) -> ClickStore:
    """Return the app's store."""
    store: ClickStore = _state(request, "store")
    return store


def get_owners(request: Request) -> OwnerChecker:
    """Return the app's ownership checker."""
    owners: OwnerChecker = _state(request, "owners")
    return owners


def get_ingestor(request: Request) -> Ingestor:
    """Return the app's ingestor."""
    ingestor: Ingestor = _state(request, "ingestor")
    return ingestor


def get_settings(request: Request) -> AnalyticsSettings:
    """Return the app's settings."""
    settings: AnalyticsSettings = _state(request, "settings")
    return settings


StoreDep = Annotated[ClickStore, Depends(get_store)]
OwnersDep = Annotated[OwnerChecker, Depends(get_owners)]
IngestorDep = Annotated[Ingestor, Depends(get_ingestor)]
SettingsDep = Annotated[AnalyticsSettings, Depends(get_settings)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@stats.get(
    "/{code}",
    response_model=StatsResponse,
    responses={
        401: {"description": "Missing, unknown or revoked API key."},
        404: {"description": "No such link among the key owner's links."},
        422: {"description": "Bad date, reversed range, or range over HOP_MAX_RANGE_DAYS."},
        503: {"description": "links is unreachable; retry after the Retry-After seconds."},
    },
)
async def get_stats(
    code: Annotated[str, Path(pattern=_CODE)],
    store: StoreDep,
    owners: OwnersDep,
    settings: SettingsDep,
    credentials: CredentialsDep,
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
    try:
        start, end = validate_range(from_, to, settings.max_range_days)
    except InvalidRangeError as err:
        raise HTTPException(422, str(err)) from None
    await _require_owner(owners, credentials, code)
    result = await store.stats(code, start, end, include_bots=include_bots, top_n=settings.top_n)
    return StatsResponse.of(result)


async def _require_owner(
    owners: OwnerChecker, credentials: HTTPAuthorizationCredentials | None, code: str
) -> None:
    if credentials is None:
        raise HTTPException(
            401,
            "Missing API key; send it as 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        answer = await owners.check(f"{credentials.scheme} {credentials.credentials}", code)
    except LinksUnavailableError:
        raise HTTPException(
            503,
            "links cannot check ownership right now; retry later.",
            headers={"Retry-After": "5"},
        ) from None
    if answer is Ownership.UNAUTHENTICATED:
        raise HTTPException(
            401, "Unknown or revoked API key.", headers={"WWW-Authenticate": "Bearer"}
        )
    if answer is Ownership.NOT_OWNER:
        raise HTTPException(404, f"No link with code {code!r} among your links.")


def validate_range(start: str | None, end: str | None, max_days: int) -> tuple[date, date]:
    """Parse ``from``/``to`` (defaults: the last 30 days) or raise `InvalidRangeError`."""
    last = _parse_day("to", end) if end is not None else datetime.now(UTC).date()
    first = _parse_day("from", start) if start is not None else _default_start(last)
    if first > last:
        raise InvalidRangeError(f"'from' ({first}) is after 'to' ({last}); swap them.")
    days = (last - first).days + 1
    if days > max_days:
        raise InvalidRangeError(
            f"The range {first}..{last} covers {days} days; the maximum is {max_days}."
        )
    return first, last


def _default_start(last: date) -> date:
    try:
        return last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    except OverflowError:
        return date.min


def _parse_day(name: str, value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRangeError(
            f"{name!r} must be a date as YYYY-MM-DD, got {value[:40]!r}."
        ) from None


@internal.post(CLICKS_PATH, response_model=ClickIngestResult)
async def post_clicks(batch: ClickBatch, ingestor: IngestorDep) -> ClickIngestResult:
    """Store a batch of click events (1 to 1,000); events already stored count as duplicates."""
    ingestor.metrics.received.labels("http").inc(len(batch.events))
    clicks = [Click.from_event(event) for event in batch.events]
    outcome = await ingestor.ingest(clicks, transport="http")
    return ClickIngestResult(accepted=outcome.accepted, duplicates=outcome.duplicates)
