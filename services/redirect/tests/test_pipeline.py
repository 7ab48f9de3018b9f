"""Every way the click pipeline can lose a click is counted with its own reason."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hop_instrumentation.testing import capture_logs, metric_value, wait_until_async
from hop_redirect.clicks import ClickBuffer
from hop_redirect.errors import DeliveryFailedError
from hop_redirect.metrics import ClickMetrics
from hop_redirect.pipeline import ClickPipeline
from hop_redirect.spool import ClickSpool

DROPPED = "hop_redirect_clicks_dropped_total"
OLDEST = "hop_redirect_clicks_oldest_age_seconds"


class Sender:
    """A click receiver that is down until `up` is set, and keeps what it receives."""

    def __init__(self) -> None:
        self.up = False
        self.events: list[bytes] = []

    async def send(self, events: list[bytes]) -> None:
        if not self.up:
            raise DeliveryFailedError("The receiver is down.")
        self.events.extend(events)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class Harness:
    def __init__(
        self,
        spool_dir: Path,
        *,
        persistent: bool = True,
        clock: Callable[[], float] = time.time,
        **spool: int,
    ) -> None:
        self.registry = CollectorRegistry()
        self.sender = Sender()
        self.buffer = ClickBuffer(spill_at=100_000, batch_size=500)
        budget = {"max_events": 1000, "max_bytes": 2**20, "segment_bytes": 2**20} | spool
        self.pipeline = ClickPipeline(
            self.buffer,
            self.sender,
            ClickSpool(spool_dir, **budget),
            ClickMetrics.register(self.registry),
            batch_size=500,
            interval=0.05,
            max_retry_delay=0.05,
            persistent=persistent,
            clock=clock,
        )

    def click(self, count: int) -> None:
        for _ in range(count):
            self.buffer.record("link-1", "abc", None, b"agent", None, None)

    def metric(self, name: str, **labels: str) -> float:
        return metric_value(self.registry, name, labels)

    async def until(self, name: str, value: float, **labels: str) -> None:
        async def reached() -> bool:
            return self.metric(name, **labels) == value

        await wait_until_async(reached, what=f"{name}{labels} to reach {value}")


Make = Callable[..., Harness]


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Make]:
    started: list[Harness] = []

    async def build(spool_dir: Path | None = None, **options: Any) -> Harness:
        harness = Harness(spool_dir or tmp_path / "spool", **options)
        await harness.pipeline.start()
        started.append(harness)
        return harness

    yield build  # type: ignore[misc]
    for harness in started:
        await harness.pipeline.stop(0.1)


async def test_pipeline_shutdown_with_the_receiver_down_and_no_persistent_spool_counts_shutdown(
    make: Make,
) -> None:
    harness: Harness = await make(persistent=False)
    harness.click(5)
    with capture_logs() as logs:
        await harness.pipeline.stop(0.2)
    assert harness.metric(DROPPED, reason="shutdown") == 5
    assert harness.metric("hop_redirect_clicks_spool_left_total") == 0
    lost = [log for log in logs if log["message"].startswith("clicks left at shutdown")]
    assert [(log["level"], log["clicks"]) for log in lost] == [("error", 5)]


async def test_pipeline_shutdown_with_a_persistent_spool_leaves_the_clicks_to_the_successor(
    make: Make, tmp_path: Path
) -> None:
    harness: Harness = await make()
    harness.click(5)
    with capture_logs() as logs:
        await harness.pipeline.stop(0.2)
    assert harness.metric(DROPPED) == 0
    assert harness.metric("hop_redirect_clicks_spool_left_total") == 5
    assert any(log["message"].startswith("clicks left in the persistent spool") for log in logs)
    successor: Harness = await make()
    assert successor.metric("hop_redirect_clicks_spool_recovered_total") == 5
    successor.sender.up = True
    await successor.pipeline.flush()
    assert len(successor.sender.events) == 5


async def test_pipeline_spooled_clicks_it_cannot_read_are_discarded_and_counted_abandoned(
    make: Make,
) -> None:
    harness: Harness = await make()
    harness.click(4)
    await harness.until("hop_redirect_clicks_spooled_total", 4)
    for segment in harness.pipeline.spool.path.glob("*.seg"):
        segment.unlink()  # a volume that lost its files: the spool counts what it cannot read
    harness.sender.up = True
    await harness.until(DROPPED, 4, reason="spool_abandoned")
    assert harness.metric("hop_redirect_clicks_spool_events") == 0
    harness.click(2)
    await harness.until("hop_redirect_clicks_sent_total", 2)


async def test_pipeline_spool_write_on_a_full_disk_counts_write_failed_and_logs_once(
    small_disk: Any, make: Make
) -> None:
    harness: Harness = await make(small_disk.path)
    small_disk.fill()
    with capture_logs() as logs:
        harness.click(3)
        await harness.until(DROPPED, 3, reason="spool_write_failed")
        harness.click(2)
        await harness.until(DROPPED, 5, reason="spool_write_failed")
    failures = [log for log in logs if log["message"].startswith("click spool write failed")]
    assert len(failures) == 1
    assert "No space left on device" in failures[0]["error"]
    small_disk.free()
    harness.click(2)
    await harness.until("hop_redirect_clicks_spooled_total", 2)
    harness.sender.up = True
    await harness.until("hop_redirect_clicks_sent_total", 2)
    assert harness.metric(DROPPED, reason="spool_write_failed") == 5


async def test_pipeline_spool_budget_is_the_small_disk_it_has_and_overflow_is_spool_full(
    small_disk: Any, make: Make
) -> None:
    harness: Harness = await make(small_disk.path, max_events=10**9, max_bytes=2**40)
    capacity = harness.metric("hop_redirect_clicks_spool_capacity_bytes")
    assert 0 < capacity <= 256 * 1024
    harness.click(4000)  # ~130 bytes each: twice what the disk holds

    async def settled() -> bool:
        spooled = harness.metric("hop_redirect_clicks_spooled_total")
        return spooled + harness.metric(DROPPED, reason="spool_full") == 4000

    await wait_until_async(settled, what="every click to be spooled or counted spool_full")
    assert harness.metric(DROPPED, reason="spool_full") > 0
    assert harness.metric(DROPPED, reason="spool_write_failed") == 0


async def test_pipeline_orphaned_slot_over_the_budget_is_counted_abandoned_at_start(
    make: Make, tmp_path: Path
) -> None:
    budget = {"max_events": 1000, "max_bytes": 2**20, "segment_bytes": 2**20}
    first, second = (
        ClickSpool(tmp_path / "spool", **budget),
        ClickSpool(tmp_path / "spool", **budget),
    )
    first.open()
    second.open()
    second.append([b'{"id":"%d"}' % i for i in range(5)])  # a worker of a previous run
    first.close()
    second.close()
    harness: Harness = await make(max_events=3)
    assert harness.metric("hop_redirect_clicks_spool_recovered_total") == 3
    assert harness.metric(DROPPED, reason="spool_abandoned") == 2
    assert harness.metric("hop_redirect_clicks_spool_events") == 3


async def test_pipeline_oldest_click_age_grows_while_delivery_is_down_and_is_0_once_sent(
    make: Make,
) -> None:
    now = [time.time()]
    harness: Harness = await make(clock=lambda: now[0])
    assert harness.metric(OLDEST) == 0
    harness.click(3)
    made = harness.buffer.oldest_at
    assert made is not None
    await harness.until("hop_redirect_clicks_spooled_total", 3)  # the receiver is down

    async def aged(seconds: float) -> None:
        async def reached() -> bool:  # the spool keeps the time to the millisecond
            return seconds - 0.001 <= harness.metric(OLDEST) <= seconds + 0.001

        await wait_until_async(reached, what=f"the oldest click to be {seconds} s old")

    now[0] = made + 300
    await aged(300)
    now[0] = made + 900  # nothing moved but time, and the age says so
    await aged(900)
    harness.sender.up = True
    await harness.until("hop_redirect_clicks_sent_total", 3)
    await harness.until(OLDEST, 0)
