"""Click events as they cross the wire (the contract `redirect` produces), and as stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "Click",
    "ClickBatch",
    "ClickEvent",
    "ClickIngestResult",
    "MalformedEventError",
    "parse_event_json",
]

Code = Annotated[str, Field(min_length=1, max_length=64)]


class MalformedEventError(ValueError):
    """Raise when a click event does not follow the contract; the message says why."""


class ClickEvent(BaseModel):
    """One click, as `redirect` sends it (docs/contracts.md)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=64)]
    code: Code
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

    def to_click(self) -> Click:
        """Return the internal record of this event."""
        return Click(
            id=self.id,
            code=self.code,
            timestamp=self.timestamp,
            referrer=self.referrer,
            user_agent=self.user_agent,
            is_bot=self.is_bot,
            country=self.country.upper() if self.country else None,
            traceparent=self.traceparent,
        )


class ClickBatch(BaseModel):
    """The body of ``POST /internal/v1/clicks``."""

    events: Annotated[list[ClickEvent], Field(min_length=1, max_length=1000)]


class ClickIngestResult(BaseModel):
    """The answer to a batch: how many events were new, how many already known."""

    accepted: int
    duplicates: int


@dataclass(slots=True, frozen=True)
class Click:
    """A validated click event."""

    id: str
    code: str
    timestamp: datetime
    referrer: str | None
    user_agent: str | None
    is_bot: bool
    country: str | None
    traceparent: str | None = None

    @property
    def day(self) -> date:
        """Return the UTC day the click happened on."""
        return self.timestamp.date()


def parse_event_json(raw: bytes | str) -> Click:
    """Return the click in a JSON document, or raise `MalformedEventError` saying why."""
    try:
        return ClickEvent.model_validate_json(raw).to_click()
    except ValidationError as err:
        raise MalformedEventError(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"[:300]
