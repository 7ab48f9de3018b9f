from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.registry import Collector
from prometheus_client.samples import Exemplar

from hop_instrumentation._collectors import LockFreeGauge, LockFreeHistogram
from hop_instrumentation._multiprocess import (
    ExemplarsCollector,
    MultiprocessPublisher,
    exemplars_file,
)


def _samples(metric: MetricWrapperBase) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in metric.collect()
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def test_publisher_repeated_publishes_add_each_observation_once() -> None:
    histogram = LockFreeHistogram("d_seconds", "Durations.", ["route"], (0.1, 1.0))
    gauge = LockFreeGauge("active", "In flight.", ["method"])
    publisher = MultiprocessPublisher(histogram, gauge, interval=1.0)
    histogram.labels("/a").observe(0.05)
    gauge.labels("GET").inc()
    publisher.publish()
    histogram.labels("/a").observe(0.5)
    histogram.labels("/a").observe(5.0)
    gauge.labels("GET").dec()
    publisher.publish()
    publisher.publish()  # nothing new: nothing added
    route = (("route", "/a"),)
    assert _samples(publisher._histogram_files) == {
        ("d_seconds_bucket", (("le", "0.1"), ("route", "/a"))): 1.0,
        ("d_seconds_bucket", (("le", "1.0"), ("route", "/a"))): 2.0,
        ("d_seconds_bucket", (("le", "+Inf"), ("route", "/a"))): 3.0,
        ("d_seconds_count", route): 3.0,
        ("d_seconds_sum", route): 5.55,
    }
    assert _samples(publisher._gauge_files) == {("active", (("method", "GET"),)): 0.0}


def test_exemplars_of_every_worker_land_on_the_aggregated_buckets_newest_first(
    tmp_path: Path,
) -> None:
    # Two workers' lock-free histograms, each publishing its exemplars to its own file.
    for pid, (trace_id, at) in enumerate((("a" * 32, 100.0), ("b" * 32, 200.0)), start=1):
        histogram = LockFreeHistogram("d_seconds", "Durations.", ["route"], (0.1, 1.0))
        histogram.labels("/a").observe(0.05, {"trace_id": trace_id})
        child = histogram.labels("/a")
        child._exemplars[0] = child._exemplars[0]._replace(timestamp=at)  # a known order
        gauge = LockFreeGauge("active", "In flight.", ["method"])
        publisher = MultiprocessPublisher(
            histogram, gauge, interval=1.0, exemplars=exemplars_file(tmp_path, pid)
        )
        publisher.publish()
    histogram = LockFreeHistogram("d_seconds", "Durations.", ["route"], (0.1, 1.0))
    histogram.labels("/a").observe(0.05)
    histogram.labels("/a").observe(0.5)  # the shared files' sum: no exemplar of its own

    class Files(Collector):
        def collect(self) -> Iterable[Metric]:
            return histogram.collect()

    [family] = ExemplarsCollector(Files(), tmp_path, "d_seconds").collect()
    exemplars = {s.labels["le"]: s.exemplar for s in family.samples if s.name.endswith("_bucket")}
    assert exemplars["0.1"] == Exemplar({"trace_id": "b" * 32}, 0.05, 200.0)
    assert exemplars["1.0"] is None
    assert exemplars["+Inf"] is None
    registry = CollectorRegistry()
    registry.register(ExemplarsCollector(Files(), tmp_path, "d_seconds"))
    exposition = generate_openmetrics(registry).decode()
    assert f'# {{trace_id="{"b" * 32}"}} 0.05 200.0' in exposition
