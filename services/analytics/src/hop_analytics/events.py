"""Click events as analytics stores them, parsed from the contract's `hop_contracts.ClickEvent`.

Both transports validate the same way: the contract (`ClickEvent`: code alphabet, link
id, no NUL or lone surrogate, bounded lengths, timestamps in range) and the clock: an
event stamped further in the future than ``max_skew`` is refused. A refusal names the
event and the field, so a sender can fix it.

Events are decoded by msgspec straight into `Click` records (the contract's constraints
stated again on its fields, a test holding the two equal), several times cheaper than
building a pydantic model per event. msgspec is stricter: whatever it refuses, and any
body that could decode differently (a ``\u0000`` escape, a fraction finer than a
microsecond, which msgspec rounds and pydantic truncates), goes through the contract's
pydantic model, whose answer (the value, or the error naming the field) is the one given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Final

import msgspec
from pydantic import TypeAdapter, ValidationError

from hop_analytics.errors import MalformedEventError
from hop_contracts import (
    MAX_BATCH_EVENTS,
    MAX_EVENT_ID_LENGTH,
    MAX_HEADER_LENGTH,
    MAX_TIMESTAMP,
    MIN_TIMESTAMP,
    ClickBatch,
    ClickEvent,
    is_code,
)

__all__ = ["Click", "EventParser"]

_BATCH: TypeAdapter[ClickBatch] = TypeAdapter(ClickBatch)
_EVENT: TypeAdapter[ClickEvent] = TypeAdapter(ClickEvent)


def _text(max_length: int, *, min_length: int = 0) -> Any:
    return Annotated[str, msgspec.Meta(min_length=min_length, max_length=max_length)]


@lru_cache(maxsize=65_536)
def _is_key(text: str) -> bool:
    # Link ids and codes repeat from event to event: most checks are one dict lookup.
    return is_code(text)


_OUT_OF_RANGE: Final = f"Timestamp must lie in {MIN_TIMESTAMP:%Y}..{MAX_TIMESTAMP:%Y} UTC"


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # beyond datetime's range once in UTC
        raise ValueError(_OUT_OF_RANGE) from None


class Click(msgspec.Struct, gc=False):
    """A validated click event (its timestamp in UTC, its country upper-cased).

    A msgspec struct that the garbage collector never tracks (it holds no containers):
    batches of them cost no collection passes. The annotations are the contract's, for
    decoding; building one directly checks the link id, the code and the timestamp.
    """

    id: _text(MAX_EVENT_ID_LENGTH, min_length=1)  # type: ignore[valid-type]
    link_id: str  # checked by `_is_key`: a pattern here costs a regex per event
    code: str
    timestamp: Annotated[datetime, msgspec.Meta(tz=True)]
    referrer: _text(MAX_HEADER_LENGTH) | None = None  # type: ignore[valid-type]
    user_agent: _text(MAX_HEADER_LENGTH) | None = None  # type: ignore[valid-type]
    is_bot: bool = False
    # \Z, not $: Python's $ also matches before a final newline, pydantic-core's does not.
    country: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{2}\Z")] | None = None
    traceparent: _text(512) | None = None  # type: ignore[valid-type]

    def __post_init__(self) -> None:
        if not (_is_key(self.link_id) and _is_key(self.code)):
            raise ValueError("A link id and a code are 1 to 64 of A-Z a-z 0-9 _ -")
        if self.timestamp.tzinfo is not UTC:
            self.timestamp = _utc(self.timestamp)
        if not MIN_TIMESTAMP <= self.timestamp < MAX_TIMESTAMP:
            raise ValueError(_OUT_OF_RANGE)
        if self.country is not None:
            self.country = self.country.upper()

    @classmethod
    def from_event(cls, event: ClickEvent) -> Click:
        """Return the record of a contract event (country upper-cased)."""
        return cls(  # positional: the field order above (keywords cost a third more here)
            event.id,
            event.link_id,
            event.code,
            event.timestamp,
            event.referrer,
            event.user_agent,
            event.is_bot,
            event.country or None,
            event.traceparent,
        )

    @property
    def day(self) -> date:
        """Return the UTC day the click happened on."""
        return self.timestamp.date()


class _Batch(msgspec.Struct, gc=False):
    events: Annotated[list[Click], msgspec.Meta(min_length=1, max_length=MAX_BATCH_EVENTS)]


_BATCH_DECODER: Final = msgspec.json.Decoder(_Batch)
_EVENT_DECODER: Final = msgspec.json.Decoder(Click)
#: A fraction of a second finer than microseconds: msgspec rounds it, pydantic truncates.
_FINE_FRACTION: Final = re.compile(rb"\.[0-9]{7}")


def _is_ambiguous(raw: bytes) -> bool:
    """Tell whether msgspec could decode ``raw`` otherwise than the contract.

    Any ``\\u`` escape (a NUL, an escaped key: redirect's encoder escapes only control
    characters), or a fine fraction. Raw control characters are refused by both.
    """
    return b"\\u" in raw or _FINE_FRACTION.search(raw) is not None


def _decode_batch(raw: bytes) -> list[Click] | None:
    """Return the clicks of a batch msgspec alone may decode, or None: ask the contract."""
    if _is_ambiguous(raw):
        return None
    try:
        return _BATCH_DECODER.decode(raw).events
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _decode_event(raw: bytes, *, checked: bool = False) -> Click | None:
    """Return the click of an event msgspec alone may decode, or None: ask the contract.

    ``checked``: the caller found ``raw`` unambiguous already (`_is_ambiguous`).
    """
    if not checked and _is_ambiguous(raw):
        return None
    try:
        return _EVENT_DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


class EventParser:
    """Validate events against the contract and the clock (``max_skew`` into the future)."""

    def __init__(self, *, max_skew: timedelta) -> None:
        self._max_skew = max_skew

    def batch(self, raw: bytes) -> list[Click]:
        """Return the clicks of a ``POST /internal/v1/clicks`` body, or raise naming the event."""
        clicks = _decode_batch(raw)
        if clicks is None:
            try:
                events = _BATCH.validate_json(raw).events
            except ValidationError as err:
                raise MalformedEventError(_describe_batch(_precise(err, raw, _BATCH))) from None
            clicks = [Click.from_event(event) for event in events]
        latest = datetime.now(UTC) + self._max_skew
        if max(click.timestamp for click in clicks) > latest:
            index = next(i for i, click in enumerate(clicks) if click.timestamp > latest)
            raise MalformedEventError(f"Event {index}: {self._future(clicks[index].timestamp)}")
        return clicks

    def event(self, raw: bytes) -> Click:
        """Return the click in one JSON document (a stream entry), or raise saying why."""
        click = _decode_event(raw)
        if click is None:
            try:
                click = Click.from_event(ClickEvent.model_validate_json(raw))
            except ValidationError as err:
                precise = _precise(err, raw, _EVENT)
                raise MalformedEventError(_describe(precise.errors()[0], "The event")) from None
        if click.timestamp > datetime.now(UTC) + self._max_skew:
            raise MalformedEventError(f"The event: {self._future(click.timestamp)}")
        return click

    def events(self, raws: Sequence[bytes]) -> list[Click | MalformedEventError]:
        """Return the click of each stream entry, or the error saying why it is refused.

        The same answers as `event` for each, with one ambiguity scan for all of them.
        """
        # The separator keeps a match from spanning two entries.
        checked = not _is_ambiguous(b"\n".join(raws))
        latest = datetime.now(UTC) + self._max_skew
        parsed: list[Click | MalformedEventError] = []
        for raw in raws:
            click = _decode_event(raw, checked=True) if checked else None
            if click is None or click.timestamp > latest:
                try:
                    click = self.event(raw)
                except MalformedEventError as err:
                    parsed.append(err)
                    continue
            parsed.append(click)
        return parsed

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
