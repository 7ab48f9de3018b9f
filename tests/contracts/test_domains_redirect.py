"""Branded domains across links and redirect: the real links app, redirect asking it on loopback.

links' public host is ``hop.test`` (the platform domain); alice owns ``go.alice.test``,
bob ``go.bob.test``. A domain is verified here by recording a proved check in links' store,
as links' periodic re-check does (how a check proves a name is links' own test matter).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from hop_contracts.testing import ClickSink
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import LoopbackServers, app_client, make_test_settings
from hop_links.dependencies import services_of as links_services
from hop_redirect.app import create_app as create_redirect_app
from hop_redirect.dependencies import services_of as redirect_services
from hop_redirect.settings import RedirectSettings

from .conftest import RealLinks

ALICE, BOB = "go.alice.test", "go.bob.test"


async def _add_domain(links: RealLinks, key: str, name: str) -> None:
    response = await links.client.post(
        "/api/v1/domains", json={"name": name}, headers=links.auth(key)
    )
    assert response.status_code == 201, response.text


async def _verify(links: RealLinks, name: str) -> None:
    domains = links_services(links.app).domains
    await domains.record_check(name, proved=True, reason=None, at=datetime.now(UTC))


async def _create(links: RealLinks, key: str, code: str, url: str, domain: str | None) -> None:
    body: dict[str, Any] = {"url": url, "code": code}
    if domain is not None:
        body["domain"] = domain
    response = await links.client.post("/api/v1/links", json=body, headers=links.auth(key))
    assert response.status_code == 201, response.text


@asynccontextmanager
async def _redirect(
    links: RealLinks, loopback: LoopbackServers
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = make_test_settings(
        RedirectSettings,
        links_url=loopback.serve(get_instrumentation(links.app).api_app),
        analytics_url="http://analytics",
        click_spool_dir=tempfile.mkdtemp(prefix="hop-redirect-spool-"),
        health_check_interval=30.0,
    )
    app = create_redirect_app(settings, analytics_transport=httpx.ASGITransport(ClickSink()))
    async with app_client(app) as client:
        yield app, client


async def _follow(client: httpx.AsyncClient, host: str, code: str) -> tuple[int, str | None]:
    response = await client.get(f"/{code}", headers={"host": host})
    return response.status_code, response.headers.get("location")


async def test_same_code_on_two_verified_domains_redirects_to_each_target(
    links: RealLinks, loopback: LoopbackServers
) -> None:
    await _add_domain(links, links.alice, ALICE)
    await _add_domain(links, links.bob, BOB)
    await _verify(links, ALICE)
    await _verify(links, BOB)
    await _create(links, links.alice, "spring", "https://alice.example/sale", ALICE)
    await _create(links, links.bob, "spring", "https://bob.example/sale", BOB)
    await _create(links, links.alice, "spring", "https://example.com/platform", None)
    async with _redirect(links, loopback) as (_, client):
        answers = [
            await _follow(client, host, "spring")
            for host in (ALICE, "GO.BOB.TEST.:443", "hop.test", "go.carol.test")
        ]
    assert answers == [
        (302, "https://alice.example/sale"),
        (302, "https://bob.example/sale"),
        (302, "https://example.com/platform"),
        (404, None),  # a host nobody verified
    ]


async def test_links_on_an_unverified_domain_are_not_served(
    links: RealLinks, loopback: LoopbackServers
) -> None:
    await _add_domain(links, links.alice, ALICE)
    await _create(links, links.alice, "pending", "https://alice.example/", ALICE)
    async with _redirect(links, loopback) as (_, client):
        assert await _follow(client, ALICE, "pending") == (404, None)
        assert await _follow(client, "hop.test", "pending") == (404, None)  # not the platform's


async def test_a_deleted_domain_stops_being_served_at_the_next_refresh(
    links: RealLinks, loopback: LoopbackServers
) -> None:
    await _add_domain(links, links.alice, ALICE)
    await _verify(links, ALICE)
    await _create(links, links.alice, "spring", "https://alice.example/", ALICE)
    async with _redirect(links, loopback) as (app, client):
        served = await _follow(client, ALICE, "spring")
        deleted = await links.client.delete(
            f"/api/v1/domains/{ALICE}", headers=links.auth(links.alice)
        )
        await redirect_services(app).domains.refresh()  # what the refresher does, within the TTL
        gone = await _follow(client, ALICE, "spring")
    assert deleted.status_code in (200, 204)
    assert (served, gone) == ((302, "https://alice.example/"), (404, None))
    assert redirect_services(app).settings.domains_refresh_seconds <= (
        redirect_services(app).settings.cache_ttl
    )


async def test_a_link_to_a_domain_verified_after_it_was_made_is_not_followed(
    links: RealLinks, loopback: LoopbackServers
) -> None:
    await _add_domain(links, links.alice, ALICE)
    await _add_domain(links, links.bob, BOB)
    await _verify(links, ALICE)
    await _create(links, links.alice, "to-bob", f"https://{BOB}/spring", ALICE)
    await _verify(links, BOB)  # links let the target through: it was no served host then
    async with _redirect(links, loopback) as (_, client):
        assert await _follow(client, ALICE, "to-bob") == (404, None)
