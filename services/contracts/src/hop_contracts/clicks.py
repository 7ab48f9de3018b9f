"""Click events, as redirect produces them and analytics ingests them.

Usage::

    batch = ClickBatch.model_validate_json(body)      # POST /internal/v1/clicks
    event = ClickEvent.model_validate_json(entry)     # one Redis stream entry

An event names the link by its stable id (and its code), carries no IP address, and has a
unique ``id`` on which ingestion is idempotent, so at-least-once delivery counts every
click exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hop_contracts.codes import CODE_MAX_LENGTH
from hop_contracts.resolve import LinkId

__all__ = [
    "CONSUMER_GROUP",
    "DEFAULT_CLICK_STREAM",
    "MAX_BATCH_EVENTS",
    "MAX_EVENT_ID_LENGTH",
    "MAX_HEADER_LENGTH",
    "ClickBatch",
    "ClickEvent",
    "ClickIngestResult",
    "ClickTransport",
    "dead_letter_stream",
]

#: The most events one ``POST /internal/v1/clicks`` may carry.
MAX_BATCH_EVENTS: Final = 1000
MAX_EVENT_ID_LENGTH: Final = 64
#: The longest referrer or user agent an event may carry (redirect truncates to it).
MAX_HEADER_LENGTH: Final = 2048
DEFAULT_CLICK_STREAM: Final = "hop:clicks"
#: The Redis consumer group analytics reads the stream with.
CONSUMER_GROUP: Final = "analytics"


class ClickTransport(StrEnum):
    """How click events travel from redirect to analytics."""

    #: Batches posted to analytics' ``/internal/v1/clicks`` (the local default).
    HTTP = "http"
    #: One Redis stream entry per event, read by a consumer group (the cluster default).
    REDIS = "redis"


def dead_letter_stream(stream: str) -> str:
    """Return the stream that holds the entries of ``stream`` analytics could not ingest."""
    return f"{stream}:dead"


class ClickEvent(BaseModel):
    """One click: which code, when, from where (referrer) and by what (user agent)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=MAX_EVENT_ID_LENGTH)]
    #: The clicked link's `ResolvedLink.id`: stats belong to it, not to the code.
    link_id: LinkId
    code: Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH)]
    timestamp: datetime
    referrer: Annotated[str, Field(max_length=8192)] | None = None
    user_agent: Annotated[str, Field(max_length=8192)] | None = None
    is_bot: bool = False
    country: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2}$")] | None = None
    traceparent: Annotated[str, Field(max_length=512)] | None = None

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        offset = value.utcoffset()
        if offset is None or not offset:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ClickBatch(BaseModel):
    """The body of ``POST /internal/v1/clicks``."""

    events: Annotated[list[ClickEvent], Field(min_length=1, max_length=MAX_BATCH_EVENTS)]


class ClickIngestResult(BaseModel):
    """The answer to a batch: how many events were new, how many already known."""

    accepted: int
    duplicates: int
