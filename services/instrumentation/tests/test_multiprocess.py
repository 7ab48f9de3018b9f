from __future__ import annotations

from prometheus_client.metrics import MetricWrapperBase

from hop_instrumentation._collectors import LockFreeGauge, LockFreeHistogram
from hop_instrumentation._multiprocess import MultiprocessPublisher


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
