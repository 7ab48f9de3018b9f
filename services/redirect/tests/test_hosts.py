from __future__ import annotations

import pytest

from hop_contracts import VerifiedDomains
from hop_redirect.hosts import PLATFORM, UNKNOWN, UNSURE, Hosts, canonical_host


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b"go.acme.test", "go.acme.test"),
        (b"GO.Acme.TEST", "go.acme.test"),
        (b"go.acme.test.", "go.acme.test"),
        (b"go.acme.test:8080", "go.acme.test"),
        (b"GO.ACME.TEST.:443", "go.acme.test"),
        ("bücher.example".encode(), "xn--bcher-kva.example"),
        ("BÜCHER.example.".encode(), "xn--bcher-kva.example"),
        ("bücher\u3002example".encode(), "xn--bcher-kva.example"),  # ideographic full stop
        (b"xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("go.straße.de".encode(), "go.xn--strae-oqa.de"),  # IDNA 2008, as browsers send it
        (b"go.xn--strae-oqa.de", "go.xn--strae-oqa.de"),
        (b"127.0.0.1:8080", "127.0.0.1"),
        (b"[::1]:8000", "::1"),
        (b"[0:0::1]", "::1"),
        (b"::1", "::1"),
        (b"localhost", "localhost"),
        (b"go.acme.test:", "go.acme.test"),  # an empty port is a port (RFC 9110)
    ],
)
def test_canonical_host_folds_every_spelling_of_a_name(raw: bytes, name: str) -> None:
    assert canonical_host(raw) == name


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b":80",
        b":",
        b"go.acme.test:http",
        b"go.acme.test:123456",
        b"go.acme.test:80:80x",
        b"go.acme.test/abc",
        b"user@go.acme.test",
        b"go acme.test",
        b"go..acme.test",
        b"-go.acme.test",
        b"a" * 64 + b".test",  # a label over 63 characters
        b"a." * 127 + b"test",  # a name over 253 characters
        b"[::1",
        b"[::1]x",
        b"[nope]",
        b"\xff\xfe",
        b"xn--.test",
    ],
)
def test_canonical_host_refuses_what_is_no_host(raw: bytes) -> None:
    assert canonical_host(raw) is None


def _hosts(*platform: str, size: int = 100) -> Hosts:
    return Hosts(platform, size=size)


def test_hosts_before_the_list_serve_the_settings_platform_names_and_are_unsure_of_others() -> None:
    hosts = _hosts("localhost")
    assert [hosts.learn(raw) for raw in (b"localhost:8080", b"go.acme.test", b"a..b")] == [
        PLATFORM,
        UNSURE,
        UNKNOWN,
    ]


def test_hosts_serve_the_platform_and_verified_domains_and_nothing_else() -> None:
    hosts = _hosts("localhost")
    hosts.update(VerifiedDomains(platform="hop.test", domains=["go.acme.test"]))
    answers = [
        hosts.learn(raw)
        for raw in (b"HOP.test.", b"localhost", b"Go.Acme.Test:80", b"go.other.test", b"1.2.3.4")
    ]
    assert answers == [PLATFORM, PLATFORM, "go.acme.test", UNKNOWN, UNKNOWN]
    assert hosts.known == {
        b"HOP.test.": PLATFORM,
        b"localhost": PLATFORM,
        b"Go.Acme.Test:80": "go.acme.test",
        b"go.other.test": UNKNOWN,
        b"1.2.3.4": UNKNOWN,
    }


def test_hosts_forget_what_they_learned_when_the_list_changes() -> None:
    hosts = _hosts()
    hosts.update(VerifiedDomains(platform="hop.test", domains=["go.acme.test"]))
    known = hosts.known
    assert hosts.learn(b"go.acme.test") == "go.acme.test"
    hosts.update(VerifiedDomains(platform="hop.test", domains=[]))
    assert hosts.known is known  # the front holds this very dict
    assert hosts.known == {}
    assert hosts.learn(b"go.acme.test") == UNKNOWN


def test_hosts_of_a_links_without_domains_are_all_the_platform() -> None:
    hosts = _hosts()
    hosts.update(None)
    assert [hosts.learn(raw) for raw in (b"anything.test", b"127.0.0.1")] == [PLATFORM, PLATFORM]


def test_hosts_remember_a_bounded_number_of_raw_values() -> None:
    hosts = _hosts(size=3)
    hosts.update(VerifiedDomains(platform="hop.test", domains=[]))
    for number in range(10):
        hosts.learn(f"made-up-{number}.test".encode())
    assert len(hosts.known) <= 3


def test_hosts_never_remember_a_value_too_long_to_be_a_host() -> None:
    hosts = _hosts()
    hosts.update(VerifiedDomains(platform="hop.test", domains=[]))
    assert hosts.learn(b"a" * 10_000) == UNKNOWN
    assert hosts.known == {}


@pytest.mark.parametrize(
    ("url", "served"),
    [
        ("https://go.acme.test/x", True),
        ("https://GO.ACME.TEST.:8443/x", True),
        ("http://hop.test/abc", True),
        # An extra platform name routes requests here but is not hop's public host: links
        # accepts targets on it (make run's landing pages on localhost), and so does redirect.
        ("https://localhost/abc", False),
        ("https://go.other.test/x", False),
        ("https://example.com/go.acme.test", False),
        ("https://[::1]/x", False),
    ],
)
def test_hosts_is_served_spots_targets_on_a_served_host(url: str, served: bool) -> None:
    hosts = _hosts("localhost")
    hosts.update(VerifiedDomains(platform="hop.test", domains=["go.acme.test"]))
    assert hosts.is_served(url) is served
