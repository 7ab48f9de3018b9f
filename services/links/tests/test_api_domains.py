from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hop_links.dependencies import services_of
from hop_links.records import DomainCheck, DomainRecord

from .conftest import bearer, create_link

DOMAINS = "/api/v1/domains"
CHECKED_AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


async def add(client: httpx.AsyncClient, auth: dict[str, str], name: str) -> dict[str, Any]:
    response = await client.post(DOMAINS, json={"name": name}, headers=auth)
    assert response.status_code == 201, response.text
    added: dict[str, Any] = response.json()
    return added


async def verify(
    app: FastAPI, name: str, *, proved: bool = True, reason: str | None = None
) -> None:
    await services_of(app).domains.record_check(name, proved=proved, reason=reason, at=CHECKED_AT)


async def test_add_answers_201_with_the_canonical_name_and_the_proof(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = await add(client, auth, "Bücher.Example.")
    token = body["verification"]["txt_value"].removeprefix("hop-challenge=")
    assert len(token) >= 16
    assert body == {
        "name": "xn--bcher-kva.example",
        "status": "pending",
        "reason": None,
        "verification": {
            "txt_name": "_hop-challenge.xn--bcher-kva.example",
            "txt_value": f"hop-challenge={token}",
            "http_url": f"http://xn--bcher-kva.example/.well-known/hop-challenge/{token}",
        },
        "links": 0,
        "created_at": body["created_at"],
        "verified_at": None,
        "last_checked_at": None,
    }


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("go.acme.com:443", "carries a port"),
        ("203.0.113.7", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("a" * 64 + ".acme.com", "label of 64 characters"),
        ("acme", "one label"),
        ("hop.test", "own host"),
        ("go.hop.test", "subdomain"),
        ("localhost", "one label"),
        ("x.localhost", "loopback"),
        ("https://go.acme.com/", "not a domain name"),
    ],
)
async def test_add_a_hostile_name_answers_422_saying_what_was_wrong(
    client: httpx.AsyncClient, auth: dict[str, str], name: str, says: str
) -> None:
    response = await client.post(DOMAINS, json={"name": name}, headers=auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert says in error["msg"]


async def test_a_name_claimed_in_any_spelling_by_anyone_answers_409(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    other = bearer(await make_key())
    await add(client, auth, "bücher.example")
    mine_again = await client.post(DOMAINS, json={"name": "XN--BCHER-KVA.example."}, headers=auth)
    theirs = await client.post(DOMAINS, json={"name": "Bücher.example"}, headers=other)
    await verify(app, "xn--bcher-kva.example")
    theirs_verified = await client.post(DOMAINS, json={"name": "bücher.example"}, headers=other)
    assert [mine_again.status_code, theirs.status_code, theirs_verified.status_code] == [409] * 3
    assert "already claimed" in theirs.json()["detail"]


async def test_another_owners_domain_answers_404_on_every_route(
    client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    other = bearer(await make_key())
    await add(client, auth, "go.acme.com")
    answers = [
        await client.get(f"{DOMAINS}/go.acme.com", headers=other),
        await client.delete(f"{DOMAINS}/go.acme.com", headers=other),
        await client.post(f"{DOMAINS}/go.acme.com:verify", headers=other),
    ]
    listed = await client.get(DOMAINS, headers=other)
    assert [(r.status_code, r.json()) for r in answers] == [
        (404, {"detail": "No domain 'go.acme.com' exists for this API key."})
    ] * 3
    assert listed.json() == {"items": []}
    assert (await client.get(f"{DOMAINS}/go.acme.com", headers=auth)).status_code == 200


async def test_read_finds_the_domain_in_any_spelling(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    added = await add(client, auth, "bücher.example")
    for spelling in ("BÜCHER.example.", "xn--bcher-kva.EXAMPLE"):
        response = await client.get(f"{DOMAINS}/{spelling}", headers=auth)
        assert (response.status_code, response.json()) == (200, added)
    missing = await client.get(f"{DOMAINS}/not..a..name", headers=auth)
    assert missing.status_code == 404


async def test_list_answers_every_domain_oldest_first_with_its_links(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add(client, auth, "b.example")
    await add(client, auth, "a.example")
    await create_link(client, auth, domain="a.example")
    await create_link(client, auth, domain="a.example")
    await create_link(client, auth)
    items = (await client.get(DOMAINS, headers=auth)).json()["items"]
    assert [(item["name"], item["links"]) for item in items] == [("b.example", 0), ("a.example", 2)]


async def test_delete_deletes_the_domain_and_its_links_and_says_how_many(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add(client, auth, "go.acme.com")
    await create_link(client, auth, domain="go.acme.com", code="spring", tags=["a"])
    await create_link(client, auth, domain="go.acme.com")
    platform = await create_link(client, auth, code="spring")
    response = await client.delete(f"{DOMAINS}/Go.Acme.com.", headers=auth)
    assert (response.status_code, response.json()) == (
        200,
        {"name": "go.acme.com", "deleted_links": 2},
    )
    assert (await client.get(f"{DOMAINS}/go.acme.com", headers=auth)).status_code == 404
    listed = (await client.get("/api/v1/links", headers=auth)).json()["items"]
    assert [link["id"] for link in listed] == [platform["id"]]
    again = await client.post(DOMAINS, json={"name": "go.acme.com"}, headers=auth)
    assert (again.status_code, again.json()["links"]) == (201, 0)


async def test_the_limit_of_domains_per_owner_answers_409(make_app: Any) -> None:
    from hop_instrumentation.testing import app_client

    from .conftest import new_key

    app = make_app(max_domains_per_owner=1)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        other = bearer(await new_key(app))
        await add(client, auth, "one.example")
        refused = await client.post(DOMAINS, json={"name": "two.example"}, headers=auth)
        await add(client, other, "two.example")  # the limit is per owner
    assert refused.status_code == 409
    assert "HOP_MAX_DOMAINS_PER_OWNER=1" in refused.json()["detail"]


async def test_the_deny_list_refuses_names_and_their_subdomains(make_app: Any) -> None:
    from hop_instrumentation.testing import app_client

    from .conftest import new_key

    app = make_app(domain_deny_list="Bank.example, evil.test")
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        answers = [
            (await client.post(DOMAINS, json={"name": name}, headers=auth)).status_code
            for name in ("bank.example", "login.BANK.example.", "evil.test", "fine.example")
        ]
    assert answers == [422, 422, 422, 201]


async def test_verify_without_a_checker_answers_the_domain_unchanged(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    added = await add(client, auth, "go.acme.com")
    response = await client.post(f"{DOMAINS}/go.acme.com:verify", headers=auth)
    assert (response.status_code, response.json()) == (200, added)


class FakeChecker:
    def __init__(self, *outcomes: DomainCheck) -> None:
        self.outcomes = list(outcomes)
        self.asked: list[str] = []

    async def check(self, domain: DomainRecord) -> DomainCheck | None:
        self.asked.append(domain.name)
        return self.outcomes.pop(0)


async def test_verify_records_what_the_checker_answers(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    checker = FakeChecker(
        DomainCheck(proved=False, reason="No TXT record."),
        DomainCheck(proved=True),
        DomainCheck(proved=False, reason="NXDOMAIN"),
        DomainCheck(proved=True),
    )
    object.__setattr__(services_of(app), "checker", checker)
    await add(client, auth, "go.acme.com")
    states = []
    for _ in range(4):
        body = (await client.post(f"{DOMAINS}/GO.acme.com:verify", headers=auth)).json()
        states.append((body["status"], body["reason"], body["last_checked_at"] is not None))
    assert checker.asked == ["go.acme.com"] * 4
    assert states == [
        ("pending", "No TXT record.", True),
        ("verified", None, True),
        ("failed", "NXDOMAIN", True),
        ("verified", None, True),
    ]


async def test_domains_routes_without_a_key_answer_401(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post(DOMAINS, json={"name": "go.acme.com"}),
        await client.get(DOMAINS),
        await client.get(f"{DOMAINS}/go.acme.com"),
        await client.delete(f"{DOMAINS}/go.acme.com"),
        await client.post(f"{DOMAINS}/go.acme.com:verify"),
    ]
    assert [r.status_code for r in answers] == [401] * 5


async def test_challenge_answers_a_domains_token_in_plain_text_and_404_otherwise(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    added = await add(client, auth, "go.acme.com")
    value = added["verification"]["txt_value"]
    token = value.removeprefix("hop-challenge=")
    found = await client.get(f"/.well-known/hop-challenge/{token}")
    unknown = await client.get("/.well-known/hop-challenge/not-a-token")
    assert (found.status_code, found.text) == (200, value)
    assert found.headers["content-type"].startswith("text/plain")
    assert unknown.status_code == 404
    await client.delete(f"{DOMAINS}/go.acme.com", headers=auth)
    assert (await client.get(f"/.well-known/hop-challenge/{token}")).status_code == 404
