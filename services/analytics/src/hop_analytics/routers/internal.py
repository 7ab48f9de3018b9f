"""The internal API (cluster-internal, never routed by the Ingress): the click intake."""

from __future__ import annotations

from fastapi import APIRouter

from hop_analytics.dependencies import IngestorDep
from hop_analytics.events import Click
from hop_contracts import CLICKS_PATH, ClickBatch, ClickIngestResult

__all__ = ["router"]

router = APIRouter(tags=["internal"])


@router.post(CLICKS_PATH, response_model=ClickIngestResult)
async def post_clicks(batch: ClickBatch, ingestor: IngestorDep) -> ClickIngestResult:
    """Store a batch of click events (1 to 1,000); events already stored count as duplicates."""
    ingestor.metrics.received.labels("http").inc(len(batch.events))
    clicks = [Click.from_event(event) for event in batch.events]
    outcome = await ingestor.ingest(clicks, transport="http")
    return ClickIngestResult(accepted=outcome.accepted, duplicates=outcome.duplicates)
