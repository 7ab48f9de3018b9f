"""Events decode by msgspec exactly as the contract's pydantic model would, or not at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hop_analytics.errors import MalformedEventError
from hop_analytics.events import Click, EventParser, _decode_batch, _decode_event
from hop_contracts import ClickBatch, ClickEvent

from .test_properties import _TIMESTAMPS, events

_PARSER = EventParser(max_skew=timedelta(minutes=1))
_TRICKY_TIMESTAMPS = st.sampled_from(
    [
        "2026-01-01T00:00:00Z",
        "2026-01-01t00:00:00z",
        "2026-01-01 00:00:00.5Z",
        "2026-01-01T00:00:00.9999999Z",  # msgspec rounds past microseconds, pydantic truncates
        "2026-01-01T23:59:59.99999951Z",
        "2026-01-01T00:00:00+02:00",
        "2026-01-01T00:00:00.5+0200",
        "2026-01-01T00:00:00-00:00",
        "2026-01-01T00:00Z",
        "2026-01-01T00:00:00,5Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:59:60Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:00:00",
        "1999-12-31T23:59:59Z",
        "8999-12-31T23:59:59+23:59",
        "9999-12-31T23:59:59-23:59",
    ]
)
_TRICKY_KEYS = st.sampled_from(["abc", "ab\n", "a b", "-_", "x" * 64, "x" * 65, "", "é"])


def _contract(raw: bytes) -> Click | None:
    try:
        return Click.from_event(ClickEvent.model_validate_json(raw))
    except ValidationError:
        return None


def _redirect_event(**fields: Any) -> dict[str, Any]:
    """An event as redirect's encoder writes it (orjson: no ``\\u`` escapes, milliseconds)."""
    return {
        "id": "0b6f1d0c6a9e4c7f9d2b1a3e5f7c9d11",
        "link_id": "L1",
        "code": "abc1234",
        "timestamp": "2026-12-08T00:12:34.567Z",
        "referrer": "https://news.example/a",
        "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)",
        "is_bot": False,
        "country": "de",
        **fields,
    }


@settings(max_examples=300, deadline=None)
@given(
    event=events(),
    timestamp=st.one_of(_TRICKY_TIMESTAMPS, _TIMESTAMPS),
    link_id=st.one_of(_TRICKY_KEYS, st.just("L1")),
    code=st.one_of(_TRICKY_KEYS, st.just("abc")),
    country=st.sampled_from(["us", "US", "U\n", "u1", "", "ÜS", None]),
)
def test_decode_event_any_event_gives_the_contracts_click_or_defers_to_it(
    event: dict[str, Any], timestamp: Any, link_id: str, code: str, country: str | None
) -> None:
    event = {**event, "timestamp": timestamp, "link_id": link_id, "code": code}
    if country is not None:
        event["country"] = country
    raw = json.dumps(event, ensure_ascii=False).encode("utf-8", "surrogatepass")
    fast = _decode_event(raw)
    if fast is not None:
        assert fast == _contract(raw)
        assert fast.timestamp.tzinfo is UTC


def test_decode_batch_redirect_shaped_batch_needs_no_pydantic() -> None:
    body = json.dumps({"events": [_redirect_event(), _redirect_event(id="b")]}).encode()
    clicks = _decode_batch(body)
    expected = [Click.from_event(e) for e in ClickBatch.model_validate_json(body).events]
    assert clicks == expected
    assert clicks[0].country == "DE"


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"timestamp": "2026-01-01T23:59:59.9999999Z"}, datetime(2026, 1, 1, 23, 59, 59, 999_999)),
        ({"timestamp": "2026-01-01T01:00:00+02:00"}, datetime(2025, 12, 31, 23, 0)),
        ({"timestamp": 1_767_225_600}, datetime(2026, 1, 1)),  # lax: pydantic takes seconds
    ],
)
def test_parser_batch_what_msgspec_reads_otherwise_is_read_as_the_contract_reads_it(
    fields: dict[str, Any], stored: datetime
) -> None:
    body = json.dumps({"events": [_redirect_event(**fields)]}).encode()
    [click] = _PARSER.batch(body)
    assert click.timestamp == stored.replace(tzinfo=UTC)
    assert click.timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "ab\n"}, "Event 0: field 'code' is invalid: String should match pattern"),
        ({"id": "a\u0000b"}, "Event 0: field 'id' is invalid: String should match pattern"),
        ({"country": "DE\n"}, "Event 0: field 'country' is invalid: String should match pattern"),
        ({"timestamp": "1999-12-31T23:59:59Z"}, "Event 0: field 'timestamp' is invalid: Value"),
    ],
)
def test_parser_batch_event_msgspec_refuses_is_named_by_the_contract(
    fields: dict[str, Any], message: str
) -> None:
    body = json.dumps({"events": [_redirect_event(**fields)]}).encode()
    with pytest.raises(MalformedEventError) as caught:
        _PARSER.batch(body)
    assert caught.value.message.startswith(message)


def test_parser_event_stream_entry_decodes_like_a_batch_event() -> None:
    raw = json.dumps(_redirect_event()).encode()
    assert _PARSER.event(raw) == _PARSER.batch(b'{"events": [' + raw + b"]}")[0]


def test_parser_events_answers_each_entry_as_event_does() -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    raws = [
        json.dumps(_redirect_event()).encode(),
        json.dumps(_redirect_event(id="fine", timestamp="2026-01-01T00:00:00.9999999Z")).encode(),
        json.dumps(_redirect_event(id="nul\u0000")).encode(),
        json.dumps(_redirect_event(id="late", timestamp=future)).encode(),
        b"not json",
        b"",
    ]
    answers = _PARSER.events(raws)
    for raw, answer in zip(raws, answers, strict=True):
        try:
            expected: Click | str = _PARSER.event(raw)
        except MalformedEventError as err:
            expected = err.message
        assert (answer.message if isinstance(answer, MalformedEventError) else answer) == expected
    assert [isinstance(answer, Click) for answer in answers] == [True, True] + [False] * 4
