from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from hop_instrumentation.database import create_engine
from hop_links.accounts import AccountStore
from hop_links.domain_names import DomainRules
from hop_links.domain_store import DomainStore
from hop_links.errors import DomainNotFoundError, DomainTakenError

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[DomainStore]:
    engine = create_engine(database_url)
    accounts = AccountStore(engine)
    await accounts.create_owner("a")
    await accounts.create_owner("b")
    yield DomainStore(engine, rules=DomainRules(platform_host="hop.test"), now=lambda: T0)
    await engine.dispose()


async def test_record_check_moves_pending_verified_failed_and_back(store: DomainStore) -> None:
    await store.add(1, "go.acme.com")
    steps = [
        (False, "no record", T0),
        (True, None, T0 + timedelta(minutes=1)),
        (True, None, T0 + timedelta(minutes=2)),
        (False, "NXDOMAIN", T0 + timedelta(minutes=3)),
        (False, "still NXDOMAIN", T0 + timedelta(minutes=4)),
        (True, "ignored", T0 + timedelta(minutes=5)),
    ]
    seen = []
    for proved, reason, at in steps:
        record = await store.record_check("go.acme.com", proved=proved, reason=reason, at=at)
        assert record is not None
        seen.append((record.status, record.reason, record.verified_at, record.last_checked_at))
    stored = await store.get(1, "go.acme.com")
    minute = timedelta(minutes=1)
    assert seen == [
        ("pending", "no record", None, T0),
        ("verified", None, T0 + minute, T0 + minute),
        ("verified", None, T0 + minute, T0 + 2 * minute),  # verified since the first proof
        ("failed", "NXDOMAIN", T0 + minute, T0 + 3 * minute),
        ("failed", "still NXDOMAIN", T0 + minute, T0 + 4 * minute),
        ("verified", None, T0 + 5 * minute, T0 + 5 * minute),
    ]
    assert (stored.status, stored.verified_at) == ("verified", T0 + 5 * minute)


async def test_record_check_of_a_deleted_domain_answers_none(store: DomainStore) -> None:
    await store.add(1, "go.acme.com")
    await store.delete(1, "go.acme.com")
    assert await store.record_check("go.acme.com", proved=True, reason=None, at=T0) is None


async def test_verified_names_follow_checks_and_deletes_at_once(store: DomainStore) -> None:
    await store.add(1, "b.example")
    await store.add(2, "a.example")
    assert await store.verified() == frozenset()
    await store.record_check("b.example", proved=True, reason=None, at=T0)
    await store.record_check("a.example", proved=True, reason=None, at=T0)
    assert await store.verified_names() == ["a.example", "b.example"]
    await store.delete(1, "b.example")
    assert await store.verified() == frozenset({"a.example"})


async def test_a_name_is_one_owners_and_never_seen_by_another(store: DomainStore) -> None:
    added = await store.add(1, "Go.Acme.com.")
    with pytest.raises(DomainTakenError):
        await store.add(2, "go.acme.com")
    with pytest.raises(DomainNotFoundError):
        await store.get(2, "go.acme.com")
    with pytest.raises(DomainNotFoundError):
        await store.delete(2, "go.acme.com")
    assert await store.name_of_token(added.token) == "go.acme.com"
    assert await store.status(1, "go.acme.com") == "pending"
    assert await store.status(2, "go.acme.com") is None
    assert [d.name for d in await store.of_owner(1)] == ["go.acme.com"]


async def test_due_for_check_answers_never_checked_first_then_the_oldest(
    store: DomainStore,
) -> None:
    for name in ("a.example", "b.example", "c.example", "d.example"):
        await store.add(1, name)
    await store.record_check("a.example", proved=True, reason=None, at=T0 + timedelta(hours=2))
    await store.record_check("b.example", proved=True, reason=None, at=T0 + timedelta(hours=1))
    await store.record_check("c.example", proved=True, reason=None, at=T0 + timedelta(hours=9))
    due = await store.due_for_check(before=T0 + timedelta(hours=3))
    assert [d.name for d in due] == ["d.example", "b.example", "a.example"]
    assert [d.name for d in await store.due_for_check(before=T0, limit=1)] == ["d.example"]
