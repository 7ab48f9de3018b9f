"""links counts the console's and analytics' callers each at their own address.

The console and analytics call links' public API with their users' keys. Each forwards
the address its instrumentation resolved for the incoming request (`client_address`) as
``X-Forwarded-For``, and links, trusting them as proxies, counts its per-address rate
limits and its failed-authentication budget per user, not once for the calling service.
Everything runs in-process: the real links app (small limits, loopback trusted) behind
the real console and analytics apps, reached from different socket peers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
import pytest
from fastapi import FastAPI

from hop_console.app import create_app as create_console_app
from hop_console.settings import ConsoleSettings
from hop_instrumentation import get_instrumentation
from hop_instrumentation.ratelimit import RATE_LIMITED
from hop_instrumentation.testing import app_client, make_test_settings, metric_value

from .conftest import MakeAnalytics, MakeLinks, RealLinks

#: links' budget per client address (requests) and per address for failed authentication.
PER_ADDRESS: Final = 3
AUTH_FAILURES: Final = 2
#: Socket peers no service trusts (make_test_settings trusts loopback only).
ALICE_PEER: Final = ("198.51.100.1", 40001)
BOB_PEER: Final = ("198.51.100.2", 40002)
_QUIET_CHECKS: Final = 30.0


@dataclass(slots=True)
class Links:
    """The real links app with small limits, and an owner's key and code."""

    real: RealLinks
    key: str
    code: str

    def refused(self, reason: str) -> float:
        """Return how many requests links refused with 429 for ``reason``."""
        registry = get_instrumentation(self.real.app).metrics.registry
        return metric_value(registry, RATE_LIMITED, {"reason": reason})


@pytest.fixture
async def links(make_links: MakeLinks) -> AsyncIterator[Links]:
    async with make_links(
        rate_limit_window=3_600,  # fixed windows: no test straddles a reset
        rate_limit_per_address=PER_ADDRESS,
        rate_limit_auth_failures=AUTH_FAILURES,
        api_key_cache_ttl=0,
    ) as real:
        # From an address of its own, so the tests' addresses start with a full budget.
        headers = {**real.auth(real.alice), "X-Forwarded-For": "192.0.2.250"}
        body = {"url": "https://example.com/a", "code": "shared1"}
        created = await real.client.post("/api/v1/links", json=body, headers=headers)
        assert created.status_code == 201, created.text
        yield Links(real, real.alice, "shared1")


@asynccontextmanager
async def _clients(app: FastAPI, base_url: str, *peers: Any) -> AsyncIterator[list[Any]]:
    """Run ``app``'s lifespan; yield one client per socket peer (a browser each)."""
    api = get_instrumentation(app).api_app
    async with app_client(app, base_url=base_url):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api, client=peer), base_url=base_url
            )
            for peer in peers
        ]
        try:
            yield clients
        finally:
            for client in clients:
                await client.aclose()


@pytest.fixture
def analytics_app(links: Links, make_analytics: MakeAnalytics) -> FastAPI:
    """The analytics app asking the real links, at every stats request (no owner cache)."""
    return make_analytics(links.real.transport(), owner_cache_ttl=0)


async def test_analytics_callers_each_get_their_own_address_budget_at_links(
    links: Links, analytics_app: FastAPI
) -> None:
    auth = {"Authorization": f"Bearer {links.key}"}
    stats = f"/api/v1/stats/{links.code}"
    # alice comes through a trusted edge (loopback) that names her; bob connects directly.
    edge = ("127.0.0.1", 40003)
    async with _clients(analytics_app, "http://analytics", edge, BOB_PEER) as (
        alice,
        bob,
    ):
        via_edge = {**auth, "X-Forwarded-For": "203.0.113.7"}
        alice_answers = [(await alice.get(stats, headers=via_edge)).status_code for _ in range(3)]
        bob_answers = [(await bob.get(stats, headers=auth)).status_code for _ in range(3)]
        assert links.refused("address") == 0
        over = await alice.get(stats, headers=via_edge)
    assert alice_answers == [200] * PER_ADDRESS
    assert bob_answers == [200] * PER_ADDRESS  # alice's requests did not spend bob's budget
    assert over.status_code != 200
    assert links.refused("address") == 1  # alice's fourth, counted at her address


async def test_analytics_wrong_keys_spend_only_their_callers_failed_auth_budget(
    links: Links, analytics_app: FastAPI
) -> None:
    wrong = {"Authorization": "Bearer hop_not_a_key"}
    owners = "/api/v1/stats"
    async with _clients(analytics_app, "http://analytics", ALICE_PEER, BOB_PEER) as (
        guesser,
        owner,
    ):
        guesses = [(await guesser.get(owners, headers=wrong)).status_code for _ in range(3)]
        typo = await owner.get(owners, headers=wrong)
    assert guesses[:AUTH_FAILURES] == [401] * AUTH_FAILURES
    assert guesses[AUTH_FAILURES] != 401  # links refused the guesser's next try with 429
    assert links.refused("auth_failures") == 1
    assert typo.status_code == 401  # bob's budget is his own: an honest 401
    assert typo.json() == {"detail": "Unknown or revoked API key."}


def _console(links: Links) -> FastAPI:
    settings = make_test_settings(
        ConsoleSettings,
        links_url="http://links",
        links_internal_url="http://links-internal",  # sign-in opens a session there
        analytics_url="http://analytics.test",
        session_secret="s" * 40,
        health_check_interval=_QUIET_CHECKS,  # its probe of links counts at loopback
    )
    transport = links.real.transport()
    return create_console_app(
        settings, links_transport=transport, links_internal_transport=transport
    )


async def _sign_in(browser: httpx.AsyncClient, key: str, headers: dict[str, str]) -> int:
    page = await browser.get("/console/sign-in", headers=headers)
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = {"key": key, "csrf": csrf}
    return (await browser.post("/console/sign-in", data=form, headers=headers)).status_code


async def test_console_browsers_each_get_their_own_address_budget_at_links(
    links: Links,
) -> None:
    async with _clients(_console(links), "https://console.test", ALICE_PEER, BOB_PEER) as (
        alice,
        bob,
    ):
        # alice's forged X-Forwarded-For comes from an untrusted peer: the console ignores it,
        # so a new forged address each time buys her no new budget at links.
        forged = [{"X-Forwarded-For": f"192.0.2.{n}"} for n in range(4)]
        alice_sign_in = await _sign_in(alice, links.key, forged[0])
        alice_pages = [
            (await alice.get("/console/links", headers=h)).status_code for h in forged[1:3]
        ]
        bob_sign_in = await _sign_in(bob, links.key, {})
        bob_pages = [(await bob.get("/console/links")).status_code for _ in range(2)]
        assert links.refused("address") == 0
        over = await alice.get("/console/links", headers=forged[3])
    assert (alice_sign_in, alice_pages) == (303, [200, 200])
    assert (bob_sign_in, bob_pages) == (303, [200, 200])  # not refused: his own budget
    assert over.status_code != 200
    assert links.refused("address") == 1
