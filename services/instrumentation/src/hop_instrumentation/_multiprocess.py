"""Multicore mode: each worker's lock-free HTTP metrics, copied into the shared files.

prometheus_client's multiprocess values write an mmap'ed file under a lock on every
update: four writes per request for the HTTP metrics alone, which showed as a tenth of
a gunicorn worker's CPU. Instead every worker keeps the single-process mode's lock-free
families on its loop and `MultiprocessPublisher` adds what changed to prometheus_client's
multiprocess metrics of the same names every ``interval`` seconds, before each scrape
this worker answers, and at shutdown. Other workers' samples reach ``/metrics`` at most
``interval`` seconds late; a killed worker loses at most its last ``interval``.

prometheus_client's shared files hold values, not exemplars, so its multiprocess mode
drops them. The publisher also writes the histogram's last exemplar of each bucket to a
file of its own in the same directory (``exemplars_<pid>.json``, replaced atomically), and
`ExemplarsCollector` puts the newest of every worker's back on the aggregated buckets:
the exemplar of a bucket is one worker's latest, at most ``interval`` seconds old.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from prometheus_client import Gauge, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Exemplar

from hop_instrumentation._collectors import LockFreeGauge, LockFreeHistogram

__all__ = [
    "PUBLISH_INTERVAL",
    "ExemplarsCollector",
    "MultiprocessPublisher",
    "exemplars_file",
]

#: Seconds between two copies of a worker's samples into the shared files.
PUBLISH_INTERVAL: Final = 1.0
_EXEMPLARS: Final = "exemplars_"


def exemplars_file(directory: str | Path, pid: int) -> Path:
    """Return the file a worker writes its exemplars to."""
    return Path(directory) / f"{_EXEMPLARS}{pid}.json"


class MultiprocessPublisher:
    """Add a worker's lock-free histogram and gauge to multiprocess metrics of their names."""

    def __init__(
        self,
        histogram: LockFreeHistogram,
        gauge: LockFreeGauge,
        *,
        interval: float,
        exemplars: Path | None = None,
    ) -> None:
        self._histogram, self._gauge = histogram, gauge
        self._exemplars_path = exemplars
        self._exemplars_written: object = None
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
        if self._exemplars_path is not None:
            self._write_exemplars(self._exemplars_path)

    def _write_exemplars(self, path: Path) -> None:
        names = self._histogram.labelnames
        rows = [
            [{**dict(zip(names, key, strict=True)), "le": le}, *exemplar]
            for key, exemplars in self._histogram.exemplars().items()
            for le, exemplar in exemplars.items()
        ]
        if rows == self._exemplars_written:
            return
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(rows))
        temporary.replace(path)  # a scrape reads the old file or the new, never half
        self._exemplars_written = rows

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


class ExemplarsCollector(Collector):
    """Yield ``inner``'s families with every worker's newest exemplars on ``name``'s buckets."""

    def __init__(self, inner: Collector, directory: str | Path, name: str) -> None:
        self._inner = inner
        self._directory = Path(directory)
        self._bucket = f"{name}_bucket"

    def collect(self) -> Iterable[Metric]:
        """Yield the families, the histogram's buckets carrying exemplars where any worker has."""
        exemplars = self._newest()
        for family in self._inner.collect():
            if exemplars:
                family.samples = [
                    sample._replace(exemplar=exemplars.get(_bucket_key(sample.labels)))
                    if sample.name == self._bucket
                    else sample
                    for sample in family.samples
                ]
            yield family

    def _newest(self) -> dict[tuple[tuple[str, str], ...], Exemplar]:
        newest: dict[tuple[tuple[str, str], ...], tuple[float, Exemplar]] = {}
        for bucket, labels, value, timestamp in self._rows():
            key = _bucket_key(bucket)
            kept = newest.get(key)
            if kept is None or timestamp > kept[0]:
                newest[key] = (timestamp, Exemplar(labels, value, timestamp))
        return {key: exemplar for key, (_, exemplar) in newest.items()}

    def _rows(self) -> Iterator[tuple[dict[str, str], dict[str, str], float, float]]:
        for path in self._directory.glob(f"{_EXEMPLARS}*.json"):
            try:
                rows = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # removed by a worker's exit meanwhile
            for bucket, labels, value, timestamp in rows:
                yield bucket, labels, float(value), float(timestamp)


def _bucket_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))
