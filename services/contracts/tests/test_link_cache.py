"""The shared cache's entries: what links and redirect write, redirect reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from hop_contracts import (
    DEFAULT_LINK_CACHE_PREFIX,
    CachedLink,
    cached_link,
    decode_cached_link,
    encode_cached_link,
    link_cache_key,
)

LINK = CachedLink(
    id="5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
    code="abc1234",
    url="https://example.com/x",
    redirect_status=301,
    forward_query=True,
    expires_at=1893456000.0,
    disabled=False,
)


def test_key_is_the_prefix_and_the_code() -> None:
    assert link_cache_key("abc1234") == "hop:redirect:link:abc1234"
    assert link_cache_key("abc1234", "x:") == "x:abc1234"
    assert DEFAULT_LINK_CACHE_PREFIX == "hop:redirect:link:"


@pytest.mark.parametrize("link", [LINK, None])
def test_entries_decode_to_what_was_encoded(link: CachedLink | None) -> None:
    assert decode_cached_link(encode_cached_link(link, stored_at=1700000000.5)) == (
        link,
        1700000000.5,
    )


@pytest.mark.parametrize(
    "raw",
    [
        # written by redirect before links had stable ids: a miss, not a crash
        b'{"link": {"code": "abc", "url": "https://e.com/", "redirect_status": 302,'
        b' "forward_query": false, "expires_at": null, "disabled": false}, "stored_at": 1.0}',
        b'{"link": {"id": "", "code": "abc", "url": "https://e.com/", "redirect_status": 302,'
        b' "forward_query": false, "expires_at": null, "disabled": false}, "stored_at": 1.0}',
        b'{"link": {"id": "a", "code": "abc", "url": "https://e.com/", "redirect_status": 200,'
        b' "forward_query": false, "expires_at": null, "disabled": false}, "stored_at": 1.0}',
        b'{"stored_at": 1.0}',
        b'{"link": null}',
        b"[1, 2]",
        b"not json",
        b'{"link": 5, "stored_at": 1.0}',
    ],
)
def test_malformed_or_old_entries_raise_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        decode_cached_link(raw)


@dataclass(slots=True, frozen=True)
class Record:
    id: str
    code: str
    url: str
    redirect_status: int
    forward_query: bool
    expires_at: datetime | float | None
    disabled: bool


def test_cached_link_takes_a_records_fields_and_its_expiry_in_epoch_seconds() -> None:
    fields = (LINK["id"], "abc1234", "https://example.com/x", 301, True)
    expiry = datetime.fromtimestamp(1893456000.0, tz=UTC)

    assert cached_link(Record(*fields, expiry, False)) == LINK  # links' records: a datetime
    assert cached_link(Record(*fields, 1893456000.0, False)) == LINK  # redirect's: seconds
    assert cached_link(Record(*fields, None, False))["expires_at"] is None
