"""Stats by domain: a code lives on a domain, so stats name it (``?domain=``) and add up by it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hop_analytics.domains import canonical_domain
from hop_contracts.testing import FakeLinks, fake_link_id
from hop_instrumentation.testing import app_client

from .conftest import OTHER_KEY, OWNER_KEY, AppFactory, event

DAY = "2026-11-28"
RANGE = {"from": DAY, "to": DAY}
BRANDED = "go.acme.test"


def on(domain: str, code: str) -> dict[str, Any]:
    """The event fields of a click on ``code`` of ``domain``'s link (as FakeLinks ids it)."""
    return {"code": code, "link_id": fake_link_id(f"{domain}/{code}")}


def acme_links() -> FakeLinks:
    """OWNER_KEY: spring and home on the platform, spring and fall on go.acme.test; OTHER_KEY:
    spring on other.test."""
    return FakeLinks(
        owners={
            OWNER_KEY: {"spring", "home", f"{BRANDED}/spring", f"{BRANDED}/fall"},
            OTHER_KEY: {"other.test/spring"},
        }
    )


async def clicks(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    response = await client.post("/internal/v1/clicks", json={"events": list(events)})
    assert response.status_code == 200, response.text


async def stats(client: httpx.AsyncClient, path: str, key: str, **params: str) -> httpx.Response:
    return await client.get(path, params={**RANGE, **params}, headers={"Authorization": key})


async def click_everywhere(client: httpx.AsyncClient) -> None:
    await clicks(
        client,
        event("p1", code="spring"),
        event("p2", code="spring", is_bot=True),
        event("b1", **on(BRANDED, "spring")),
        event("b2", **on(BRANDED, "spring")),
        event("b3", **on(BRANDED, "spring"), is_bot=True),
        event("b4", **on(BRANDED, "fall"), is_bot=True),
        event("o1", **on("other.test", "spring")),
        event("o2", **on("other.test", "spring")),
    )


async def test_owner_stats_add_up_by_domain_and_name_each_links_domain(
    make_app: AppFactory,
) -> None:
    async with app_client(make_app(httpx.ASGITransport(acme_links()))) as client:
        await click_everywhere(client)
        body = (await stats(client, "/api/v1/stats", OWNER_KEY)).json()
    assert (body["links"], body["total_clicks"], body["bot_clicks"]) == (4, 3, 3)
    assert body["domains"] == [
        {"domain": BRANDED, "links": 2, "clicks": 2, "bot_clicks": 2},
        {"domain": "hop.test", "links": 2, "clicks": 1, "bot_clicks": 1},
    ]
    assert body["top_links"] == [
        {"code": "spring", "domain": BRANDED, "clicks": 2, "bot_clicks": 1},
        {"code": "spring", "domain": "hop.test", "clicks": 1, "bot_clicks": 1},
    ]


async def test_owner_stats_domain_filter_counts_only_that_domains_links(
    make_app: AppFactory,
) -> None:
    async with app_client(make_app(httpx.ASGITransport(acme_links()))) as client:
        await click_everywhere(client)
        spellings = [
            (await stats(client, "/api/v1/stats", OWNER_KEY, domain=name)).json()
            for name in (BRANDED, "GO.Acme.TEST.", " go.acme.test ")
        ]
        platform = (await stats(client, "/api/v1/stats", OWNER_KEY, domain="hop.test")).json()
        theirs = (await stats(client, "/api/v1/stats", OWNER_KEY, domain="other.test")).json()
    branded = spellings[0]
    assert spellings == [branded] * 3
    assert (branded["links"], branded["total_clicks"], branded["bot_clicks"]) == (2, 2, 2)
    assert branded["domains"] == [{"domain": BRANDED, "links": 2, "clicks": 2, "bot_clicks": 2}]
    assert [d["clicks"] for d in branded["daily"]] == [2]
    assert branded["top"]["countries"] == [{"value": "DE", "clicks": 2}]
    assert (platform["links"], platform["total_clicks"], platform["bot_clicks"]) == (2, 1, 1)
    assert [link["domain"] for link in platform["top_links"]] == ["hop.test"]
    # Another owner's domain: none of the caller's links, nothing of theirs shows.
    assert (theirs["links"], theirs["total_clicks"], theirs["bot_clicks"]) == (0, 0, 0)
    assert (theirs["domains"], theirs["top_links"]) == ([], [])


async def test_owner_stats_after_a_domains_links_are_deleted_count_the_rest_exactly(
    make_app: AppFactory,
) -> None:
    links = acme_links()
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await click_everywhere(client)
        links.owners[OWNER_KEY] = {"spring", "home"}  # links deleted go.acme.test's links
        await clicks(client, event("late", **on(BRANDED, "spring")))  # a click in flight
        body = (await stats(client, "/api/v1/stats", OWNER_KEY)).json()
        branded = (await stats(client, "/api/v1/stats", OWNER_KEY, domain=BRANDED)).json()
    assert (body["links"], body["total_clicks"], body["bot_clicks"]) == (2, 1, 1)
    assert body["domains"] == [{"domain": "hop.test", "links": 2, "clicks": 1, "bot_clicks": 1}]
    assert body["top_links"] == [
        {"code": "spring", "domain": "hop.test", "clicks": 1, "bot_clicks": 1}
    ]
    assert (branded["links"], branded["total_clicks"], branded["domains"]) == (0, 0, [])


async def test_owner_stats_bad_domain_answers_422_saying_why(make_app: AppFactory) -> None:
    async with app_client(make_app(httpx.ASGITransport(acme_links()))) as client:
        answers = [
            await stats(client, "/api/v1/stats", OWNER_KEY, domain=name)
            for name in ("go.acme.test:8080", "-bad.test", "a" * 64 + ".test", "")
        ]
    assert [answer.status_code for answer in answers] == [422] * 4
    assert answers[0].json() == {
        "detail": "The domain 'go.acme.test:8080' is not a domain name: each label is 1 to 63 "
        "letters, digits or inner hyphens (no port, no path)."
    }
    assert answers[3].json() == {
        "detail": "The domain '' is not a domain name: a name has 1 to 253 characters."
    }


async def test_link_stats_domain_names_which_link_the_code_is(make_app: AppFactory) -> None:
    links = acme_links()
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await click_everywhere(client)
        platform = await stats(client, "/api/v1/stats/spring", OWNER_KEY)
        branded = await stats(client, "/api/v1/stats/spring", OWNER_KEY, domain="Go.Acme.Test.")
        theirs = await stats(client, "/api/v1/stats/spring", OWNER_KEY, domain="other.test")
        bad = await stats(client, "/api/v1/stats/spring", OWNER_KEY, domain="1..2")
    assert (platform.json()["total_clicks"], platform.json()["bot_clicks"]) == (1, 1)
    assert (branded.json()["total_clicks"], branded.json()["bot_clicks"]) == (2, 1)
    assert theirs.status_code == 404
    assert theirs.json() == {"detail": "No link with code 'spring' on other.test among your links."}
    assert bad.status_code == 422
    # links was asked about each (domain, code) once, by its canonical name.
    assert links.calls["spring"] == 1
    assert links.calls[f"{BRANDED}/spring"] == 1
    assert links.calls["other.test/spring"] == 1


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("GO.Acme.test.", "go.acme.test"),
        ("bücher.example", "xn--bcher-kva.example"),
        # IDNA 2008, as links stores it and browsers send it: ß kept, never folded to "ss".
        ("go.straße.de", "go.xn--strae-oqa.de"),
        ("go.xn--strae-oqa.de", "go.xn--strae-oqa.de"),
    ],
)
def test_domain_filter_names_a_domain_as_links_stores_it(written: str, canonical: str) -> None:
    assert canonical_domain(written) == canonical
