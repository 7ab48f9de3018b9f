"""analytics' metrics: what a freshly started service exports."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hop_analytics.metrics import AnalyticsMetrics


def test_dead_letter_reasons_are_exported_at_zero_before_any_dead_letter() -> None:
    registry = CollectorRegistry()
    AnalyticsMetrics.register(registry)
    exported = {
        sample.labels["reason"]: sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == "hop_analytics_events_dead_lettered_total"
    }
    # The reasons the consumer dead-letters with (test_consumer, test_intake): a healthy
    # service shows 0 on the dashboard, and the first dead letter is an increase.
    assert exported == {"invalid": 0.0, "refused": 0.0}
