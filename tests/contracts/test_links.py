"""links' two answers to its peers, from the real app and from `FakeLinks`, must agree.

redirect resolves codes (`hop_redirect.links_client.LinksClient`); analytics asks who owns
a code and which links an owner has (`hop_analytics.owners.OwnerChecker`). Both run here
against the real links app and against the fake their own tests use, with the same links
and keys; and analytics relays the real links' 429 as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from hop_analytics.app import create_app as create_analytics_app
from hop_analytics.errors import LinkNotFoundError, UnauthorizedError
from hop_analytics.owners import OwnerChecker, Ownership
from hop_analytics.settings import AnalyticsSettings
from hop_contracts import (
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    OwnedLink,
    ResolvedLink,
    ResolvedLinks,
)
from hop_contracts.testing import FakeLinks, fake_link_id, link_body
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import LoopbackServers, app_client, make_test_settings
from hop_links.app import create_app as create_links_app
from hop_links.dependencies import services_of
from hop_links.settings import LinksSettings
from hop_redirect.links_client import LinksClient

from .conftest import RealLinks

LINKS: list[dict[str, Any]] = [
    {"url": "https://example.com/a", "code": "plain01"},
    {"url": "https://example.com/b", "code": "moved01", "redirect_status": 301,
     "forward_query": True},
    {"url": "https://example.com/c", "code": "timed01", "expires_at": "2030-01-02T03:04:05Z"},
]  # fmt: skip


async def _create(links: RealLinks) -> dict[str, str]:
    """Create `LINKS` as alice; return each code's stable id."""
    ids = {}
    for item in LINKS:
        answer = await links.client.post(
            "/api/v1/links", json=item, headers=links.auth(links.alice)
        )
        assert answer.status_code == 201, answer.text
        ids[item["code"]] = answer.json()["id"]
    disabled = await links.client.patch(
        "/api/v1/links/plain01", json={"disabled": True}, headers=links.auth(links.alice)
    )
    assert disabled.status_code == 200, disabled.text
    return ids


def _fake_bodies(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "plain01": link_body(
            "plain01", "https://example.com/a", disabled=True, link_id=ids["plain01"]
        ),
        "moved01": link_body(
            "moved01",
            "https://example.com/b",
            redirect_status=301,
            forward_query=True,
            link_id=ids["moved01"],
        ),
        "timed01": link_body(
            "timed01",
            "https://example.com/c",
            expires_at="2030-01-02T03:04:05Z",
            link_id=ids["timed01"],
        ),
    }


async def test_resolve_bodies_of_real_links_equal_the_fakes(links: RealLinks) -> None:
    ids = await _create(links)
    for code, fake_body in _fake_bodies(ids).items():
        answer = await links.client.get(RESOLVE_PATH.format(code=code))
        assert answer.status_code == 200
        assert answer.json() == fake_body
        ResolvedLink.model_validate_json(answer.content)


async def test_batch_resolve_bodies_of_real_links_equal_the_fakes(links: RealLinks) -> None:
    bodies = _fake_bodies(await _create(links))
    fake = httpx.AsyncClient(transport=httpx.ASGITransport(FakeLinks(bodies)), base_url="http://f")
    for body in ({"codes": [*bodies, "unknown1", "moved01"]}, {"codes": []}, {"codes": ["a.b"]}):
        real_answer = await links.client.post(RESOLVE_BATCH_PATH, json=body)
        fake_answer = await fake.post(RESOLVE_BATCH_PATH, json=body)
        assert real_answer.status_code == fake_answer.status_code
        if real_answer.status_code == 200:
            assert real_answer.json() == fake_answer.json()
            ResolvedLinks.model_validate_json(real_answer.content)
        else:
            assert real_answer.status_code == 422
    await fake.aclose()


async def test_redirect_links_client_reads_real_links_and_the_fake_alike(
    links: RealLinks, loopback: LoopbackServers
) -> None:
    bodies = _fake_bodies(await _create(links))
    real_client = _links_client(loopback.serve(get_instrumentation(links.app).api_app))
    fake_client = _links_client(loopback.serve(FakeLinks(bodies)))
    try:
        for code in [*bodies, "unknown1"]:
            assert await real_client.resolve(code) == await fake_client.resolve(code)
        codes = [*bodies, "unknown1"]
        many = await real_client.resolve_many(codes)
        assert many == await fake_client.resolve_many(codes)
        assert many == {code: await real_client.resolve(code) for code in codes}
        await real_client.ping()
        await fake_client.ping()
    finally:
        await real_client.aclose()
        await fake_client.aclose()


def _links_client(url: str) -> LinksClient:
    return LinksClient(url, tracer_provider=TracerProvider(), timeout=5.0, pool_size=4)


@pytest.mark.parametrize(
    ("who", "code", "expected"),
    [
        ("alice", "plain01", Ownership.OWNER),
        ("bob", "plain01", Ownership.NOT_OWNER),
        ("alice", "unknown1", Ownership.NOT_OWNER),
        ("nobody", "plain01", Ownership.UNAUTHENTICATED),
    ],
)
async def test_analytics_owner_checks_agree_on_real_links_and_the_fake(
    links: RealLinks, who: str, code: str, expected: Ownership
) -> None:
    await _create(links)
    keys = {"alice": links.alice, "bob": links.bob, "nobody": "hop_not-a-key"}
    authorization = f"Bearer {keys[who]}"
    fake = FakeLinks(
        owners={f"Bearer {links.alice}": {"plain01", "moved01", "timed01"},
                f"Bearer {links.bob}": set()}
    )  # fmt: skip
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(fake), base_url="http://links"
    ) as fake_http:
        real = await OwnerChecker(links.client, ttl=0).check(authorization, code)
        faked = await OwnerChecker(fake_http, ttl=0).check(authorization, code)
    assert (real, faked) == (expected, expected)


