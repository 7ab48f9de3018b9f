"""Lock-free HTTP server metrics, updated on the event loop's thread.

`prometheus_client`'s metric values take a lock per update: four lock round trips per
request (active up, active down, bucket, sum) cost more than the rest of the
middleware. Every update here happens on the event loop's thread, and collection runs
there too (the management app shares the loop), so plain integers suffice. In
multiprocess mode `_multiprocess.MultiprocessPublisher` copies them to the shared files.
"""

from __future__ import annotations

import functools
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.samples import Exemplar
from prometheus_client.utils import floatToGoString


class HistogramChild:
    """One label set's buckets, sum and the last exemplar of each bucket."""

    __slots__ = ("_bounds", "_counts", "_exemplars", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self._counts = [0] * (len(bounds) + 1)
        self._exemplars: list[Exemplar | None] = [None] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, amount: float, exemplar: dict[str, str] | None = None) -> None:
        """Count one observation, keeping ``exemplar`` (labels) for its bucket if given."""
        index = bisect_left(self._bounds, amount)
        self._counts[index] += 1
        self.sum += amount
        if exemplar is not None:
            self._exemplars[index] = Exemplar(exemplar, amount, time.time())

    def counts(self) -> list[int]:
        """Return a copy of the per-bucket (not cumulative) counts, ``+Inf`` last."""
        return list(self._counts)

    def exemplars(self) -> dict[str, Exemplar]:
        """Return the last exemplar of each bucket that has one, by its ``le``."""
        return {
            le: exemplar
            for le, exemplar in zip(_les(self._bounds), self._exemplars, strict=True)
            if exemplar is not None
        }

    def buckets(self) -> list[tuple[str, float] | tuple[str, float, Exemplar]]:
        """Return the cumulative buckets as the exposition wants them."""
        result: list[tuple[str, float] | tuple[str, float, Exemplar]] = []
        total = 0
        for le, count, exemplar in zip(
            _les(self._bounds), self._counts, self._exemplars, strict=True
        ):
            total += count
            result.append((le, total, exemplar) if exemplar else (le, total))
        return result


@functools.cache
def _les(bounds: tuple[float, ...]) -> tuple[str, ...]:
    return tuple(floatToGoString(b) for b in (*bounds, float("inf")))  # type: ignore[no-untyped-call]


class LockFreeHistogram:
    """A labelled histogram family updated without locks from one thread."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], buckets: Sequence[float]
    ) -> None:
        self.name, self.documentation = name, documentation
        self.labelnames = list(labelnames)
        self.bounds = tuple(sorted(buckets))
        self._children: dict[tuple[str, ...], HistogramChild] = {}

    def labels(self, *values: object) -> HistogramChild:
        """Return the child for these label values, creating it on first use."""
        key = tuple(str(v) for v in values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = HistogramChild(self.bounds)
        return child

    def snapshot(self) -> dict[tuple[str, ...], tuple[list[int], float]]:
        """Return each label set's per-bucket counts and sum as they are now."""
        return {key: (child.counts(), child.sum) for key, child in list(self._children.items())}

    def exemplars(self) -> dict[tuple[str, ...], dict[str, Exemplar]]:
        """Return each label set's last exemplar per bucket (``le``), where it has any."""
        found = {key: child.exemplars() for key, child in list(self._children.items())}
        return {key: exemplars for key, exemplars in found.items() if exemplars}

    def collect(self) -> Iterator[Metric]:
        """Yield the family for the registry."""
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for key, child in list(self._children.items()):
            family.add_metric(list(key), child.buckets(), child.sum)
        yield family


class GaugeChild:
    """One label set's value."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount``."""
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        """Subtract ``amount``."""
        self.value -= amount


class LockFreeGauge:
    """A labelled gauge family updated without locks from one thread."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str]) -> None:
        self.name, self.documentation = name, documentation
        self.labelnames = list(labelnames)
        self._children: dict[tuple[str, ...], GaugeChild] = {}

    def labels(self, *values: object) -> GaugeChild:
        """Return the child for these label values, creating it on first use."""
        key = tuple(str(v) for v in values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = GaugeChild()
        return child

    def snapshot(self) -> dict[tuple[str, ...], float]:
        """Return each label set's value as it is now."""
        return {key: child.value for key, child in list(self._children.items())}

    def collect(self) -> Iterator[Metric]:
        """Yield the family for the registry."""
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for key, child in list(self._children.items()):
            family.add_metric(list(key), child.value)
        yield family
