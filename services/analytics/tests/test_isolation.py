"""Clicks belong to link ids: a re-created code starts at zero; revoked keys stop in 2 s."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from hop_analytics.settings import AnalyticsSettings
from hop_contracts.testing import FakeLinks, link_body
from hop_instrumentation.testing import app_client, make_test_settings

from .conftest import OTHER_KEY, OWNER_KEY, AppFactory, Clock, event

RANGE = {"from": "2026-11-28", "to": "2026-11-28"}


async def test_stats_recreated_code_starts_at_zero_and_late_clicks_never_reach_it(
    make_app: AppFactory,
) -> None:
    links = FakeLinks({"x": {**link_body("x", "https://a.example/"), "id": "old1"}})
    links.owners = {OWNER_KEY: {"x"}, OTHER_KEY: set()}
    app = make_app(httpx.ASGITransport(links))
    async with app_client(app) as client:

        async def stats(key: str) -> httpx.Response:
            return await client.get("/api/v1/stats/x", params=RANGE, headers={"Authorization": key})

        async def click(event_id: str, link_id: str) -> None:
            body = {"events": [event(event_id, code="x", link_id=link_id)]}
            assert (await client.post("/internal/v1/clicks", json=body)).status_code == 200

        await click("a1", "old1")
        await click("a2", "old1")
        before = await stats(OWNER_KEY)
        # The owner deletes x; another owner creates x again: a new link, a new id.
        links.links["x"] = {**link_body("x", "https://b.example/"), "id": "new1"}
        links.owners = {OWNER_KEY: set(), OTHER_KEY: {"x"}}
        await click("a3", "old1")  # served from a cache after the deletion
        fresh = await stats(OTHER_KEY)
        await click("b1", "new1")
        after = await stats(OTHER_KEY)
        former = await stats(OWNER_KEY)
    assert before.json()["total_clicks"] == 2
    assert (fresh.status_code, fresh.json()["total_clicks"]) == (200, 0)
    assert fresh.json()["top"]["referrers"] == []
    assert after.json()["total_clicks"] == 1
    assert former.status_code == 404


async def test_stats_links_answer_without_link_id_is_503_not_the_codes_clicks(
    make_app: AppFactory,
) -> None:
    async def no_id(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "abc1234"})

    app = make_app(httpx.MockTransport(no_id))
    async with app_client(app) as client:
        response = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": OWNER_KEY}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_stats_revoked_key_stops_working_within_2_seconds(make_app: AppFactory) -> None:
    links = FakeLinks(owners={OWNER_KEY: {"abc1234"}})
    default_ttl = AnalyticsSettings.model_fields["owner_cache_ttl"].default
    clock = Clock()
    app = make_app(httpx.ASGITransport(links), owner_cache_ttl=default_ttl, clock=clock)
    headers = {"Authorization": OWNER_KEY}
    async with app_client(app) as client:
        first = await client.get("/api/v1/stats/abc1234", params=RANGE, headers=headers)
        del links.owners[OWNER_KEY]  # the key is revoked
        clock.now += 2.0
        revoked = await client.get("/api/v1/stats/abc1234", params=RANGE, headers=headers)
    assert first.status_code == 200
    assert (revoked.status_code, revoked.json()) == (401, {"detail": "Unknown or revoked API key."})


def test_settings_owner_cache_over_2_seconds_is_refused() -> None:
    with pytest.raises(ValidationError, match="owner_cache_ttl"):
        make_test_settings(AnalyticsSettings, owner_cache_ttl=30)