async def test_ownership_answers_of_real_links_and_the_fake_carry_the_same_id(
    links: RealLinks,
) -> None:
    bodies = _fake_bodies(await _create(links))
    authorization = {"Authorization": f"Bearer {links.alice}"}
    fake = FakeLinks(bodies, owners={authorization["Authorization"]: set(bodies)})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(fake), base_url="http://links"
    ) as fake_http:
        for code, body in bodies.items():
            real = await links.client.get(f"/api/v1/links/{code}", headers=authorization)
            faked = await fake_http.get(f"/api/v1/links/{code}", headers=authorization)
            assert (real.status_code, faked.status_code) == (200, 200)
            assert real.json()["id"] == faked.json()["id"] == body["id"]
            assert real.json()["code"] == faked.json()["code"] == code


@pytest.mark.parametrize("who", ["alice", "bob", "nobody"])
async def test_analytics_owned_links_agree_on_real_links_and_the_fake(
    links: RealLinks, who: str
) -> None:
    bodies = _fake_bodies(await _create(links))
    keys = {"alice": links.alice, "bob": links.bob, "nobody": "hop_not-a-key"}
    authorization = f"Bearer {keys[who]}"
    fake = FakeLinks(
        bodies, owners={f"Bearer {links.alice}": set(bodies), f"Bearer {links.bob}": set()}
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(fake), base_url="http://links"
    ) as fake_http:
        answers = []
        for client in (links.client, fake_http):
            try:
                answers.append(await OwnerChecker(client, ttl=0).owned_links(authorization))
            except UnauthorizedError:
                answers.append(None)
    expected = {
        "alice": {
            body["id"]: OwnedLink(id=body["id"], code=code, domain="hop.test")
            for code, body in bodies.items()
        },
        "bob": {},
        "nobody": None,
    }[who]
    assert answers == [expected, expected]


async def test_analytics_passes_real_links_429_on_with_its_retry_after_and_ratelimit(
    tmp_path: Path,
) -> None:
    links_app = create_links_app(
        make_test_settings(
            LinksSettings,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'links.db'}",
            run_migrations=True,
            public_base_url="https://hop.test",
            health_check_interval=30.0,
            rate_limit_per_key=1,
        )
    )
    analytics_app = create_analytics_app(
        make_test_settings(
            AnalyticsSettings,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
            run_migrations=True,
            links_url="http://links",
            health_check_interval=30.0,
            owner_cache_ttl=0,
        ),
        links_transport=httpx.ASGITransport(links_app),
    )
    async with app_client(links_app, base_url="http://links"):
        accounts = services_of(links_app).accounts
        await accounts.create_owner("alice")
        key = {"Authorization": f"Bearer {(await accounts.create_key('alice')).secret}"}
        async with app_client(analytics_app, base_url="http://analytics") as analytics:
            first, second = [await analytics.get("/api/v1/stats", headers=key) for _ in range(2)]
    assert (first.status_code, second.status_code) == (200, 429)
    assert 1 <= int(second.headers["retry-after"]) <= 60
    # links' per-key quota of 1, alone: analytics' own fields (q=6000) are not mixed in.
    assert second.headers["ratelimit-policy"] == '"key";q=1;w=60'
    assert second.headers["ratelimit"] == f'"key";r=0;t={second.headers["retry-after"]}'
    assert second.json() == {
        "detail": "links refused the ownership check: too many requests; "
        f"retry in {second.headers['retry-after']} s."
    }


async def test_analytics_ownership_by_domain_agrees_on_real_links_and_the_fake(
    links: RealLinks,
) -> None:
    auth = links.auth(links.alice)
    added = await links.client.post("/api/v1/domains", json={"name": "go.acme.test"}, headers=auth)
    assert added.status_code == 201, added.text
    ids = {}
    for domain in (None, "go.acme.test"):
        body = {"url": "https://example.com/", "code": "spring", "domain": domain}
        created = await links.client.post("/api/v1/links", json=body, headers=auth)
        assert created.status_code == 201, created.text
        ids[domain] = created.json()["id"]
    # The fake's ids are its own: compared by which link each domain finds.
    fake = FakeLinks(owners={f"Bearer {links.alice}": {"spring", "go.acme.test/spring"}})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(fake), base_url="http://links"
    ) as fake_http:
        found = []
        for client in (links.client, fake_http):
            checker = OwnerChecker(client, ttl=0)
            answers = []
            for domain in (None, "go.acme.test", "other.test"):
                try:
                    answers.append(
                        await checker.require_owner(
                            f"Bearer {links.alice}", "spring", domain=domain
                        )
                    )
                except LinkNotFoundError:
                    answers.append(None)
            owned = await checker.owned_links(f"Bearer {links.alice}")
            found.append((answers, sorted((o.code, o.domain) for o in owned.values())))
    (real_answers, real_owned), (fake_answers, fake_owned) = found
    assert real_answers == [ids[None], ids["go.acme.test"], None]
    assert fake_answers == [
        fake_link_id("spring"),
        fake_link_id("go.acme.test/spring"),
        None,
    ]
    assert real_owned == fake_owned == [("spring", "go.acme.test"), ("spring", "hop.test")]
