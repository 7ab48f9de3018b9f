"""`labelled_counter`: a counter whose every label value is exported from 0."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from hop_instrumentation.metrics import labelled_counter
from hop_instrumentation.testing import metric_value


def test_labelled_counter_exports_every_value_from_0_before_any_count() -> None:
    registry = CollectorRegistry()
    counter = labelled_counter(
        "hop_sample_outcomes", "Outcomes.", registry=registry, label="outcome", values=("ok", "no")
    )
    counter.labels("ok").inc()
    exposition = generate_latest(registry).decode()
    assert 'hop_sample_outcomes_total{outcome="no"} 0.0' in exposition
    assert metric_value(registry, "hop_sample_outcomes_total", {"outcome": "ok"}) == 1
