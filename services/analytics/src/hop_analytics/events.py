"""Click events as analytics stores them, parsed from the contract's `hop_contracts.ClickEvent`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError

from hop_analytics.errors import MalformedEventError
from hop_contracts import ClickEvent

__all__ = ["Click", "parse_event_json"]


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

    @classmethod
    def from_event(cls, event: ClickEvent) -> Click:
        """Return the record of a contract event (country upper-cased)."""
        return cls(
            id=event.id,
            code=event.code,
            timestamp=event.timestamp,
            referrer=event.referrer,
            user_agent=event.user_agent,
            is_bot=event.is_bot,
            country=event.country.upper() if event.country else None,
            traceparent=event.traceparent,
        )

    @property
    def day(self) -> date:
        """Return the UTC day the click happened on."""
        return self.timestamp.date()


def parse_event_json(raw: bytes | str) -> Click:
    """Return the click in a JSON document, or raise `MalformedEventError` saying why."""
    try:
        return Click.from_event(ClickEvent.model_validate_json(raw))
    except ValidationError as err:
        raise MalformedEventError(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"[:300]
