"""Multicore mode: each worker's lock-free HTTP metrics, copied into the shared files.

prometheus_client's multiprocess values write an mmap'ed file under a lock on every
update: four writes per request for the HTTP metrics alone, which showed as a tenth of
a gunicorn worker's CPU. Instead every worker keeps the single-process mode's lock-free
families on its loop and `MultiprocessPublisher` adds what changed to prometheus_client's
multiprocess metrics of the same names every ``interval`` seconds, before each scrape
this worker answers, and at shutdown. Other workers' samples reach ``/metrics`` at most
``interval`` seconds late; a killed worker loses at most its last ``interval``.
"""

from __future__ import annotations

import asyncio
from typing import Final

from prometheus_client import Gauge, Histogram

from hop_instrumentation._collectors import LockFreeGauge, LockFreeHistogram

__all__ = ["PUBLISH_INTERVAL", "MultiprocessPublisher"]

#: Seconds between two copies of a worker's samples into the shared files.
PUBLISH_INTERVAL: Final = 1.0


class MultiprocessPublisher:
    """Add a worker's lock-free histogram and gauge to multiprocess metrics of their names."""

    def __init__(
        self, histogram: LockFreeHistogram, gauge: LockFreeGauge, *, interval: float
    ) -> None:
        self._histogram, self._gauge = histogram, gauge
        self._histogram_files = Histogram(
            histogram.name,
            histogram.documentation,
            histogram.labelnames,
            buckets=histogram.bounds,
            registry=None,
        )
        self._gauge_files = Gauge(
            gauge.name,
            gauge.documentation,
            gauge.labelnames,
            registry=None,
            multiprocess_mode="livesum",
        )
        self._published: dict[tuple[str, ...], tuple[list[int], float]] = {}
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def publish(self) -> None:
        """Add the histogram's counts since the last call; set the gauge's current values."""
        for key, (counts, total) in self._histogram.snapshot().items():
            before_counts, before_total = self._published.get(key, ([0] * len(counts), 0.0))
            child = self._histogram_files.labels(*key)
            # prometheus_client keeps a child's per-bucket values and sum privately; adding
            # a delta to them is the one way to merge counts without one call per request.
            for value, now, before in zip(child._buckets, counts, before_counts, strict=True):
                if now != before:
                    value.inc(now - before)
            if total != before_total:
                child._sum.inc(total - before_total)
            self._published[key] = (counts, total)
        for key, value in self._gauge.snapshot().items():
            self._gauge_files.labels(*key).set(value)

    def start(self) -> None:
        """Publish every ``interval`` seconds on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="metrics-publish")

    async def stop(self) -> None:
        """Stop publishing, after a last copy of everything counted so far."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.publish()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.publish()
