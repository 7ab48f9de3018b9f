"""The console's clients read what the real links and analytics apps answer.

The console parses links' link bodies and analytics' stats bodies with the models both
services answer with (`hop_contracts.links`, `hop_contracts.stats`); here its own clients
(`hop_console.peers`) call the real apps, analytics asking the real links who owns what,
so a body one side changes and the other cannot read fails here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry

from hop_console.errors import DomainNotFoundError, NotSignedInError, RejectedError
from hop_console.links_sessions import SessionsApi
from hop_console.metrics import ConsoleMetrics
from hop_console.peers import AnalyticsApi, Caller, LinksApi
from hop_contracts import CLICKS_PATH, Link, RankedValue
from hop_instrumentation.testing import app_client

from .conftest import MakeAnalytics, MakeLinks, RealLinks

NEW_LINK = {
    "url": "https://example.com/a",
    "code": "console1",
    "redirect_status": 307,
    "expires_at": "2030-01-02T03:04:05Z",
    "tags": ["campaign:spring"],
}


@pytest.fixture
async def analytics_of(
    links: RealLinks, make_analytics: MakeAnalytics
) -> AsyncIterator[httpx.AsyncClient]:
    """The analytics app asking the real links app who owns what."""
    app = make_analytics(links.transport())
    async with app_client(app, base_url="http://analytics") as client:
        yield client


def _clients(links: RealLinks, analytics: httpx.AsyncClient) -> tuple[LinksApi, AnalyticsApi]:
    failures = ConsoleMetrics.register(CollectorRegistry()).peer_failures
    return LinksApi(links.client, failures), AnalyticsApi(analytics, failures)


async def test_console_reads_the_link_bodies_of_real_links(
    links: RealLinks, analytics_of: httpx.AsyncClient
) -> None:
    links_api, _ = _clients(links, analytics_of)

    created = await links_api.create(Caller(links.alice, address=""), NEW_LINK)
    changed = await links_api.update(
        Caller(links.alice, address=""), "console1", {"disabled": True}
    )
    page = await links_api.page(Caller(links.alice, address=""), limit=10)
    raw = await links.client.get("/api/v1/links/console1", headers=links.auth(links.alice))

    assert (created.code, created.redirect_status, created.tags) == (
        "console1", 307, ["campaign:spring"]
    )  # fmt: skip
    assert created.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert changed.disabled
    assert await links_api.get(Caller(links.alice, address=""), "console1") == changed
    assert page.items == [changed]
    assert page.next_cursor is None
    assert Link.model_validate_json(raw.content) == changed


async def test_console_reads_the_stats_bodies_of_real_analytics(
    links: RealLinks, analytics_of: httpx.AsyncClient
) -> None:
    links_api, analytics_api = _clients(links, analytics_of)
    link = await links_api.create(Caller(links.alice, address=""), NEW_LINK)
    now = datetime.now(UTC)
    events = [
        {"id": str(uuid.uuid4()), "link_id": link.id, "code": link.code,
         "timestamp": now.isoformat(), "referrer": "https://news.example/",
         "user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "is_bot": False, "country": "DE"},
        {"id": str(uuid.uuid4()), "link_id": link.id, "code": link.code,
         "timestamp": now.isoformat(), "referrer": None,
         "user_agent": "Googlebot/2.1 (+http://www.google.com/bot.html)", "is_bot": True,
         "country": None},
    ]  # fmt: skip
    ingested = await analytics_of.post(CLICKS_PATH, json={"events": events})
    assert ingested.status_code == 200, ingested.text
    today = now.date()

    stats = await analytics_api.stats(
        Caller(links.alice, address=""), "console1", start=today, end=today
    )
    owner = await analytics_api.owner_stats(Caller(links.alice, address=""), start=today, end=today)

    assert (stats.code, stats.from_, stats.to) == ("console1", today, today)
    assert (stats.total_clicks, stats.bot_clicks) == (1, 1)
    assert [(day.date, day.clicks, day.bot_clicks) for day in stats.daily] == [(today, 1, 1)]
    assert stats.top.referrers == [RankedValue(value="news.example", clicks=1)]
    assert stats.top.countries == [RankedValue(value="DE", clicks=1)]
    assert (owner.links, owner.total_clicks, owner.bot_clicks) == (1, 1, 1)
    assert owner.daily == stats.daily
    assert owner.top == stats.top
    assert [(t.code, t.clicks, t.bot_clicks) for t in owner.top_links] == [("console1", 1, 1)]


async def test_console_sessions_with_real_links_and_analytics(
    links: RealLinks, analytics_of: httpx.AsyncClient
) -> None:
    failures = ConsoleMetrics.register(CollectorRegistry()).peer_failures
    sessions = SessionsApi(links.client, failures)  # links' internal routes, same app here
    links_api, analytics_api = _clients(links, analytics_of)
    opened = await sessions.open(Caller(links.alice, address=""), label="Firefox", max_age=600)
    other = await sessions.open(Caller(links.alice, address=""), label="Chrome", max_age=600)
    caller = Caller(opened.token, address="")
    await links_api.create(caller, NEW_LINK)
    today = datetime.now(UTC).date()

    listed = await sessions.list(caller)
    stats = await analytics_api.stats(caller, "console1", start=today, end=today)
    assert await sessions.end(caller, other.id)
    assert not await sessions.end(caller, other.id)  # gone already
    assert await sessions.end(caller, opened.id)

    assert [(s.id, s.label, s.current) for s in listed.items] == [
        (other.id, "Chrome", False), (opened.id, "Firefox", True)
    ]  # fmt: skip
    assert stats.code == "console1"
    with pytest.raises(NotSignedInError):
        await links_api.page(caller, limit=1)
    with pytest.raises(NotSignedInError):
        await sessions.open(Caller("hop_unknown", address=""), label="", max_age=600)


async def test_console_domains_and_branded_links_with_real_links(
    make_links: MakeLinks, make_analytics: MakeAnalytics
) -> None:
    # A check that fails at once: no DNS server answers, and the HTTP proof meets a closed port.
    unreachable = {
        "verification_nameservers": "127.0.0.1:9",
        "verification_connect_to": "127.0.0.1:9",
        "verification_allow_internal": True,
        "verification_timeout": 0.5,
    }
    async with make_links(**unreachable) as links:
        failures = ConsoleMetrics.register(CollectorRegistry()).peer_failures
        api = LinksApi(links.client, failures)
        alice, bob = Caller(links.alice, address=""), Caller(links.bob, address="")

        added = await api.add_domain(alice, "Go.Acme.TEST.")
        with pytest.raises(RejectedError) as taken:
            await api.add_domain(bob, "go.acme.test")
        platform = await api.create(alice, {"url": "https://example.com/p", "code": "spring"})
        branded = await api.create(
            alice, {"url": "https://example.com/b", "code": "spring", "domain": "go.acme.test"}
        )
        analytics = make_analytics(links.transport())
        async with app_client(analytics, base_url="http://analytics") as client:
            now = datetime.now(UTC)
            click = {"id": str(uuid.uuid4()), "link_id": branded.id, "code": "spring",
                     "timestamp": now.isoformat(), "referrer": None, "user_agent": "Mozilla/5.0",
                     "is_bot": False, "country": None}  # fmt: skip
            assert (await client.post(CLICKS_PATH, json={"events": [click]})).status_code == 200
            stats = AnalyticsApi(client, failures)
            day = now.date()
            branded_stats = await stats.stats(
                alice, "spring", start=day, end=day, domain=branded.domain
            )
            platform_stats = await stats.stats(alice, "spring", start=day, end=day)
        disabled = await api.update(alice, "spring", {"disabled": True}, "go.acme.test")
        on_domain = await api.page(alice, limit=10, domain="go.acme.test")
        listed = await api.domains(alice)
        checked = await api.verify_domain(alice, "go.acme.test")
        with pytest.raises(DomainNotFoundError):
            await api.domain(bob, "go.acme.test")
        deleted = await api.delete_domain(alice, "go.acme.test")
        left = await api.page(alice, limit=10)

    assert (added.name, added.status, added.links) == ("go.acme.test", "pending", 0)
    assert added.verification.txt_name == "_hop-challenge.go.acme.test"
    assert added.verification.txt_value.startswith("hop-challenge=")
    assert taken.value.status == 409
    assert branded.domain == "go.acme.test"
    assert branded.short_url == "https://go.acme.test/spring"
    assert platform.short_url == "https://hop.test/spring"
    assert disabled.disabled
    assert on_domain.items == [disabled]
    assert [(d.name, d.links) for d in listed.items] == [("go.acme.test", 1)]
    assert (checked.name, checked.status) == ("go.acme.test", "pending")  # not proved
    assert checked.reason
    assert checked.last_checked_at is not None
    assert (branded_stats.total_clicks, platform_stats.total_clicks) == (1, 0)
    assert (deleted.name, deleted.deleted_links) == ("go.acme.test", 1)
    assert left.items == [platform]
