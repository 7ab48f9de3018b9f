"""Domain checks against a real DNS server and a real HTTP server, both on loopback."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from hop_instrumentation.testing import LoopbackServers, app_client
from hop_links.verification import CheckResult, ProofChecker, VerificationOptions, parse_host_port

from .conftest import bearer, new_key

NAME = "go.acme.test"
TOKEN = "tok-3q2-7RkXbW0"
VALUE = f"hop-challenge={TOKEN}"
RECORD = f"_hop-challenge.{NAME}"
URL = f"http://{NAME}/.well-known/hop-challenge/{TOKEN}"
PATH = f"/.well-known/hop-challenge/{TOKEN}"


def checker(nameserver: str, **options: Any) -> ProofChecker:
    values: dict[str, Any] = {"nameservers": (nameserver,), "timeout": 2.0, **options}
    return ProofChecker(VerificationOptions(**values))


async def test_check_txt_record_with_the_token_proves(dns_zone: Any) -> None:
    dns_zone.txt[RECORD] = ["some-other=value", VALUE]

    assert await checker(dns_zone.nameserver).check(NAME, TOKEN) == CheckResult(proved=True)
    assert f"TXT {RECORD}" in dns_zone.queries


async def test_check_txt_record_of_several_strings_is_read_joined(dns_zone: Any) -> None:
    dns_zone.txt[RECORD] = [["hop-challenge=", TOKEN]]  # one record, two strings

    assert await checker(dns_zone.nameserver).check(NAME, TOKEN) == CheckResult(proved=True)


async def test_check_nxdomain_says_the_record_is_missing(dns_zone: Any) -> None:
    result = await checker(dns_zone.nameserver).check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} not found; HTTP http://{NAME}/: no A or AAAA record",
    )


async def test_check_wrong_value_says_what_the_record_holds(dns_zone: Any) -> None:
    dns_zone.txt[RECORD] = ["hop-challenge=someone-elses"]

    result = await checker(dns_zone.nameserver).check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} holds 'hop-challenge=someone-elses', not {VALUE!r}; "
        f"HTTP http://{NAME}/: no A or AAAA record",
    )


async def test_check_silent_nameserver_times_out(silent_nameserver: str) -> None:
    result = await checker(silent_nameserver, timeout=0.3).check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD}: DNS timed out; HTTP http://{NAME}/: DNS timed out",
    )


async def test_check_http_challenge_proves_with_the_names_host(
    dns_zone: Any, challenge_site: Any
) -> None:
    challenge_site.pages[PATH] = (200, f"{VALUE}\n".encode(), {"Content-Type": "text/plain"})
    verifier = checker(dns_zone.nameserver, connect_to=challenge_site.address, allow_internal=True)

    assert await verifier.check(NAME, TOKEN) == CheckResult(proved=True)
    assert challenge_site.hosts == [NAME]


async def test_check_http_404_says_so(dns_zone: Any, challenge_site: Any) -> None:
    verifier = checker(dns_zone.nameserver, connect_to=challenge_site.address, allow_internal=True)

    result = await verifier.check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False, reason=f"TXT {RECORD} not found; HTTP 404 from {URL}"
    )


async def test_check_http_redirect_is_not_followed(dns_zone: Any, challenge_site: Any) -> None:
    challenge_site.pages[PATH] = (302, b"", {"Location": "http://169.254.169.254/latest"})
    verifier = checker(dns_zone.nameserver, connect_to=challenge_site.address, allow_internal=True)

    result = await verifier.check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} not found; HTTP 302 from {URL} (redirects are not followed)",
    )
    assert challenge_site.hosts == [NAME]


async def test_check_http_reads_at_most_a_few_kib(dns_zone: Any, challenge_site: Any) -> None:
    challenge_site.pages[PATH] = (200, VALUE.encode() + b" " * 8000 + b"x", {})
    verifier = checker(dns_zone.nameserver, connect_to=challenge_site.address, allow_internal=True)

    result = await verifier.check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False, reason=f"TXT {RECORD} not found; HTTP {URL} answered more than 4096 bytes"
    )


async def test_check_http_other_value_says_so(dns_zone: Any, challenge_site: Any) -> None:
    challenge_site.pages[PATH] = (200, b"hop-challenge=another-token", {})
    verifier = checker(dns_zone.nameserver, connect_to=challenge_site.address, allow_internal=True)

    result = await verifier.check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False, reason=f"TXT {RECORD} not found; HTTP {URL} answered another value"
    )


async def test_check_http_silent_server_times_out(dns_zone: Any) -> None:
    with socket.socket() as listening:  # accepts connections, never answers
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        host, port = listening.getsockname()
        verifier = checker(
            dns_zone.nameserver, connect_to=f"{host}:{port}", allow_internal=True, timeout=0.3
        )

        result = await verifier.check(NAME, TOKEN)

    assert result.proved is False
    assert result.reason is not None
    assert result.reason.endswith(f"; HTTP {URL} timed out")  # the TXT half may time out too


async def test_check_refuses_a_name_pointing_at_loopback(dns_zone: Any) -> None:
    dns_zone.a[NAME] = ["127.0.0.1"]

    result = await checker(dns_zone.nameserver).check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} not found; "
        f"HTTP check refused: {NAME} reaches 127.0.0.1, a loopback address",
    )


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.0.0.7", "private"), ("169.254.169.254", "metadata"), ("127.0.0.1", "loopback")],
)
async def test_check_refuses_an_internal_connect_address_unless_allowed(
    dns_zone: Any, address: str, kind: str
) -> None:
    result = await checker(dns_zone.nameserver, connect_to=f"{address}:80").check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} not found; "
        f"HTTP check refused: {NAME} reaches {address}, a {kind} address",
    )


@pytest.mark.parametrize(
    ("address", "shown", "kind"),
    [
        ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("2002:a00:1::", "2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("::a00:1", "::10.0.0.1", "private"),  # IPv4-compatible 10.0.0.1
    ],
)
async def test_check_refuses_an_ipv6_address_that_embeds_an_internal_one(
    dns_zone: Any, address: str, shown: str, kind: str
) -> None:
    dns_zone.aaaa[NAME] = [address]

    result = await checker(dns_zone.nameserver).check(NAME, TOKEN)

    assert result == CheckResult(
        proved=False,
        reason=f"TXT {RECORD} not found; "
        f"HTTP check refused: {NAME} reaches {shown}, a {kind} address",
    )


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("10.96.0.10", ("10.96.0.10", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[fd00::a]", ("fd00::a", 53)),
        ("dns.internal:53", ("dns.internal", 53)),
    ],
)
def test_parse_host_port_reads_each_form(text: str, parsed: tuple[str, int]) -> None:
    assert parse_host_port(text, 53) == parsed


@pytest.mark.parametrize("text", ["", ":53", "host:0", "host:70000", "host:x", "[::1]x"])
def test_parse_host_port_refuses_bad_forms(text: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_host_port(text, 53)


async def test_check_http_proves_through_links_own_challenge_route(
    make_app: Any, dns_zone: Any
) -> None:
    app = make_app()
    async with app_client(app) as client, LoopbackServers() as servers:
        auth = bearer(await new_key(app))
        answer = await client.post("/api/v1/domains", json={"name": "go.acme.test"}, headers=auth)
        token = answer.json()["verification"]["http_url"].rsplit("/", 1)[1]
        edge = urlsplit(servers.serve(app)).netloc
        verifier = checker(dns_zone.nameserver, connect_to=edge, allow_internal=True)

        proved = await verifier.check("go.acme.test", token)
        other = await verifier.check("go.acme.test", "not-the-token")

    assert proved == CheckResult(proved=True)
    assert other.proved is False
