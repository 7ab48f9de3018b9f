from __future__ import annotations

import pytest

from hop_links.domain_names import DomainRules, canonical_name
from hop_links.errors import InvalidDomainError

RULES = DomainRules(platform_host="hop.test", denied=("evil.example",))


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("go.acme.com", "go.acme.com"),
        ("Go.ACME.com", "go.acme.com"),
        ("go.acme.com.", "go.acme.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example.", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        # IDNA 2008 as browsers compute it: ß is kept (IDNA 2003 folded it to "ss", a name
        # no browser sends, and refused the browser's punycode as not round-tripping).
        ("go.straße.de", "go.xn--strae-oqa.de"),
        ("go.xn--strae-oqa.de", "go.xn--strae-oqa.de"),
        ("go.strasse.de", "go.strasse.de"),
        ("go\u3002acme\uff0ecom", "go.acme.com"),  # ideographic and full-width dots
        ("a-b.c0", "a-b.c0"),
        ("go.acme.test", "go.acme.test"),
        (".".join(["a" * 63] * 3) + ".com", ".".join(["a" * 63] * 3) + ".com"),
    ],
)
def test_canonical_name_folds_every_spelling_to_one(written: str, canonical: str) -> None:
    assert canonical_name(written, RULES) == canonical


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("go.acme.com:8080", "carries a port"),
        ("go.acme.com:", "carries a port"),
        ("192.0.2.1", "IP address"),
        ("2130706433", "IP address"),
        ("0x7f.1", "IP address"),
        ("[::1]", "IP address"),
        ("::1", "IP address"),
        ("https://go.acme.com", "not a domain name"),
        ("go.acme.com/path", "not a domain name"),
        ("user@go.acme.com", "not a domain name"),
        ("go acme.com", "not a domain name"),
        ("go.acme.com%3A8080", "not a domain name"),
        ("go%2Eacme.com", "not a domain name"),
        ("com", "one label"),
        ("a" * 64 + ".com", "label of 64 characters"),
        ("go..acme.com", "label of 0 characters"),
        (".".join(["a" * 63] * 4) + ".com", "the most is 253"),
        ("-go.acme.com", "invalid label"),
        ("go-.acme.com", "invalid label"),
        ("go_x.acme.com", "invalid label"),
        ("xn--zz.example", "invalid label"),
        ("localhost", "one label"),
        ("app.localhost", "loopback name"),
        ("metadata.google.internal", "metadata name"),
        ("hop.test", "own host"),
        ("HOP.test.", "own host"),
        ("go.hop.test", "subdomain of this hop's own host"),
        ("evil.example", "not allowed"),
        ("a.b.Evil.Example", "not allowed"),
    ],
)
def test_canonical_name_refuses_with_what_was_wrong(written: str, says: str) -> None:
    with pytest.raises(InvalidDomainError) as raised:
        canonical_name(written, RULES)
    assert says in raised.value.message


def test_subdomains_of_the_platform_host_are_allowed_when_the_operator_says() -> None:
    rules = DomainRules(platform_host="hop.test", allow_platform_subdomains=True)
    assert canonical_name("Go.Hop.Test", rules) == "go.hop.test"
    with pytest.raises(InvalidDomainError):
        canonical_name("hop.test", rules)


def test_a_denied_name_does_not_deny_a_name_that_merely_ends_like_it() -> None:
    assert canonical_name("notevil.example", RULES) == "notevil.example"
