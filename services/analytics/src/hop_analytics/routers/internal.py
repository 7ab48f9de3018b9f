"""The internal API (cluster-internal, never routed by the Ingress): the click intake.

The body is read and validated in one pass by pydantic-core (`EventParser.batch`), not by
FastAPI's parameter machinery: the same strict contract, without building Python dicts
of every event first. A batch with an event outside the contract is refused whole (422,
naming the event and field); events the database refuses alone are named the same way
after the others committed.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request

from hop_analytics.dependencies import IngestorDep, ParserDep
from hop_analytics.errors import MalformedEventError
from hop_contracts import CLICKS_PATH, ClickBatch, ClickIngestResult

__all__ = ["router"]

router = APIRouter(tags=["internal"])

_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ClickBatch.model_json_schema()}},
    }
}
_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    422: {"description": "An event breaks the click contract; the detail names it and its field."},
    503: {"description": "The database cannot store clicks right now; retry the batch."},
}


@router.post(
    CLICKS_PATH, response_model=ClickIngestResult, openapi_extra=_BODY, responses=_RESPONSES
)
async def post_clicks(
    request: Request, ingestor: IngestorDep, parser: ParserDep
) -> ClickIngestResult:
    """Store a batch of click events (1 to 1,000); events already stored count as duplicates."""
    received = ingestor.metrics.received.labels("http")
    try:
        clicks = parser.batch(await request.body())
    except MalformedEventError:
        received.inc()
        ingestor.metrics.rejected.labels("http").inc()
        raise
    received.inc(len(clicks))
    report = await ingestor.ingest(clicks, transport="http")
    if report.refused:
        ingestor.metrics.rejected.labels("http").inc(len(report.refused))
        first = report.refused[0]
        raise MalformedEventError(
            f"Event {first.index} ({len(report.refused)} refused, the other "
            f"{len(clicks) - len(report.refused)} stored): {first.reason}"
        )
    return ClickIngestResult(
        accepted=report.accepted, duplicates=report.duplicates, disabled=report.disabled
    )
