"""analytics' metrics: what a freshly started service exports, and what requests record."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hop_analytics.dependencies import services_of
from hop_analytics.metrics import AnalyticsMetrics
from hop_instrumentation import get_instrumentation
from hop_instrumentation.database import DB_OPERATION_DURATION
from hop_instrumentation.testing import app_client, metric_value

from .conftest import OWNER_KEY, AppFactory


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


async def test_http_transport_app_exports_no_backlog_and_times_its_statements(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app_client(app) as client:
        response = await client.get(
            "/api/v1/stats/abc1234",
            params={"from": "2026-11-28", "to": "2026-11-28"},
            headers={"Authorization": OWNER_KEY},
        )
    assert response.status_code == 200
    registry = get_instrumentation(app).metrics.registry
    samples = {s.name: s for family in registry.collect() for s in family.samples}
    backlog = ("hop_analytics_stream_lag_events", "hop_analytics_stream_pending_events")
    assert [samples[name].value for name in backlog] == [0.0, 0.0]
    selects = {
        "db_system_name": services_of(app).engine.dialect.name,
        "db_operation_name": "SELECT",
    }
    assert metric_value(registry, f"{DB_OPERATION_DURATION}_count", selects) >= 1
