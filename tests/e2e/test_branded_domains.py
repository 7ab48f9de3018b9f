"""Branded domains' "Done when", through the edge of the shared stack (``make run``'s code).

Two owners, one domain each, proved over HTTP through the edge (links connects to the edge
and sends the domain's Host, which the edge routes back to links' challenge route). The same
code lives on both domains with different targets; redirect answers by (Host, code). An
unverified domain serves nothing, a name claimed twice (in any spelling) answers 409,
deleting a domain stops its links within the cache TTL and their clicks stop counting, the
stats by domain are exact, and hostile Host headers never reach another owner's link nor
answer 5xx.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import idna
import pytest
from hop_e2e_flow import BROWSER, CRAWLER, settled_events
from hop_e2e_stack import RunningStack, hermetic_env
from hop_local.prepare import create_api_key

from hop_instrumentation.testing import eventually
from hop_redirect.settings import RedirectSettings

pytestmark = pytest.mark.process

#: How long a deleted domain's links may still be served: redirect's cache TTL (the stack
#: runs redirect's defaults), plus the time a loaded machine takes to answer.
_STALENESS = float(RedirectSettings.model_fields["cache_ttl"].default) + 15.0
#: How long a domain just verified may wait before redirect serves it: redirect reads links'
#: list of verified domains every HOP_DOMAINS_REFRESH_INTERVAL (docs/local.md).
_GOING_LIVE = float(RedirectSettings.model_fields["domains_refresh_interval"].default) + 15.0


@dataclass(frozen=True, slots=True)
class Owner:
    """An owner of the shared stack with a proved branded domain."""

    name: str
    auth: dict[str, str]
    domain: str


def _owner(hop: RunningStack, client: httpx.Client, label: str, tag: str) -> Owner:
    key = create_api_key(hop.stack, hermetic_env(), f"e2e-{label}-{tag}")
    owner = Owner(label, {"Authorization": f"Bearer {key}"}, f"go.{label}-{tag}.test")
    added = client.post("/api/v1/domains", json={"name": owner.domain}, headers=owner.auth)
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "pending"
    proved = client.post(f"/api/v1/domains/{owner.domain}:verify", headers=owner.auth)
    assert proved.status_code == 200, proved.text
    assert proved.json()["status"] == "verified", proved.json()
    probe = _create(
        client, owner, f"https://{label}.example/live", code="live", domain=owner.domain
    )
    assert _until_live(client, owner.domain, probe["code"]).status_code == 302
    return owner


@pytest.fixture(scope="module")
def owners(hop: RunningStack) -> Iterator[tuple[Owner, Owner]]:
    """Alice and Bob, each with one verified domain (unique names: the stack is shared)."""
    tag = secrets.token_hex(3)
    with hop.client() as client:
        yield _owner(hop, client, "alice", tag), _owner(hop, client, "bob", tag)


def _create(
    client: httpx.Client, owner: Owner, url: str, *, code: str | None = None, domain: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url}
    if code is not None:
        body["code"] = code
    if domain is not None:
        body["domain"] = domain
    answer = client.post("/api/v1/links", json=body, headers=owner.auth)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _follow(client: httpx.Client, host: str, code: str, agent: str = BROWSER) -> httpx.Response:
    return client.get(f"/{code}", headers={"Host": host, "User-Agent": agent})


def _until_live(client: httpx.Client, host: str, code: str) -> httpx.Response:
    """Follow ``code`` on ``host`` until redirect serves the newly verified domain.

    These probes are clicks too (they count): callers count them in.
    """
    deadline = time.monotonic() + _GOING_LIVE
    while (answer := _follow(client, host, code)).status_code == 404:
        assert time.monotonic() < deadline, f"{host} not served {_GOING_LIVE:g} s after its proof"
        time.sleep(0.2)
    return answer


def _owner_stats(client: httpx.Client, owner: Owner, **params: str) -> dict[str, Any]:
    answer = client.get("/api/v1/stats", headers=owner.auth, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_same_code_on_two_domains_resolves_per_host(
    hop: RunningStack, owners: tuple[Owner, Owner]
) -> None:
    alice, bob = owners
    with hop.client() as client:
        mine = _create(
            client, alice, "https://alice.example/spring", code="spring", domain=alice.domain
        )
        theirs = _create(
            client, bob, "https://bob.example/spring", code="spring", domain=bob.domain
        )
        assert mine["short_url"] == f"http://{alice.domain}/spring"
        assert theirs["short_url"] == f"http://{bob.domain}/spring"
        to_alice = _follow(client, alice.domain, "spring")
        to_bob = _follow(client, bob.domain, "spring")
    assert (to_alice.status_code, to_alice.headers["location"]) == (
        302,
        "https://alice.example/spring",
    )
    assert (to_bob.status_code, to_bob.headers["location"]) == (302, "https://bob.example/spring")


def test_unverified_domain_serves_nothing(hop: RunningStack, owners: tuple[Owner, Owner]) -> None:
    alice, _ = owners
    pending = f"pending-{secrets.token_hex(3)}.alice.test"
    with hop.client() as client:
        added = client.post("/api/v1/domains", json={"name": pending}, headers=alice.auth)
        assert added.status_code == 201, added.text
        made = client.post(
            "/api/v1/links",
            json={"url": "https://alice.example/pending", "code": "early", "domain": pending},
            headers=alice.auth,
        )
        # Whether links takes a link on a pending domain or not, redirect serves none.
        assert made.status_code in {201, 409, 422}, made.text
        answer = _follow(client, pending, "early")
    assert answer.status_code == 404, answer.text
    assert "location" not in answer.headers


def _spellings(name: str) -> list[str]:
    return [name.upper(), f"{name}.", f"{name.upper()}."]


def test_domain_claimed_twice_answers_409_in_every_spelling(
    hop: RunningStack, owners: tuple[Owner, Owner]
) -> None:
    alice, bob = owners
    with hop.client() as client:
        exact = client.post("/api/v1/domains", json={"name": alice.domain}, headers=bob.auth)
        spelled = [
            client.post("/api/v1/domains", json={"name": name}, headers=bob.auth)
            for name in _spellings(alice.domain)
        ]
        spaced = client.post(
            "/api/v1/domains", json={"name": f" {alice.domain} "}, headers=bob.auth
        )
        again = client.post("/api/v1/domains", json={"name": alice.domain}, headers=alice.auth)
        mine = client.get("/api/v1/domains", headers=bob.auth).json()["items"]
    assert exact.status_code == 409, exact.text
    assert [answer.status_code for answer in spelled] == [409] * len(spelled), [
        answer.text for answer in spelled
    ]
    assert again.status_code == 409, again.text
    assert spaced.status_code == 422, spaced.text  # not a host name: said so, never claimed
    assert [domain["name"] for domain in mine] == [bob.domain]


def test_unicode_and_punycode_forms_of_one_name_are_one_claim(
    hop: RunningStack, owners: tuple[Owner, Owner]
) -> None:
    alice, bob = owners
    label = f"bücher-{secrets.token_hex(3)}"
    unicode = f"go.{label}.test"
    punycode = f"go.{idna.encode(label, uts46=True).decode()}.test"
    with hop.client() as client:
        added = client.post("/api/v1/domains", json={"name": unicode}, headers=alice.auth)
        assert added.status_code == 201, added.text
        assert added.json()["name"] == punycode
        claims = [
            client.post("/api/v1/domains", json={"name": name}, headers=bob.auth)
            for name in (punycode, unicode, punycode.upper(), f"{unicode}.")
        ]
        read = client.get(f"/api/v1/domains/{unicode}", headers=alice.auth)
        assert client.delete(f"/api/v1/domains/{punycode}", headers=alice.auth).status_code in {
            200,
            204,
        }
    assert [answer.status_code for answer in claims] == [409] * 4, [a.text for a in claims]
    assert (read.status_code, read.json()["name"]) == (200, punycode)


def test_stats_by_domain_are_exact(hop: RunningStack, owners: tuple[Owner, Owner]) -> None:
    alice, bob = owners
    with hop.client() as client:
        branded = _create(client, alice, "https://alice.example/stats", domain=alice.domain)
        plain = _create(client, alice, "https://alice.example/plain", domain=None)
        same = _create(
            client, bob, "https://bob.example/stats", code=branded["code"], domain=bob.domain
        )
        for _ in range(3):
            assert _follow(client, alice.domain, branded["code"]).status_code == 302
        assert _follow(client, alice.domain, branded["code"], CRAWLER).status_code == 302
        for _ in range(2):
            assert _follow(client, "127.0.0.1", plain["code"]).status_code == 302
        for _ in range(5):
            assert _follow(client, bob.domain, same["code"]).status_code == 302

        def both() -> tuple[dict[str, Any], dict[str, Any]]:
            return _owner_stats(client, alice, domain=alice.domain), _owner_stats(client, alice)

        def settled(pair: tuple[dict[str, Any], dict[str, Any]]) -> bool:
            mine, everything = pair
            ours = {link["code"]: link for link in mine["top_links"]}
            counted = ours.get(branded["code"], {})
            by_domain = {row["domain"]: row for row in everything["domains"]}
            return (
                (counted.get("clicks"), counted.get("bot_clicks")) == (3, 1)
                and by_domain.get("127.0.0.1", {}).get("clicks") == 2
                and by_domain.get(alice.domain, {}).get("clicks") == mine["total_clicks"]
            )

        mine, everything = eventually(both, settled, timeout=90.0)
        spelled = _owner_stats(client, alice, domain=f"{alice.domain.upper()}.")
        theirs = eventually(
            lambda: _owner_stats(client, bob, domain=bob.domain),
            lambda body: any(
                link["code"] == same["code"] and link["clicks"] >= 5 for link in body["top_links"]
            ),
            timeout=90.0,
        )
        foreign = _owner_stats(client, bob, domain=alice.domain)
        bad = client.get(
            "/api/v1/stats", headers=alice.auth, params={"domain": f"{alice.domain}:443"}
        )
    assert {link["domain"] for link in mine["top_links"]} == {alice.domain}
    assert spelled["total_clicks"] == mine["total_clicks"]
    by_domain = {row["domain"]: row for row in everything["domains"]}
    assert by_domain[alice.domain]["bot_clicks"] == mine["bot_clicks"]
    assert by_domain[alice.domain]["links"] == mine["links"]
    assert by_domain["127.0.0.1"]["links"] == 1
    assert sum(row["clicks"] for row in everything["domains"]) == everything["total_clicks"]
    assert sum(row["links"] for row in everything["domains"]) == everything["links"]
    assert {"code": same["code"], "domain": bob.domain, "clicks": 5, "bot_clicks": 0} in theirs[
        "top_links"
    ]
    assert {link["domain"] for link in theirs["top_links"]} == {bob.domain}
    assert (foreign["total_clicks"], foreign["links"]) == (0, 0)
    assert bad.status_code == 422, bad.text


def test_deleting_a_domain_stops_its_links_within_the_ttl_and_their_clicks_stop_counting(
    hop: RunningStack,
) -> None:
    tag = secrets.token_hex(3)
    with hop.client() as client:
        carol = _owner(hop, client, "carol", tag)
        kept = _create(client, carol, "https://carol.example/kept", domain=None)
        _create(client, carol, "https://carol.example/gone", code="gone", domain=carol.domain)
        for _ in range(2):
            assert _follow(client, "127.0.0.1", kept["code"]).status_code == 302
        for _ in range(3):
            assert _follow(client, carol.domain, "gone").status_code == 302
        eventually(  # 2 + 3, and the probe of the owner's domain going live
            lambda: _owner_stats(client, carol),
            lambda body: body["total_clicks"] == 6,
            timeout=90.0,
        )
        settled = settled_events(hop)
        deleted = client.delete(f"/api/v1/domains/{carol.domain}", headers=carol.auth)
        assert deleted.status_code in {200, 204}, deleted.text
        # Until redirect drops the domain, the link may still answer from its cache: those
        # clicks must not count. Poll with a deadline, never a fixed sleep.
        served_after = 0
        deadline = time.monotonic() + _STALENESS
        while True:
            answer = _follow(client, carol.domain, "gone")
            if answer.status_code == 404:
                break
            assert answer.status_code == 302, answer.text
            served_after += 1
            assert time.monotonic() < deadline, f"{carol.domain} still served after the TTL"
            time.sleep(0.1)  # a poll's pace, not a wait for the outcome
        assert _follow(client, carol.domain, "gone").status_code == 404
        eventually(
            lambda: settled_events(hop),
            lambda done: done >= settled + served_after,
            timeout=90.0,
        )
        after = eventually(
            lambda: _owner_stats(client, carol, include_bots="true"),
            lambda body: body["links"] == 1,  # "gone" and the probe went with the domain
            timeout=30.0,
        )
        listed = client.get("/api/v1/domains", headers=carol.auth).json()["items"]
        filtered = client.get("/api/v1/stats", headers=carol.auth, params={"domain": carol.domain})
    assert listed == []
    assert (after["total_clicks"], after["bot_clicks"]) == (2, 0)
    assert after["top_links"] == [
        {"code": kept["code"], "domain": "127.0.0.1", "clicks": 2, "bot_clicks": 0}
    ]
    assert [row["domain"] for row in after["domains"]] == ["127.0.0.1"]
    assert filtered.status_code == 200, filtered.text
    assert (filtered.json()["total_clicks"], filtered.json()["links"]) == (0, 0)


def _hostile_hosts(alice: Owner, bob: Owner) -> list[str]:
    return [
        f"{alice.domain}:8080",
        f"{alice.domain}:99999",
        alice.domain.upper(),
        f"{alice.domain}.",
        f"{alice.domain}..",
        f"x.{alice.domain}",
        f"{alice.domain}.evil.test",
        f"{alice.domain[3:]}",
        "10.0.0.1",
        "[::1]",
        "[::1]:8080",
        "0x7f.1",
        f"{'a' * 64}.test",
        f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 63}.test",
        f"{bob.domain},{alice.domain}",
        f"{bob.domain}@{alice.domain}",
        f"{alice.domain}/x",
        "",
        "xn--.test",
        "xn--zz-zzzzzzz.test",
    ]


def test_hostile_host_headers_never_reach_another_owners_link_nor_5xx(
    hop: RunningStack, owners: tuple[Owner, Owner]
) -> None:
    alice, bob = owners
    code = f"h{secrets.token_hex(4)}"
    with hop.client() as client:
        _create(client, alice, "https://alice.example/host", code=code, domain=alice.domain)
        answers = {host: _follow(client, host, code) for host in _hostile_hosts(alice, bob)}
    # A port never changes the host (RFC 9110: any digits); case and a trailing dot neither.
    alices = {
        f"{alice.domain}:8080",
        f"{alice.domain}:99999",
        alice.domain.upper(),
        f"{alice.domain}.",
    }
    for host, answer in answers.items():
        assert answer.status_code < 500, (host, answer.status_code, answer.text)
        if answer.status_code in {301, 302, 307, 308}:
            assert host in alices, (host, answer.headers["location"])
            assert answer.headers["location"] == "https://alice.example/host"
        else:
            assert 400 <= answer.status_code < 500, (host, answer.status_code)
    assert {host for host, answer in answers.items() if answer.status_code == 302} == alices


def test_unicode_and_punycode_hosts_reach_one_verified_domain(hop: RunningStack) -> None:
    label = f"straße-{secrets.token_hex(3)}"
    unicode = f"go.{label}.test"
    # IDNA 2008 as browsers send it: ß kept (IDNA 2003 would fold it to "ss").
    punycode = f"go.{idna.encode(label, uts46=True).decode()}.test"
    with hop.client() as client:
        dora = _owner(hop, client, "dora", secrets.token_hex(3))
        added = client.post("/api/v1/domains", json={"name": unicode}, headers=dora.auth)
        assert added.status_code == 201, added.text
        name = added.json()["name"]
        proved = client.post(f"/api/v1/domains/{name}:verify", headers=dora.auth)
        assert proved.json()["status"] == "verified", proved.text
        link = _create(client, dora, "https://dora.example/idn", code="idn", domain=unicode)
        assert link["short_url"] == f"http://{name}/idn"
        assert _until_live(client, name, "idn").status_code == 302
        # A raw UTF-8 Host is no valid Host (RFC 9110: reg-name is ASCII): the edge refuses it.
        raw = client.get("/idn", headers={"Host": unicode.encode()})
        spelled = _follow(client, name.upper(), "idn")
    assert name == punycode
    assert raw.status_code == 400, raw.text
    assert (spelled.status_code, spelled.headers.get("location")) == (
        302,
        "https://dora.example/idn",
    )
