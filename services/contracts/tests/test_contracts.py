from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

import hop_contracts
from hop_contracts import (
    RESERVED_CODES,
    ClickBatch,
    ClickEvent,
    ResolvedLink,
    dead_letter_stream,
    is_bot,
    is_code,
    is_reserved,
    resolved_fields,
)


def test_public_api_names_each_export_once() -> None:
    assert len(set(hop_contracts.__all__)) == len(hop_contracts.__all__)
    for name in hop_contracts.__all__:
        assert getattr(hop_contracts, name) is not None


@pytest.mark.parametrize("text", ["a", "abc1234", "A-b_9", "x" * 64])
def test_is_code_accepts_the_alphabet_up_to_64(text: str) -> None:
    assert is_code(text)


@pytest.mark.parametrize("text", ["", "x" * 65, "a.b", "a/b", "é", "a b", "a\x00", "ab\n"])
def test_is_code_refuses_anything_else(text: str) -> None:
    assert not is_code(text)


@pytest.mark.parametrize(
    "word", ["api", "API", "Docs", "livez", "readyz", "metrics", "internal", "Console"]
)
def test_is_reserved_ignores_case(word: str) -> None:
    assert is_reserved(word)


def test_reserved_codes_are_lower_case() -> None:
    assert all(word == word.casefold() for word in RESERVED_CODES)


def test_is_bot_follows_uap_core() -> None:
    assert is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert not is_bot("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")


def test_resolved_link_defaults_and_statuses() -> None:
    link = ResolvedLink.model_validate_json(
        b'{"id": "f00d", "code": "abc", "url": "https://example.com/", "redirect_status": 301}'
    )
    assert link == ResolvedLink(
        id="f00d", code="abc", url="https://example.com/", redirect_status=301
    )
    with pytest.raises(ValidationError):
        ResolvedLink.model_validate(
            {"id": "f00d", "code": "a", "url": "https://x/", "redirect_status": 200}
        )


@pytest.mark.parametrize("link_id", [None, "", "x" * 65])
def test_resolved_link_needs_its_stable_id(link_id: str | None) -> None:
    body = {"code": "abc", "url": "https://example.com/", "redirect_status": 302}
    if link_id is not None:
        body["id"] = link_id
    with pytest.raises(ValidationError, match="id"):
        ResolvedLink.model_validate(body)


@pytest.mark.parametrize("link_id", [None, "", "x" * 65])
def test_click_event_needs_the_link_id(link_id: str | None) -> None:
    event = {"id": "1", "code": "abc", "timestamp": "2026-11-28T08:00:00Z"}
    if link_id is not None:
        event["link_id"] = link_id
    with pytest.raises(ValidationError, match="link_id"):
        ClickEvent.model_validate(event)


def test_click_event_timestamps_become_utc() -> None:
    event = ClickEvent.model_validate(
        {"id": "1", "link_id": "L1", "code": "abc", "timestamp": "2026-11-28T09:00:00+01:00"}
    )
    assert event.timestamp == datetime(2026, 11, 28, 8, tzinfo=UTC)
    naive = ClickEvent.model_validate(
        {"id": "1", "link_id": "L1", "code": "abc", "timestamp": "2026-11-28T08:00"}
    )
    assert naive.timestamp.tzinfo is UTC


def test_click_batch_holds_1_to_1000_events() -> None:
    event = {"id": "1", "link_id": "L1", "code": "abc", "timestamp": "2026-11-28T08:00:00Z"}
    assert len(ClickBatch.model_validate({"events": [event] * 1000}).events) == 1000
    for events in ([], [event] * 1001):
        with pytest.raises(ValidationError):
            ClickBatch.model_validate({"events": events})


def test_dead_letter_stream_is_named_after_the_stream() -> None:
    assert dead_letter_stream("hop:clicks") == "hop:clicks:dead"


@dataclass(frozen=True)
class _Record:
    id: str
    code: str
    url: str
    redirect_status: int
    forward_query: bool
    expires_at: datetime | float | None
    disabled: bool


@pytest.mark.parametrize(
    ("expires_at", "encoded"),
    [
        (datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "2030-01-02T03:04:05Z"),
        (datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp(), "2030-01-02T03:04:05Z"),
        (None, None),
    ],
)
def test_resolved_fields_are_the_resolve_body_whatever_the_record(
    expires_at: datetime | float | None, encoded: str | None
) -> None:
    record = _Record("link0001", "abc1234", "https://example.com/", 307, True, expires_at, False)
    fields = resolved_fields(record)
    assert fields == {
        "id": "link0001",
        "code": "abc1234",
        "url": "https://example.com/",
        "redirect_status": 307,
        "forward_query": True,
        "expires_at": encoded,
        "disabled": False,
    }
    assert ResolvedLink.model_validate(fields).code == "abc1234"
