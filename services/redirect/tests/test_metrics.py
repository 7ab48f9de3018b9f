from __future__ import annotations

import dataclasses

import pytest
from prometheus_client import CollectorRegistry

from hop_redirect.metrics import DropReason, RedirectMetrics


def sample_names(registry: CollectorRegistry) -> dict[str, list[dict[str, str]]]:
    names: dict[str, list[dict[str, str]]] = {}
    for family in registry.collect():
        for sample in family.samples:
            if not sample.name.endswith("_created"):
                names.setdefault(sample.name, []).append(sample.labels)
    return names


def test_metrics_register_keeps_the_names_dashboards_and_alerts_use() -> None:
    registry = CollectorRegistry()
    RedirectMetrics.register(registry)
    names = sample_names(registry)
    assert sorted(names) == [
        "hop_redirect_cache_evictions_total",
        "hop_redirect_cache_hits_total",
        "hop_redirect_cache_lookups_throttled_total",
        "hop_redirect_cache_misses_total",
        "hop_redirect_cache_negative_hits_total",
        "hop_redirect_cache_negative_size",
        "hop_redirect_cache_size",
        "hop_redirect_cache_stale_served_total",
        "hop_redirect_clicks_buffered",
        "hop_redirect_clicks_dropped_total",
        "hop_redirect_clicks_oldest_age_seconds",
        "hop_redirect_clicks_sent_total",
        "hop_redirect_clicks_spool_bytes",
        "hop_redirect_clicks_spool_capacity_bytes",
        "hop_redirect_clicks_spool_capacity_events",
        "hop_redirect_clicks_spool_events",
        "hop_redirect_clicks_spool_left_total",
        "hop_redirect_clicks_spool_recovered_total",
        "hop_redirect_clicks_spooled_total",
        "hop_redirect_domains_refresh_failures_total",
        "hop_redirect_domains_served",
    ]
    dropped = names["hop_redirect_clicks_dropped_total"]
    assert sorted(labels["reason"] for labels in dropped) == sorted(DropReason.ALL)
    assert sorted(DropReason.ALL) == [
        "buffer_full",
        "rejected",
        "shutdown",
        "spool_abandoned",
        "spool_full",
        "spool_write_failed",
    ]


def test_metrics_are_frozen_once_registered() -> None:
    metrics = RedirectMetrics.register(CollectorRegistry())
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.cache = metrics.cache  # type: ignore[misc]
