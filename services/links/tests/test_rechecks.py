"""Periodic re-checks of branded domains, driven by a clock (no sleeps), on a real DNS server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hop_links.domain_proofs import ProvingChecker
from hop_links.domain_store import DomainStore
from hop_links.rechecks import DomainRechecks, RecheckSchedule
from hop_links.verification import ProofChecker, VerificationOptions

from .conftest import build_app

START = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
SCHEDULE = RecheckSchedule(pending_interval=60, pending_max_interval=600, verified_interval=3600)


class Clock:
    """UTC time that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = START + timedelta(seconds=seconds)


class CountingChecker:
    """Wraps a checker and counts the domains it was asked about."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked: list[str] = []

    async def check(self, domain: Any) -> Any:
        self.asked.append(domain.name)
        return await self.inner.check(domain)


@pytest.fixture
async def acme(database_url: str) -> AsyncIterator[tuple[DomainStore, int, Clock]]:
    """A domain store on the test database with a clock, and the owner acme's id."""
    app = build_app(database_url)
    services = app.state.services
    clock = Clock()
    store = DomainStore(services.engine, rules=services.domains.rules, now=clock)
    owner = await services.accounts.create_owner("acme")
    yield store, owner.id, clock
    await services.engine.dispose()


def rechecks(store: DomainStore, checker: Any, clock: Clock) -> DomainRechecks:
    return DomainRechecks(store, checker, schedule=SCHEDULE, now=clock, poll=1.0)


def proving(dns_zone: Any, metrics: Any = None) -> ProvingChecker:
    options = VerificationOptions(nameservers=(dns_zone.nameserver,), timeout=2.0)
    return ProvingChecker(ProofChecker(options), metrics=metrics)


def test_schedule_backs_off_pending_and_spaces_verified() -> None:
    def record(status: str, checked: float | None) -> Any:
        at = None if checked is None else START + timedelta(seconds=checked)
        return type("R", (), {"status": status, "created_at": START, "last_checked_at": at})()

    def due(status: str, checked: float | None) -> float:
        return (SCHEDULE.due_at(record(status, checked)) - START).total_seconds()

    assert [due("pending", c) for c in (None, 60, 120, 240, 480, 2000)] == [
        60, 120, 240, 480, 960, 2600,
    ]  # fmt: skip
    assert due("verified", 100) == 3700
    assert due("failed", 100) == 160  # off the air: checked again as often as a pending one


async def test_rechecks_pending_domains_at_growing_intervals_until_proved(
    acme: Any, dns_zone: Any
) -> None:
    store, owner, clock = acme
    domain = await store.add(owner, "go.acme.test")
    checker = CountingChecker(proving(dns_zone))
    loop = rechecks(store, checker, clock)

    checked = []
    for second in (0, 59, 60, 61, 119, 120, 200, 240):
        clock.at(second)
        checked.append((second, await loop.check_due()))
    assert checked == [
        (0, []), (59, []), (60, ["go.acme.test"]), (61, []), (119, []),
        (120, ["go.acme.test"]), (200, []), (240, ["go.acme.test"]),
    ]  # fmt: skip
    dns_zone.txt["_hop-challenge.go.acme.test"] = [f"hop-challenge={domain.token}"]
    clock.at(480)
    assert await loop.check_due() == ["go.acme.test"]
    (proved,) = await store.of_owner(owner)
    assert (proved.status, proved.reason, proved.verified_at) == ("verified", None, clock.now)
    clock.at(480 + 3599)
    assert await loop.check_due() == []  # verified: next in an hour
    dns_zone.txt.clear()
    clock.at(480 + 3600)
    assert await loop.check_due() == ["go.acme.test"]
    (failed,) = await store.of_owner(owner)
    assert failed.status == "failed"
    assert failed.reason is not None
    assert failed.reason.startswith("TXT _hop-challenge.go.acme.test not found; ")
    dns_zone.txt["_hop-challenge.go.acme.test"] = [f"hop-challenge={domain.token}"]
    clock.at(480 + 3600 + 59)
    assert await loop.check_due() == []
    clock.at(480 + 3600 + 60)  # failed: checked again a pending interval later, not an hour
    assert await loop.check_due() == ["go.acme.test"]
    (back,) = await store.of_owner(owner)
    assert (back.status, back.reason) == ("verified", None)


async def test_claimed_check_is_made_by_one_replica_only(acme: Any, dns_zone: Any) -> None:
    store, owner, clock = acme
    for index in range(6):
        await store.add(owner, f"d{index}.acme.test")
    first, second = CountingChecker(proving(dns_zone)), CountingChecker(proving(dns_zone))
    clock.at(60)

    await asyncio.gather(
        rechecks(store, first, clock).check_due(), rechecks(store, second, clock).check_due()
    )

    assert sorted(first.asked + second.asked) == [f"d{index}.acme.test" for index in range(6)]


async def test_claim_check_is_a_compare_and_set_of_the_last_check(acme: Any) -> None:
    store, owner, clock = acme
    await store.add(owner, "go.acme.test")
    clock.at(60)

    assert await store.claim_check("go.acme.test", seen=None, at=clock.now) is True
    assert await store.claim_check("go.acme.test", seen=None, at=clock.now) is False
    assert await store.claim_check("gone.acme.test", seen=None, at=clock.now) is False
    assert await store.claim_check("go.acme.test", seen=clock.now, at=clock.now) is True


async def test_verify_route_checks_through_dns_and_counts_the_result(
    make_app: Any, dns_zone: Any
) -> None:
    from hop_instrumentation import get_instrumentation
    from hop_instrumentation.testing import app_client, metric_value

    from .conftest import bearer, new_key

    app = make_app(
        verification_enabled=True,
        verification_nameservers=(dns_zone.nameserver,),
        verification_timeout=2.0,
    )
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        created = (
            await client.post("/api/v1/domains", json={"name": "Go.Acme.Test"}, headers=auth)
        ).json()
        first = await client.post("/api/v1/domains/go.acme.test:verify", headers=auth)
        dns_zone.txt["_hop-challenge.go.acme.test"] = [created["verification"]["txt_value"]]
        second = await client.post("/api/v1/domains/go.acme.test:verify", headers=auth)
    assert first.status_code == 200
    assert first.json()["status"] == "pending"
    assert first.json()["reason"].startswith("TXT _hop-challenge.go.acme.test not found; ")
    assert (second.json()["status"], second.json()["reason"]) == ("verified", None)
    registry = get_instrumentation(app).metrics.registry
    for result in ("proved", "not_proved"):
        labels = {"result": result}
        assert metric_value(registry, "hop_links_domain_checks_total", labels) == 1
