"""Event-loop lag: how late a timer fires, sampled by a background task off the request path.

A request handler that blocks the loop (CPU work, a synchronous call, a long collection)
delays every other request on it; the delay of a sleep that should wake at a known time
measures exactly that. One sample every ``interval`` seconds costs one timer.
"""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Final

from prometheus_client import CollectorRegistry, Histogram

EVENT_LOOP_LAG: Final = "hop_event_loop_lag_seconds"
LAG_BUCKETS: Final = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
)  # fmt: skip


class LoopLagMonitor:
    """Observe the event loop's lag into ``hop_event_loop_lag_seconds`` while running."""

    def __init__(self, registry: CollectorRegistry, *, interval: float) -> None:
        self.histogram = Histogram(
            EVENT_LOOP_LAG,
            "How late the event loop ran a timer: time requests waited for a busy loop.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._sample(), name="loop-lag")

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _sample(self) -> None:
        interval = self._interval
        while True:
            expected = perf_counter() + interval
            await asyncio.sleep(interval)
            self.histogram.observe(max(0.0, perf_counter() - expected))
