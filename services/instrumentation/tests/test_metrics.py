"""`labelled_counter` exports every label value from 0; `OldestWaitingAge` moves with time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from hop_instrumentation.metrics import OldestWaitingAge, labelled_counter
from hop_instrumentation.testing import metric_value, wait_until_async


def test_labelled_counter_exports_every_value_from_0_before_any_count() -> None:
    registry = CollectorRegistry()
    counter = labelled_counter(
        "hop_sample_outcomes", "Outcomes.", registry=registry, label="outcome", values=("ok", "no")
    )
    counter.labels("ok").inc()
    exposition = generate_latest(registry).decode()
    assert 'hop_sample_outcomes_total{outcome="no"} 0.0' in exposition
    assert metric_value(registry, "hop_sample_outcomes_total", {"outcome": "ok"}) == 1


def test_oldest_waiting_age_grows_with_the_clock_while_the_item_waits_and_is_0_once_gone() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("hop_sample_oldest_age_seconds", "Age.", registry=registry)
    now = [1000.0]
    waiting: list[float] = [990.0]
    age = OldestWaitingAge(gauge, lambda: waiting[0] if waiting else None, clock=lambda: now[0])
    assert age.refresh() == 10
    now[0] = 1100.0  # nothing moved but time: the age says so
    assert age.refresh() == 110
    assert metric_value(registry, "hop_sample_oldest_age_seconds") == 110
    waiting.clear()
    assert age.refresh() == 0


async def test_oldest_waiting_age_refreshes_by_itself_while_started() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("hop_sample_oldest_age_seconds", "Age.", registry=registry)
    now = [1000.0]
    age = OldestWaitingAge(gauge, lambda: 900.0, interval=0.001, clock=lambda: now[0])
    age.start()
    assert metric_value(registry, "hop_sample_oldest_age_seconds") == 100
    now[0] = 1500.0

    async def refreshed() -> bool:
        return metric_value(registry, "hop_sample_oldest_age_seconds") == 600

    await wait_until_async(refreshed, what="the age to follow the clock")
    await age.stop()
