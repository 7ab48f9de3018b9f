"""Click events as analytics stores them, parsed from the contract's `hop_contracts.ClickEvent`.

Both transports validate the same way: the contract (`ClickEvent`: code alphabet, link
id, no NUL or lone surrogate, bounded lengths, timestamps in range) and the clock: an
event stamped further in the future than ``max_skew`` is refused. A refusal names the
event and the field, so a sender can fix it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hop_analytics.errors import MalformedEventError
from hop_contracts import ClickBatch, ClickEvent

__all__ = ["Click", "EventParser"]

_BATCH: TypeAdapter[ClickBatch] = TypeAdapter(ClickBatch)
_EVENT: TypeAdapter[ClickEvent] = TypeAdapter(ClickEvent)


@dataclass(slots=True)
class Click:
    """A validated click event.

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, which
    made building the records several times slower than validating the events.
    """

    id: str
    link_id: str
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
        country = event.country
        return cls(  # positional: the field order above (keywords cost a third more here)
            event.id,
            event.link_id,
            event.code,
            event.timestamp,
            event.referrer,
            event.user_agent,
            event.is_bot,
            country.upper() if country else None,
            event.traceparent,
        )

    @property
    def day(self) -> date:
        """Return the UTC day the click happened on."""
        return self.timestamp.date()


class EventParser:
    """Validate events against the contract and the clock (``max_skew`` into the future)."""

    def __init__(self, *, max_skew: timedelta) -> None:
        self._max_skew = max_skew

    def batch(self, raw: bytes) -> list[Click]:
        """Return the clicks of a ``POST /internal/v1/clicks`` body, or raise naming the event."""
        try:
            events = _BATCH.validate_json(raw).events
        except ValidationError as err:
            raise MalformedEventError(_describe_batch(_precise(err, raw, _BATCH))) from None
        latest = datetime.now(UTC) + self._max_skew
        for index, event in enumerate(events):
            if event.timestamp > latest:
                raise MalformedEventError(f"Event {index}: {self._future(event.timestamp)}")
        return [Click.from_event(event) for event in events]

    def event(self, raw: bytes | str) -> Click:
        """Return the click in one JSON document (a stream entry), or raise saying why."""
        try:
            event = ClickEvent.model_validate_json(raw)
        except ValidationError as err:
            precise = _precise(err, raw, _EVENT)
            raise MalformedEventError(_describe(precise.errors()[0], "The event")) from None
        if event.timestamp > datetime.now(UTC) + self._max_skew:
            raise MalformedEventError(f"The event: {self._future(event.timestamp)}")
        return Click.from_event(event)

    def _future(self, moment: datetime) -> str:
        skew = self._max_skew.total_seconds()
        return (
            f"field 'timestamp' ({moment.isoformat()}) lies more than {skew:g} s in the "
            "future; send the time the click happened (HOP_CLICK_MAX_FUTURE_SKEW)."
        )


def _precise(err: ValidationError, raw: bytes | str, adapter: TypeAdapter[Any]) -> ValidationError:
    """Return an error that names the field where the JSON parser only saw bad JSON.

    pydantic-core's parser refuses a lone surrogate escape (``"\\ud800"``) as invalid
    JSON, without a location; Python's parser accepts it, so validating its result names
    the event and the field the surrogate is in.
    """
    if err.errors()[0]["type"] != "json_invalid":
        return err
    try:
        document = json.loads(raw)
        adapter.validate_python(document)
    except ValidationError as located:
        return located
    except ValueError:
        return err
    return err


def _describe_batch(err: ValidationError) -> str:
    first = err.errors()[0]
    where = list(first["loc"])
    if len(where) >= 2 and where[0] == "events" and isinstance(where[1], int):
        return _describe({**first, "loc": tuple(where[2:])}, f"Event {where[1]}")
    return _describe(first, "The batch")


def _describe(error: Any, subject: str) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).rstrip(".")
    if not where:
        return f"{subject} is invalid: {message}."[:400]
    return f"{subject}: field '{where}' is invalid: {message}."[:400]
