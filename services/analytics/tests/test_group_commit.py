from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from hop_analytics._group_commit import GroupCommit
from hop_analytics.events import Click
from hop_analytics.store import ClickStore, IngestOutcome
from hop_contracts import ClickEvent

from .conftest import event


class RecordingStore(ClickStore):
    """Record the groups written; answer each batch with its length as accepted."""

    def __init__(self, error: Exception | None = None) -> None:
        self.groups: list[list[int]] = []
        self._error = error

    async def ingest_many(
        self, batches: Sequence[Sequence[Click]], *, now: datetime | None = None
    ) -> list[IngestOutcome]:
        self.groups.append([len(batch) for batch in batches])
        await asyncio.sleep(0)
        if self._error is not None:
            raise self._error
        return [IngestOutcome(len(batch), 0, None) for batch in batches]


class GatedStore(RecordingStore):
    """Hold every group's write until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()

    async def ingest_many(
        self, batches: Sequence[Sequence[Click]], *, now: datetime | None = None
    ) -> list[IngestOutcome]:
        outcomes = await super().ingest_many(batches, now=now)
        self.writing.set()
        await self.gate.wait()
        return outcomes


def batch(size: int, prefix: str) -> list[Click]:
    bodies: list[dict[str, Any]] = [event(f"{prefix}{n}") for n in range(size)]
    return [Click.from_event(ClickEvent.model_validate(body)) for body in bodies]


async def test_group_commit_concurrent_batches_share_transactions_up_to_max_events() -> None:
    store = RecordingStore()
    group = GroupCommit(store, max_events=5)
    sizes = [2, 3, 1, 4, 5]
    outcomes = await asyncio.gather(
        *(group.ingest(batch(size, f"b{i}-")) for i, size in enumerate(sizes))
    )
    assert [o.accepted for o in outcomes] == sizes
    assert store.groups == [[2, 3], [1, 4], [5]]


async def test_group_commit_batch_after_a_quiet_moment_is_written_alone() -> None:
    store = RecordingStore()
    group = GroupCommit(store, max_events=5)
    await group.ingest(batch(1, "a"))
    await group.ingest(batch(2, "b"))
    assert store.groups == [[1], [2]]


async def test_group_commit_failed_group_raises_in_every_batch_of_it() -> None:
    store = RecordingStore(error=RuntimeError("database gone"))
    group = GroupCommit(store, max_events=10)
    results = await asyncio.gather(
        group.ingest(batch(1, "a")), group.ingest(batch(1, "b")), return_exceptions=True
    )
    assert [str(r) for r in results] == ["database gone", "database gone"]
    with pytest.raises(RuntimeError, match="database gone"):
        await group.ingest(batch(1, "c"))  # the writer ended cleanly and starts again


async def test_group_commit_after_a_group_waits_for_as_many_batches_before_writing() -> None:
    store = RecordingStore()
    group = GroupCommit(store, max_events=10, linger=3600)
    await asyncio.gather(group.ingest(batch(1, "a")), group.ingest(batch(1, "b")))
    first_back = asyncio.ensure_future(group.ingest(batch(1, "c")))
    for _ in range(10):
        await asyncio.sleep(0)
    assert store.groups == [[1, 1]]  # c waits for the other producer of the last group
    outcomes = await asyncio.gather(first_back, group.ingest(batch(2, "d")))
    assert [o.accepted for o in outcomes] == [1, 2]
    assert store.groups == [[1, 1], [1, 2]]


async def test_group_commit_waits_no_longer_than_the_linger_for_a_producer_gone() -> None:
    store = RecordingStore()
    group = GroupCommit(store, max_events=10, linger=0.01)
    await asyncio.gather(group.ingest(batch(1, "a")), group.ingest(batch(1, "b")))
    outcome = await group.ingest(batch(3, "c"))
    assert outcome.accepted == 3
    assert store.groups == [[1, 1], [3]]


async def test_group_commit_waits_for_no_batch_once_the_waiting_fill_a_group() -> None:
    store = RecordingStore()
    group = GroupCommit(store, max_events=4, linger=3600)
    await asyncio.gather(*(group.ingest(batch(1, f"a{i}-")) for i in range(3)))
    outcome = await group.ingest(batch(4, "c"))  # alone, but a full group: written at once
    assert outcome.accepted == 4
    assert store.groups == [[1, 1, 1], [4]]


async def test_group_commit_counts_the_batches_that_waited_as_producers_to_wait_for() -> None:
    store = GatedStore()
    group = GroupCommit(store, max_events=10, linger=3600)
    first = asyncio.ensure_future(group.ingest(batch(1, "a")))
    await store.writing.wait()  # a's group is being written
    second = asyncio.ensure_future(group.ingest(batch(1, "b")))
    await asyncio.sleep(0)
    store.gate.set()
    await first
    for _ in range(10):
        await asyncio.sleep(0)
    assert store.groups == [[1]]  # b waits for a's producer, in flight beside it
    outcomes = await asyncio.gather(second, group.ingest(batch(2, "c")))
    assert [o.accepted for o in outcomes] == [1, 2]
    assert store.groups == [[1], [1, 2]]
