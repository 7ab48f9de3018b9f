from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client, metric_value
from hop_redirect.dependencies import RedirectServices, services_of

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]


def test_services_of_an_app_built_elsewhere_raises_lookup_error() -> None:
    with pytest.raises(
        LookupError, match=r"^This app was not built by the create_app of hop_redirect"
    ):
        services_of(FastAPI())


async def test_services_are_one_frozen_object_on_app_state(make_app: AppFactory) -> None:
    app, _, _ = make_app()
    services = services_of(app)
    assert isinstance(services, RedirectServices)
    assert services is app.state.services
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.cache = services.cache


async def test_services_stopping_publishes_cache_hits_and_delivers_clicks(
    make_app: AppFactory,
) -> None:
    app, _, sink = make_app(click_flush_interval=60.0)
    async with app_client(app) as client:
        await client.get("/abc")
        await client.get("/abc")
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_redirect_cache_hits_total") == 1
    assert metric_value(registry, "hop_redirect_cache_misses_total") == 1
    assert len(sink.events) == 2


async def test_calls_to_links_and_analytics_are_timed_as_http_client_requests(
    make_app: AppFactory,
) -> None:
    app, _, _ = make_app(click_flush_interval=60.0)
    async with app_client(app) as client:
        await client.get("/abc")  # a miss: links resolves it; stopping sends the click
    registry = get_instrumentation(app).metrics.registry
    peers = {
        (s.labels["http_request_method"], s.labels["http_response_status_code"])
        for family in registry.collect()
        for s in family.samples
        if s.name == "http_client_request_duration_seconds_count" and s.value > 0
    }
    assert ("GET", "200") in peers  # links' resolve
    assert ("POST", "200") in peers  # the click batch to analytics
