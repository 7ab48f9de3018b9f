"""links' metrics: what a freshly started service exports, and what requests record."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from hop_instrumentation import get_instrumentation
from hop_instrumentation.database import DB_OPERATION_DURATION
from hop_instrumentation.testing import metric_value
from hop_links.dependencies import services_of
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
        ("hop_links_domain_checks_total", "proved"): 0.0,
        ("hop_links_domain_checks_total", "not_proved"): 0.0,
    }


async def test_resolves_are_timed_as_database_selects_on_either_path(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    # PostgreSQL resolves on asyncpg directly (hop_links.direct), SQLite through SQLAlchemy.
    await client.post(
        "/api/v1/links", json={"url": "https://example.com/", "code": "timed"}, headers=auth
    )
    registry = get_instrumentation(app).metrics.registry
    system = services_of(app).engine.dialect.name
    selects = {"db_system_name": system, "db_operation_name": "SELECT"}
    before = metric_value(registry, f"{DB_OPERATION_DURATION}_count", selects)
    for _ in range(3):
        assert (await client.get("/internal/v1/links/timed")).status_code == 200
    after = metric_value(registry, f"{DB_OPERATION_DURATION}_count", selects)
    assert after - before == 3
    inserts = {"db_system_name": system, "db_operation_name": "INSERT"}
    assert metric_value(registry, f"{DB_OPERATION_DURATION}_count", inserts) >= 1
