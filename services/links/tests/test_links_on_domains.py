"""Links on branded domains: create, batch, move, read, list, resolve and the shared cache."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy import text

from hop_contracts import link_cache_key
from hop_instrumentation.testing import app_client
from hop_links.dependencies import services_of

from .conftest import bearer, create_link, new_key, resolved_body

LINKS = "/api/v1/links"
DOMAINS = "/api/v1/domains"
AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


async def add_domain(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], name: str, *, verified: bool
) -> None:
    response = await client.post(DOMAINS, json={"name": name}, headers=auth)
    assert response.status_code == 201, response.text
    if verified:
        await services_of(app).domains.record_check(
            response.json()["name"], proved=True, reason=None, at=AT
        )


async def test_the_same_code_lives_on_two_domains_with_their_own_short_urls(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    platform = await create_link(client, auth, code="spring", url="https://example.com/p")
    branded = await create_link(
        client, auth, code="spring", url="https://example.com/b", domain="GO.acme.com."
    )
    taken = await client.post(
        LINKS, json={"url": "https://example.com/", "code": "spring", "domain": "go.acme.com"},
        headers=auth,
    )  # fmt: skip
    assert (platform["domain"], platform["short_url"]) == ("hop.test", "https://hop.test/spring")
    assert (branded["domain"], branded["short_url"]) == (
        "go.acme.com",
        "https://go.acme.com/spring",
    )
    assert taken.status_code == 409
    assert taken.json() == {
        "detail": "The code 'spring' is already taken on the domain 'go.acme.com'; "
        "choose another alias."
    }


async def test_naming_the_platform_host_is_the_platform_domain(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create_link(client, auth, code="plat", domain="HOP.test.")
    fetched = await client.get(f"{LINKS}/plat", headers=auth)
    assert created["domain"] == "hop.test"
    assert fetched.json() == created


async def test_a_link_on_a_domain_not_yours_answers_422_naming_the_field(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    other = bearer(await make_key())
    await add_domain(app, client, other, "theirs.example", verified=True)
    answers = [
        await client.post(LINKS, json={"url": "https://example.com/", "domain": name}, headers=auth)
        for name in ("theirs.example", "nobody.example", "not a name")
    ]
    assert [r.status_code for r in answers] == [422, 422, 422]
    assert [r.json()["detail"][0]["loc"] for r in answers] == [["body", "domain"]] * 3
    assert "not one of this API key's domains" in answers[0].json()["detail"][0]["msg"]


async def test_batch_creates_on_domains_and_refuses_foreign_ones_alone(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    items = [
        {"url": "https://example.com/1", "code": "same", "domain": "go.acme.com", "tags": ["t"]},
        {"url": "https://example.com/2", "code": "same"},
        {"url": "https://example.com/3", "code": "same", "domain": "go.acme.com"},
        {"url": "https://example.com/4", "domain": "nobody.example"},
        {"url": "https://example.com/5", "domain": "go.acme.com"},
    ]
    response = await client.post(f"{LINKS}:batch", json={"items": items}, headers=auth)
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 201, 409, 422, 201]
    assert [r["link"]["domain"] for r in results if r["link"]] == [
        "go.acme.com",
        "hop.test",
        "go.acme.com",
    ]
    on_domain = await client.get(f"{LINKS}/same?domain=go.acme.com", headers=auth)
    assert (on_domain.json()["url"], on_domain.json()["tags"]) == ("https://example.com/1", ["t"])


async def test_read_patch_and_delete_name_the_domain_with_a_query(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "bücher.example", verified=False)
    await create_link(client, auth, code="x-1", url="https://example.com/p")
    await create_link(
        client, auth, code="x-1", url="https://example.com/b", domain="bücher.example"
    )
    read = await client.get(f"{LINKS}/x-1", params={"domain": "BÜCHER.example"}, headers=auth)
    patched = await client.patch(
        f"{LINKS}/x-1?domain=xn--bcher-kva.example", json={"disabled": True}, headers=auth
    )
    platform = await client.get(f"{LINKS}/x-1", headers=auth)
    wrong = await client.get(f"{LINKS}/x-1?domain=other.example", headers=auth)
    deleted = await client.delete(f"{LINKS}/x-1?domain=bücher.example", headers=auth)
    gone = await client.get(f"{LINKS}/x-1?domain=bücher.example", headers=auth)
    assert read.json()["url"] == "https://example.com/b"
    assert patched.json()["disabled"] is True
    assert (platform.json()["url"], platform.json()["disabled"]) == ("https://example.com/p", False)
    assert wrong.status_code == 404
    assert wrong.json() == {
        "detail": "No link with code 'x-1' on the domain 'other.example' exists for this API key."
    }
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert (await client.get(f"{LINKS}/x-1", headers=auth)).status_code == 200


async def test_patch_moves_a_link_to_a_domain_where_its_code_is_free(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    created = await create_link(client, auth, code="mover")
    await create_link(client, auth, code="stays")
    await create_link(client, auth, code="stays", domain="go.acme.com")
    moved = await client.patch(f"{LINKS}/mover", json={"domain": "go.acme.com"}, headers=auth)
    clash = await client.patch(f"{LINKS}/stays", json={"domain": "go.acme.com"}, headers=auth)
    foreign = await client.patch(f"{LINKS}/stays", json={"domain": "x.example"}, headers=auth)
    back = await client.patch(
        f"{LINKS}/mover?domain=go.acme.com", json={"domain": "hop.test"}, headers=auth
    )
    assert (moved.status_code, moved.json()["id"], moved.json()["short_url"]) == (
        200,
        created["id"],
        "https://go.acme.com/mover",
    )
    assert clash.status_code == 409
    assert foreign.status_code == 422
    assert (back.json()["domain"], back.json()["id"]) == ("hop.test", created["id"])


async def test_list_filters_by_domain_and_ids_carry_the_domain(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    platform = await create_link(client, auth, code="pp1")
    branded = await create_link(client, auth, code="bb1", domain="go.acme.com")
    on_domain = await client.get(f"{LINKS}?domain=Go.Acme.Com", headers=auth)
    on_platform = await client.get(f"{LINKS}?domain=hop.test", headers=auth)
    everything = await client.get(LINKS, headers=auth)
    ids = await client.get(f"{LINKS}:ids", headers=auth)
    assert [link["code"] for link in on_domain.json()["items"]] == ["bb1"]
    assert [link["code"] for link in on_platform.json()["items"]] == ["pp1"]
    assert [link["code"] for link in everything.json()["items"]] == ["bb1", "pp1"]
    assert ids.json() == {
        "items": [
            {"id": platform["id"], "code": "pp1", "domain": "hop.test"},
            {"id": branded["id"], "code": "bb1", "domain": "go.acme.com"},
        ]
    }


async def test_resolve_by_domain_serves_only_verified_domains_of_the_links_owner(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    platform = await create_link(client, auth, code="spring", url="https://example.com/p")
    branded = await create_link(
        client, auth, code="spring", url="https://example.com/b", domain="go.acme.com"
    )
    pending = await client.get("/internal/v1/links/spring?domain=go.acme.com")
    await services_of(app).domains.record_check("go.acme.com", proved=True, reason=None, at=AT)
    verified = await client.get("/internal/v1/links/spring?domain=GO.acme.com.")
    as_platform = await client.get("/internal/v1/links/spring")
    platform_named = await client.get("/internal/v1/links/spring?domain=hop.test")
    unknown = await client.get("/internal/v1/links/spring?domain=other.example")
    junk = await client.get("/internal/v1/links/spring?domain=%00bad")
    await services_of(app).domains.record_check("go.acme.com", proved=False, reason="gone", at=AT)
    failed = await client.get("/internal/v1/links/spring?domain=go.acme.com")
    assert pending.status_code == 404
    assert verified.json() == resolved_body(branded["id"], "spring", "https://example.com/b")
    assert as_platform.json() == resolved_body(platform["id"], "spring", "https://example.com/p")
    assert platform_named.json() == as_platform.json()
    assert [unknown.status_code, junk.status_code, failed.status_code] == [404, 404, 404]


async def test_batch_resolve_by_domain_answers_null_unless_verified(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=True)
    branded = await create_link(
        client, auth, code="bb1", url="https://example.com/b", domain="go.acme.com"
    )
    await create_link(client, auth, code="pp1")
    on_domain = await client.post(
        "/internal/v1/links:resolve", json={"codes": ["bb1", "pp1"], "domain": "go.acme.com"}
    )
    unknown = await client.post(
        "/internal/v1/links:resolve", json={"codes": ["bb1"], "domain": "x.example"}
    )
    platform = await client.post("/internal/v1/links:resolve", json={"codes": ["bb1", "pp1"]})
    assert on_domain.json() == {
        "links": {"bb1": resolved_body(branded["id"], "bb1", "https://example.com/b"), "pp1": None}
    }
    assert unknown.json() == {"links": {"bb1": None}}
    assert platform.json()["links"]["bb1"] is None


async def test_a_link_left_on_a_domain_by_its_former_owner_is_never_served(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    from sqlalchemy import update

    from hop_links.tables import links

    other = bearer(await make_key())
    await add_domain(app, client, auth, "go.acme.com", verified=True)
    await create_link(client, auth, code="stale", domain="go.acme.com")
    await client.delete(f"{DOMAINS}/go.acme.com", headers=auth)
    await add_domain(app, client, other, "go.acme.com", verified=True)
    # As a create racing the delete could leave it: the first owner's link on the name.
    mine = await create_link(client, auth, code="stale")
    async with services_of(app).engine.begin() as connection:
        await connection.execute(
            update(links).where(links.c.uid == mine["id"]).values(domain="go.acme.com")
        )
    answer = await client.get("/internal/v1/links/stale?domain=go.acme.com")
    assert answer.status_code == 404


async def test_verified_domains_lists_the_platform_and_every_verified_name(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    other = bearer(await make_key())
    await add_domain(app, client, auth, "b.example", verified=True)
    await add_domain(app, client, other, "a.example", verified=True)
    await add_domain(app, client, auth, "pending.example", verified=False)
    response = await client.get("/internal/v1/domains:verified")
    assert response.json() == {"platform": "hop.test", "domains": ["a.example", "b.example"]}


async def test_targets_on_a_verified_domain_are_refused_as_loops(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_domain(app, client, auth, "go.acme.com", verified=False)
    pending_target = await client.post(LINKS, json={"url": "https://go.acme.com/x"}, headers=auth)
    await services_of(app).domains.record_check("go.acme.com", proved=True, reason=None, at=AT)
    answers = [
        await client.post(LINKS, json={"url": url}, headers=auth)
        for url in ("https://GO.ACME.COM./x", "http://go.acme.com:8080/")
    ]
    patched = await client.patch(
        f"{LINKS}/{pending_target.json()['code']}",
        json={"url": "https://go.acme.com/y"},
        headers=auth,
    )
    batch = await client.post(
        f"{LINKS}:batch", json={"items": [{"url": "https://go.acme.com/z"}]}, headers=auth
    )
    assert pending_target.status_code == 201
    assert [r.status_code for r in answers] == [422, 422]
    assert "a domain this hop serves" in answers[0].json()["detail"][0]["msg"]
    assert patched.status_code == 422
    assert batch.json()["results"][0]["status"] == 422


@pytest.fixture
async def cache_prefix() -> AsyncIterator[str]:
    name = f"hop-test:links-domains:{uuid.uuid4().hex}:"
    yield name
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = await redis.keys(name + "*")
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@pytest.mark.redis
async def test_the_shared_cache_keys_branded_links_by_domain_and_forgets_a_deleted_domain(
    make_app: Any, cache_prefix: str
) -> None:
    app = make_app(redis_cache=True, redis_cache_prefix=cache_prefix)
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        async with app_client(app) as client:
            auth = bearer(await new_key(app))
            await add_domain(app, client, auth, "go.acme.com", verified=True)
            await create_link(client, auth, code="spring")
            await create_link(client, auth, code="spring", domain="go.acme.com")
            await create_link(client, auth, code="moved")
            await client.patch(f"{LINKS}/moved", json={"domain": "go.acme.com"}, headers=auth)
            before = sorted(k.decode() for k in await redis.keys(cache_prefix + "*"))
            await client.delete(f"{DOMAINS}/go.acme.com", headers=auth)
            after = sorted(k.decode() for k in await redis.keys(cache_prefix + "*"))
    finally:
        await redis.aclose()
    platform = link_cache_key("spring", cache_prefix)
    assert before == sorted(
        [
            platform,
            link_cache_key("spring", cache_prefix, "go.acme.com"),
            link_cache_key("moved", cache_prefix, "go.acme.com"),
        ]
    )
    assert after == [platform]


RACING_WRITES = {
    "create": (
        "POST",
        LINKS,
        {"url": "https://example.com/", "code": "late", "domain": "go.acme.com"},
    ),
    "batch": (
        "POST",
        f"{LINKS}:batch",
        {
            "items": [
                {"url": "https://example.com/", "code": "late", "domain": "go.acme.com"},
                {"url": "https://example.com/", "code": "kept"},
            ]
        },
    ),
    "move": ("PATCH", f"{LINKS}/late", {"domain": "go.acme.com"}),
}


@pytest.mark.parametrize("write", sorted(RACING_WRITES))
async def test_a_write_racing_its_domains_delete_is_refused_and_leaves_no_link(
    database_url: str, app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], write: str
) -> None:
    """A link created on (or moved to) a domain whose delete is in flight is never left."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write at a time: the race needs PostgreSQL's sessions")
    engine = services_of(app).engine
    await add_domain(app, client, auth, "go.acme.com", verified=True)
    if write == "move":
        await create_link(client, auth, code="late", url="https://example.com/p")
    method, path, body = RACING_WRITES[write]
    async with engine.connect() as deleting:
        # The domain's delete, as DomainStore.delete runs it, not committed yet.
        await deleting.begin()
        await deleting.execute(text("DELETE FROM links WHERE domain = 'go.acme.com'"))
        await deleting.execute(text("DELETE FROM domains WHERE name = 'go.acme.com'"))
        racing = asyncio.ensure_future(client.request(method, path, json=body, headers=auth))
        await _until_waiting_on_a_lock(engine, racing)
        await deleting.commit()
        response = await racing
    async with engine.connect() as connection:
        left = await connection.execute(text("SELECT domain FROM links WHERE domain <> ''"))
        assert left.all() == []
    refused = response.json()["results"][0] if write == "batch" else response.json()
    assert "not one of this API key's domains" in str(refused), response.text
    if write == "batch":
        assert [r["status"] for r in response.json()["results"]] == [422, 201]


async def _until_waiting_on_a_lock(engine: Any, task: asyncio.Future[Any]) -> None:
    """Return once ``task`` is done or a session of ``engine``'s database waits on a lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        if task.done():
            return
        async with engine.connect() as connection:
            if (await connection.execute(waiting)).scalar():
                return
        await asyncio.sleep(0.01)
