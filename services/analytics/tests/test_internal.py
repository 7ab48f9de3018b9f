from __future__ import annotations

from hop_analytics.app import create_app
from hop_analytics.dependencies import services_of
from hop_analytics.settings import AnalyticsSettings
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import SpanCapture, app_client, make_test_settings, metric_value

from .conftest import OWNER_KEY, AppFactory, event, links_owner_transport

RANGE = {"from": "2026-11-28", "to": "2026-11-28"}


async def test_post_clicks_new_batch_accepts_all(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        response = await client.post("/internal/v1/clicks", json={"events": [event("a")]})
        again = await client.post("/internal/v1/clicks", json={"events": [event("a")]})
    assert (response.status_code, response.json()) == (
        200,
        {"accepted": 1, "duplicates": 0, "disabled": 0},
    )
    assert (again.status_code, again.json()) == (
        200,
        {"accepted": 0, "duplicates": 1, "disabled": 0},
    )
    registry = get_instrumentation(app).metrics.registry
    labels = {"transport": "http"}
    assert metric_value(registry, "hop_analytics_events_received_total", labels) == 2
    assert metric_value(registry, "hop_analytics_events_ingested_total", labels) == 1
    assert metric_value(registry, "hop_analytics_events_duplicates_total", labels) == 1
    assert metric_value(registry, "hop_analytics_batch_size_count", labels) == 2
    assert metric_value(registry, "hop_analytics_ingestion_lag_seconds") > 0


async def test_post_clicks_malformed_event_rejects_batch_naming_field(make_app: AppFactory) -> None:
    app = make_app()
    bad = event("b", timestamp="yesterday")
    async with app_client(app) as client:
        response = await client.post("/internal/v1/clicks", json={"events": [event("a"), bad]})
        stats = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": OWNER_KEY}
        )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Event 1: field 'timestamp' is invalid: ")
    assert stats.json()["total_clicks"] == 0
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_analytics_events_rejected_total", {"transport": "http"}) == 1


async def test_post_clicks_empty_or_oversized_batch_is_422(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        empty = await client.post("/internal/v1/clicks", json={"events": []})
        big = await client.post(
            "/internal/v1/clicks", json={"events": [event() for _ in range(1001)]}
        )
        garbage = await client.post("/internal/v1/clicks", content=b"{nope")
    assert [empty.status_code, big.status_code, garbage.status_code] == [422, 422, 422]


async def test_post_clicks_traceparent_links_ingestion_span(make_app: AppFactory) -> None:
    spans = SpanCapture()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = f"00-{trace_id}-00f067aa0ba902b7-01"
    settings = make_test_settings(
        AnalyticsSettings, database_url=services_of(make_app()).settings.database_url
    )
    app = create_app(
        settings, links_transport=links_owner_transport({}), span_processors=(spans.processor,)
    )
    async with app_client(app) as client:
        await client.post("/internal/v1/clicks", json={"events": [event(traceparent=parent)]})
    [span] = spans.named("ingest clicks")
    assert [format(link.context.trace_id, "032x") for link in span.links] == [trace_id]
