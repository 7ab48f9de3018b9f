"""analytics' metrics: what a freshly started service exports."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hop_analytics.metrics import AnalyticsMetrics


def _exported(name: str, label: str) -> dict[str, float]:
    registry = CollectorRegistry()
    AnalyticsMetrics.register(registry)
    return {
        sample.labels[label]: sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name
    }


def test_dead_letter_reasons_are_exported_at_zero_before_any_dead_letter() -> None:
    # The reasons the consumer dead-letters with (test_consumer, test_intake): a healthy
    # service shows 0 on the dashboard, and the first dead letter is an increase.
    exported = _exported("hop_analytics_events_dead_lettered_total", "reason")
    assert exported == {"invalid": 0.0, "refused": 0.0}


def test_rejected_is_exported_at_zero_for_each_transport_before_any_rejection() -> None:
    exported = _exported("hop_analytics_events_rejected_total", "transport")
    assert exported == {"http": 0.0, "redis": 0.0}
