"""Click events, as redirect produces them and analytics ingests them.

Usage::

    batch = ClickBatch.model_validate_json(body)      # POST /internal/v1/clicks
    event = ClickEvent.model_validate_json(entry)     # one Redis stream entry

An event names the link by its stable ``link_id`` (and, for people, its code), carries no
IP address, and has a unique ``id`` on which ingestion is idempotent, so at-least-once
delivery counts every click exactly once. Every text field is free of NUL characters and
lone surrogates (neither can be stored, nor encoded as UTF-8), and the timestamp lies in
`MIN_TIMESTAMP` .. `MAX_TIMESTAMP` (analytics also refuses events from the future beyond
its clock-skew allowance).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hop_contracts.codes import CODE_PATTERN
from hop_contracts.resolve import LINK_ID_PATTERN, LinkId

__all__ = [
    "CONSUMER_GROUP",
    "DEFAULT_CLICK_STREAM",
    "LINK_ID_PATTERN",
    "MAX_BATCH_EVENTS",
    "MAX_EVENT_ID_LENGTH",
    "MAX_HEADER_LENGTH",
    "MAX_TIMESTAMP",
    "MIN_TIMESTAMP",
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
#: The earliest and latest click time an event may carry (UTC).
MIN_TIMESTAMP: Final = datetime(2000, 1, 1, tzinfo=UTC)
MAX_TIMESTAMP: Final = datetime(9000, 1, 1, tzinfo=UTC)
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


#: Text any database stores and any encoder encodes: no NUL (checked by this pattern, in
#: pydantic-core), no lone surrogate (pydantic-core refuses those in every ``str``).
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class ClickEvent(BaseModel):
    """One click: which link, when, from where (referrer) and by what (user agent)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[Text, Field(min_length=1, max_length=MAX_EVENT_ID_LENGTH)]
    #: The clicked link's `ResolvedLink.id`: clicks belong to it, never to the code.
    link_id: LinkId
    code: Annotated[str, Field(pattern=f"^{CODE_PATTERN}$")]
    timestamp: datetime
    referrer: Annotated[Text, Field(max_length=MAX_HEADER_LENGTH)] | None = None
    user_agent: Annotated[Text, Field(max_length=MAX_HEADER_LENGTH)] | None = None
    is_bot: bool = False
    country: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2}$")] | None = None
    traceparent: Annotated[Text, Field(max_length=512)] | None = None

    @field_validator("timestamp")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime:
        offset = value.utcoffset()
        try:
            moment = value.replace(tzinfo=UTC) if offset is None else value.astimezone(UTC)
        except OverflowError:
            moment = MAX_TIMESTAMP  # beyond datetime's range once in UTC: far too late
        if not MIN_TIMESTAMP <= moment < MAX_TIMESTAMP:
            raise ValueError(f"Timestamp must lie in {MIN_TIMESTAMP:%Y}..{MAX_TIMESTAMP:%Y} UTC")
        return moment


class ClickBatch(BaseModel):
    """The body of ``POST /internal/v1/clicks``."""

    events: Annotated[list[ClickEvent], Field(min_length=1, max_length=MAX_BATCH_EVENTS)]


class ClickIngestResult(BaseModel):
    """The answer to a batch: how many events were new, how many already known.

    ``disabled`` events belong to a link inside one of its disabled periods (redirect
    served it from its cache after the disable): not counted (unless analytics learns
    later that the link was enabled again before they occurred).
    """

    accepted: int
    duplicates: int
    disabled: int = 0
