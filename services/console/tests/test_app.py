"""The app on the platform: security headers, probes, metrics, peers down, unknown pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hop_console.app import create_app
from hop_console.security import CONTENT_SECURITY_POLICY
from hop_console.settings import ConsoleSettings
from hop_contracts.testing import FakeLinks
from hop_instrumentation import SettingsError, load_settings
from hop_instrumentation.testing import (
    app_client,
    make_test_settings,
    management_client,
    metric_value,
)


async def test_every_page_sets_the_csp_and_security_headers(signed_in: Any) -> None:
    for path in (
        "/console/sign-in",
        "/console/links",
        "/console/nope",
        "/console/static/console.css",
    ):
        response = await signed_in.client.get(path)
        headers = response.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    page = await signed_in.client.get("/console/links")
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text
    assert " style=" not in page.text


async def test_unknown_pages_answer_a_404_page(console: Any) -> None:
    response = await console.client.get("/console/no/such/page")

    assert response.status_code == 404
    assert "There is no console page at this address." in response.text


async def test_home_sends_to_the_links(console: Any) -> None:
    response = await console.client.get("/console")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/links"


async def test_links_down_answers_503_with_retry_after_never_500() -> None:
    links = FakeLinks()
    links.down = True
    settings = make_test_settings(ConsoleSettings, session_secret="k" * 32)
    app = create_app(settings, links_transport=httpx.ASGITransport(links))
    async with app_client(app, base_url="https://console.test") as client:
        page = await client.get("/console/sign-in")
        token = page.text.split('name="csrf" value="')[1].split('"')[0]

        response = await client.post("/console/sign-in", data={"key": "hop_x", "csrf": token})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "links is not answering right now" in response.text
    registry = app.state.instrumentation.metrics.registry
    assert metric_value(registry, "hop_console_peer_failures_total", {"peer": "links"}) == 1.0


async def test_readiness_reports_the_peers_without_failing_on_them(console: Any) -> None:
    async with management_client(console.app) as management:
        ready = await management.get("/readyz")
        metrics = await management.get("/metrics")

    assert ready.status_code == 200
    assert "hop_console_sign_ins_total" in metrics.text


def test_settings_refuse_a_short_secret_and_many_workers_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOP_SESSION_SECRET", "short")
    with pytest.raises(SettingsError, match="HOP_SESSION_SECRET is shorter than 32"):
        load_settings(ConsoleSettings)
    monkeypatch.delenv("HOP_SESSION_SECRET")
    monkeypatch.setenv("HOP_WORKERS", "2")
    with pytest.raises(SettingsError, match="HOP_WORKERS=2 needs HOP_SESSION_SECRET"):
        load_settings(ConsoleSettings)


async def test_analytics_down_or_garbled_answers_503_on_the_stats_page(make_console: Any) -> None:
    down = httpx.MockTransport(lambda request: httpx.Response(500, json={"detail": "boom"}))
    garbled = httpx.MockTransport(lambda request: httpx.Response(200, text="not json"))
    for transport in (down, garbled):
        async with make_console(analytics=transport) as console:
            await console.sign_in()
            console.links.add("alice", "s", "https://example.com/")

            answer = await console.client.get("/console/links/s/stats")

            assert answer.status_code == 503
            assert "analytics is not answering right now" in answer.text
            registry = console.app.state.instrumentation.metrics.registry
            labels = {"peer": "analytics"}
            assert metric_value(registry, "hop_console_peer_failures_total", labels) == 1.0


async def test_a_peers_429_is_a_429_page_with_its_retry_after_not_an_outage(
    make_console: Any,
) -> None:
    limited = httpx.MockTransport(
        lambda request: httpx.Response(429, headers={"Retry-After": "17"}, json={"detail": "slow"})
    )
    async with make_console(analytics=limited) as console:
        await console.sign_in()
        console.links.add("alice", "s", "https://example.com/")

        answer = await console.client.get("/console/links/s/stats")

        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "17"
        assert "Too many requests for now (analytics limits them); try again in 17 s." in (
            answer.text
        )
        registry = console.app.state.instrumentation.metrics.registry
        labels = {"peer": "analytics"}
        assert not metric_value(registry, "hop_console_peer_failures_total", labels)


async def test_a_bad_query_value_or_method_answers_a_page_not_a_500(signed_in: Any) -> None:
    bad_query = await signed_in.client.get("/console/links/new", params={"created": "maybe"})
    bad_value = await signed_in.client.get("/console/links", params={"tag": "x" * 65})
    wrong_method = await signed_in.client.put("/console/links")

    assert bad_value.status_code == 422
    assert "Check tag" in bad_value.text
    assert wrong_method.status_code == 405
    assert "Method not allowed" in wrong_method.text
    assert bad_query.status_code == 200  # /links/new takes no query: ignored


async def test_links_is_called_with_the_address_the_console_resolved() -> None:
    forwarded: list[str | None] = []

    def links(request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:  # not the readiness probe
            forwarded.append(request.headers.get("x-forwarded-for"))
        return httpx.Response(401, json={"detail": "Unknown or revoked API key."})

    settings = make_test_settings(ConsoleSettings, session_secret="k" * 32)  # trusts loopback
    transport = httpx.MockTransport(links)
    app = create_app(settings, links_transport=transport, links_internal_transport=transport)
    # The in-process client is loopback, a trusted proxy: the last hop it appended counts.
    chain = {"X-Forwarded-For": "192.0.2.1, 198.51.100.9"}
    async with app_client(app, base_url="https://console.test") as client:
        page = await client.get("/console/sign-in")
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = {"key": "hop_x", "csrf": token}
        response = await client.post("/console/sign-in", data=form, headers=chain)

    assert response.status_code == 401
    assert forwarded == ["198.51.100.9"]  # the resolved address, never the client's chain
