from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hop_contracts import RESERVED_CODES, is_reserved
from hop_links._cursor import decode_cursor, encode_cursor
from hop_links.codes import CodeGenerator, generate_code, validate_alias
from hop_links.errors import InvalidCursorError, InvalidLinkError
from hop_links.keys import generate_key, hash_key, key_prefix
from hop_links.validation import validate_expiry, validate_tags, validate_target

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def test_generated_codes_are_7_base62_characters_and_differ() -> None:
    codes = {generate_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9]{7}", code) for code in codes)


def test_code_generator_codes_differ_are_never_reserved_and_use_every_character() -> None:
    generate = CodeGenerator()
    codes = [generate() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Za-z0-9]{7}", code) for code in codes)
    assert not any(is_reserved(code) for code in codes)
    counts = Counter("".join(codes))
    assert len(counts) == 62
    # 70,000 characters: 1,129 of each on average; a bias of 1/62 or more shows here.
    assert min(counts.values()) > 900
    assert max(counts.values()) < 1_360


@pytest.mark.parametrize("alias", ["abc", "A-b_c", "9lives", "x" * 64])
def test_valid_alias_is_accepted(alias: str) -> None:
    assert validate_alias(alias) == alias


@pytest.mark.parametrize("alias", ["ab", "_abc", "-abc", "a.b", "a b", "é-abc", "x" * 65, "abc\n"])
def test_alias_outside_the_charset_is_refused(alias: str) -> None:
    with pytest.raises(InvalidLinkError, match="use 3 to 64 letters"):
        validate_alias(alias)


@pytest.mark.parametrize(
    "alias", ["API", "Docs", "internal", "LIVEZ", "readyz", "metrics", "static"]
)
def test_reserved_alias_is_refused_whatever_its_case(alias: str) -> None:
    with pytest.raises(InvalidLinkError, match="reserved by hop"):
        validate_alias(alias)


def test_reserved_words_include_every_management_and_docs_path() -> None:
    expected = {"api", "docs", "redoc", "openapi.json", "internal", "livez", "readyz",
                "healthz", "metrics", "static", "favicon.ico", "robots.txt"}  # fmt: skip
    assert expected <= RESERVED_CODES
    assert is_reserved("FAVICON.ICO")


@pytest.mark.parametrize(
    "url",
    ["https://example.com", "http://example.com:8080/a?b=c#d", "https://[2606:4700::1]:8443/x"],
)
def test_http_targets_are_accepted(url: str) -> None:
    assert validate_target(url, public_host="hop.example") == url


def test_target_of_2048_characters_is_the_longest_accepted() -> None:
    url = "https://example.com/" + "a" * (2048 - 20)
    assert validate_target(url, public_host="hop.example") == url
    with pytest.raises(InvalidLinkError, match="1 to 2048 characters"):
        validate_target(url + "a", public_host="hop.example")


def test_expiry_is_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    expiry = datetime(2030, 1, 1, 2, 0, tzinfo=plus_two)
    assert validate_expiry(expiry, now=NOW) == datetime(2030, 1, 1, tzinfo=UTC)
    assert validate_expiry(None, now=NOW) is None


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        (datetime(2030, 1, 1), "must carry a time zone"),
        (NOW, "must be in the future"),
        (NOW - timedelta(seconds=1), "must be in the future"),
    ],
)
def test_bad_expiry_is_refused(expiry: datetime, message: str) -> None:
    with pytest.raises(InvalidLinkError, match=message):
        validate_expiry(expiry, now=NOW)


def test_tags_are_deduplicated_sorted_and_bounded() -> None:
    assert validate_tags(["b", "a", "b"]) == ["a", "b"]
    assert validate_tags([f"t{i}" for i in range(10)] * 2) == sorted(f"t{i}" for i in range(10))
    with pytest.raises(InvalidLinkError, match="at most 10 tags"):
        validate_tags([f"t{i}" for i in range(11)])
    with pytest.raises(InvalidLinkError, match="is invalid"):
        validate_tags(["x" * 33])


def test_keys_are_random_hashed_and_identified_by_a_prefix() -> None:
    key = generate_key()
    assert re.fullmatch(r"hop_[A-Za-z0-9_-]{32}", key)
    assert key != generate_key()
    assert hash_key(key) == hash_key(key)
    assert len(hash_key(key)) == 64
    assert key_prefix(key) == key[:12]


def test_cursor_round_trips_and_refuses_forgeries() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    for forged in ["", "!!!", "bDE6", "bDE6LTE", "eDE6NDI", "bDE6" + "OTk5" * 10]:
        with pytest.raises(InvalidCursorError):
            decode_cursor(forged)
