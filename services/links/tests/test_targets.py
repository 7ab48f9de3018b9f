"""Targets that would turn a link against its users or hop: refused, whatever the spelling."""

from __future__ import annotations

import re

import pytest

from hop_instrumentation.testing import app_client
from hop_links.errors import InvalidLinkError
from hop_links.hosts import InvalidHostError, canonical_host
from hop_links.validation import validate_target

from .conftest import PUBLIC_BASE_URL, bearer, build_app, new_key

LOOPBACK_SPELLINGS = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7F000001/",
    "http://0177.0.0.1/",
    "http://127.000.000.001/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[::1]/",
    "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/",  # full-width digits
    "http://%31%32%37.0.0.1/",
    "http://127.0.0.1./",
    "http://0/",
    "http://0.0.0.0:8000/",
    "http://localhost/",
    "http://LocalHost./x",
    "http://api.localhost/",
]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused(url: str) -> None:
    with pytest.raises(InvalidLinkError, match=r"is a loopback address") as raised:
        validate_target(url, public_host="hop.test")
    assert raised.value.field == "url"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://3232235777/", "private"),  # 192.168.1.1 as one number
        ("http://[fd00::1]/", "private"),
        ("http://100.64.0.1/", "private"),  # carrier-grade NAT
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://0xa9fea9fe/", "metadata"),  # 169.254.169.254 in hex
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://169.254.1.1/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_internal_targets_are_refused_and_named(url: str, kind: str) -> None:
    with pytest.raises(InvalidLinkError, match=f"is a {kind} address"):
        validate_target(url, public_host="hop.test")


@pytest.mark.parametrize(
    "url",
    [
        "https://HOP.test/x",
        "https://hop.test./x",
        "https://hop.test:8443/x",
        "https://h\uff4fp.test/x",  # full-width letter o
        "https://hop%2Etest/x",
    ],
)
def test_loop_guard_refuses_hops_own_host_in_any_spelling(url: str) -> None:
    with pytest.raises(InvalidLinkError, match=re.escape("hop's own host 'hop.test'")):
        validate_target(url, public_host="hop.test")


def test_loop_guard_compares_international_hosts_as_punycode() -> None:
    for url in (
        "https://b\u00fccher.example/",
        "https://xn--bcher-kva.example/",
        "https://B\u00dcCHER.example./",
    ):
        with pytest.raises(
            InvalidLinkError, match=re.escape("hop's own host 'xn--bcher-kva.example'")
        ):
            validate_target(url, public_host="b\u00fccher.example")
    with pytest.raises(InvalidLinkError, match="own host"):
        validate_target("https://b\u00fccher.example/", public_host="xn--bcher-kva.example")


def test_loop_guard_compares_ip_hosts_after_normalisation() -> None:
    with pytest.raises(InvalidLinkError, match=re.escape("hop's own host '203.0.113.7'")):
        validate_target("http://3405803783/", public_host="203.0.113.7", allow_internal=True)


@pytest.mark.parametrize(
    "url",
    ["http://1.2.3.4.5/", "http://256.0.0.1/", "http://0x1g.1/", "http://09.1.1.1/"],
)
def test_hosts_that_look_like_numbers_but_are_no_address_are_refused(url: str) -> None:
    with pytest.raises(InvalidLinkError, match="not a valid IPv4 address"):
        validate_target(url, public_host="hop.test")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "https://8.8.8.8/dns",
        "https://[2606:4700:4700::1111]/",
        "https://b\u00fccher.example/",
        "https://example.com.",
        "https://1example.com/",
    ],
)
def test_public_targets_are_accepted(url: str) -> None:
    assert validate_target(url, public_host="hop.test") == url


def test_internal_targets_are_accepted_when_the_setting_allows_them() -> None:
    for url in ("http://10.0.0.5/wiki", "http://localhost:3000/", "http://127.1/"):
        assert validate_target(url, public_host="hop.test", allow_internal=True) == url


def test_canonical_host_refuses_what_cannot_be_a_host() -> None:
    with pytest.raises(InvalidHostError):
        canonical_host("[::zz]")
    assert canonical_host("[::FFFF:127.0.0.1]").name == "127.0.0.1"


@pytest.mark.parametrize(
    "url", ["http://127.1/", "http://[::ffff:127.0.0.1]/", "http://localhost/"]
)
async def test_api_answers_422_saying_what_was_wrong(database_url: str, url: str) -> None:
    app = build_app(database_url)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        created = await client.post("/api/v1/links", json={"url": url}, headers=auth)
        await client.post(
            "/api/v1/links", json={"url": "https://example.com/", "code": "fine01"}, headers=auth
        )
        patched = await client.patch("/api/v1/links/fine01", json={"url": url}, headers=auth)
    for answer in (created, patched):
        assert answer.status_code == 422
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "url"]
        assert "is a loopback address" in error["msg"]


async def test_api_accepts_internal_targets_when_allowed(database_url: str) -> None:
    app = build_app(database_url, allow_internal_targets=True)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        created = await client.post(
            "/api/v1/links", json={"url": "http://10.0.0.5/wiki"}, headers=auth
        )
        looped = await client.post(
            "/api/v1/links", json={"url": f"{PUBLIC_BASE_URL}./x"}, headers=auth
        )
    assert created.status_code == 201
    assert looped.status_code == 422
