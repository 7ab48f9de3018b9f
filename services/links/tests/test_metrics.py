"""links' metrics: what a freshly started service exports."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hop_links.metrics import LinksMetrics


def test_every_label_value_the_routers_use_is_exported_at_zero_from_start() -> None:
    registry = CollectorRegistry()
    LinksMetrics.register(registry)
    exported = {
        (sample.name, *sample.labels.values()): sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }
    # The values the routers count with (routers/links.py, routers/internal.py, front.py).
    assert exported == {
        ("hop_links_links_created_total", "single"): 0.0,
        ("hop_links_links_created_total", "batch"): 0.0,
        ("hop_links_create_failures_total", "invalid"): 0.0,
        ("hop_links_create_failures_total", "taken"): 0.0,
        ("hop_links_resolves_total", "hit"): 0.0,
        ("hop_links_resolves_total", "miss"): 0.0,
        ("hop_links_auth_failures_total",): 0.0,
    }
