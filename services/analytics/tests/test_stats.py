from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from hop_analytics.dimensions import DIMENSIONS
from hop_contracts import BREAKDOWN_FIELDS
from hop_contracts.testing import FakeLinks
from hop_instrumentation.testing import app_client

from .conftest import OTHER_KEY, OWNER_KEY, AppFactory, event

DAY = "2026-11-28"
RANGE = {"from": DAY, "to": DAY}


def zero_top() -> dict[str, list[object]]:
    return {k: [] for k in ("referrers", "browsers", "operating_systems", "devices", "countries")}


def test_every_dimension_is_a_breakdown_of_the_stats_body_in_its_order() -> None:
    assert tuple(dimension.field for dimension in DIMENSIONS) == BREAKDOWN_FIELDS


async def test_stats_owner_sees_counts_and_zero_filled_series(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        await client.post(
            "/internal/v1/clicks",
            json={"events": [event("a"), event("b", is_bot=True), event("c", code="xyz9876")]},
        )
        response = await client.get(
            "/api/v1/stats/abc1234",
            params={"from": "2026-11-27", "to": DAY},
            headers={"Authorization": OWNER_KEY},
        )
    assert response.status_code == 200
    chrome = {"value": "Chrome", "clicks": 1}
    assert response.json() == {
        "code": "abc1234",
        "from": "2026-11-27",
        "to": DAY,
        "include_bots": False,
        "total_clicks": 1,
        "bot_clicks": 1,
        "daily": [
            {"date": "2026-11-27", "clicks": 0, "bot_clicks": 0},
            {"date": DAY, "clicks": 1, "bot_clicks": 1},
        ],
        "top": {
            "referrers": [{"value": "news.example", "clicks": 1}],
            "browsers": [chrome],
            "operating_systems": [{"value": "Windows", "clicks": 1}],
            "devices": [{"value": "desktop", "clicks": 1}],
            "countries": [{"value": "DE", "clicks": 1}],
        },
    }


async def test_stats_include_bots_counts_bots_in_top_lists(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        await client.post(
            "/internal/v1/clicks", json={"events": [event("a"), event("b", is_bot=True)]}
        )
        response = await client.get(
            "/api/v1/stats/abc1234",
            params={**RANGE, "include_bots": "true"},
            headers={"Authorization": OWNER_KEY},
        )
    body = response.json()
    assert (body["total_clicks"], body["bot_clicks"], body["include_bots"]) == (1, 1, True)
    assert body["top"]["devices"] == [
        {"value": "bot", "clicks": 1},
        {"value": "desktop", "clicks": 1},
    ]


async def test_stats_other_owners_code_is_404(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        response = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": OTHER_KEY}
        )
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No link with code 'abc1234' among your links."},
    )


async def test_stats_missing_or_unknown_key_is_401(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        missing = await client.get("/api/v1/stats/abc1234", params=RANGE)
        unknown = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": "Bearer nope"}
        )
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    assert missing.json() == {
        "detail": "Missing API key; send it as 'Authorization: Bearer <key>'."
    }
    assert (unknown.status_code, unknown.json()) == (401, {"detail": "Unknown or revoked API key."})


async def test_stats_links_unreachable_is_503_with_retry_after(make_app: AppFactory) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = make_app(httpx.MockTransport(down))
    async with app_client(app) as client:
        response = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": OWNER_KEY}
        )
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert response.json() == {"detail": "links cannot check ownership right now; retry later."}


async def test_stats_links_429_is_429_with_links_retry_after_and_ratelimit(
    make_app: AppFactory,
) -> None:
    limits = {
        "retry-after": "17",
        "ratelimit-policy": '"key";q=6000;w=60',
        "ratelimit": '"key";r=0;t=17',
    }
    asked = []

    def limited(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(429, headers=limits, json={"detail": "Too many requests."})

    app = make_app(httpx.MockTransport(limited))
    async with app_client(app) as client:
        answers = [
            await client.get(path, params=RANGE, headers={"Authorization": OWNER_KEY})
            for path in ("/api/v1/stats/abc1234", "/api/v1/stats")
        ]
    assert asked == ["/api/v1/links/abc1234", "/api/v1/links:ids"]
    for response in answers:
        assert response.status_code == 429
        assert {name: response.headers[name] for name in limits} == limits
        assert response.json() == {
            "detail": "links refused the ownership check: too many requests; retry in 17 s."
        }


async def test_stats_ownership_answers_are_cached_per_key_and_code(make_app: AppFactory) -> None:
    links = FakeLinks(owners={OWNER_KEY: {"abc1234"}})
    app = make_app(httpx.ASGITransport(links), owner_cache_ttl=1)
    async with app_client(app) as client:
        for key in (OWNER_KEY, OWNER_KEY, OTHER_KEY, OTHER_KEY):
            await client.get("/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": key})
    assert links.calls == {"abc1234": 2}


async def test_stats_default_range_is_last_30_days(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        response = await client.get("/api/v1/stats/abc1234", headers={"Authorization": OWNER_KEY})
    body = response.json()
    today = datetime.now(UTC).date()
    assert (body["from"], body["to"]) == (str(today - timedelta(days=29)), str(today))
    assert len(body["daily"]) == 30
    assert body["top"] == zero_top()


async def test_stats_bad_ranges_are_422_saying_what_is_wrong(make_app: AppFactory) -> None:
    app = make_app(max_range_days=90)
    cases = {
        ("2026-13-01", DAY): "'from' must be a date as YYYY-MM-DD, got '2026-13-01'.",
        ("2026-11-01", "28.11.2026"): "'to' must be a date as YYYY-MM-DD, got '28.11.2026'.",
        ("2026-11-29", DAY): "'from' (2026-11-29) is after 'to' (2026-11-28); swap them.",
        ("2026-01-01", DAY): "The range 2026-01-01..2026-11-28 covers 332 days; the maximum is 90.",
    }
    async with app_client(app) as client:
        for (start, end), detail in cases.items():
            response = await client.get(
                "/api/v1/stats/abc1234",
                params={"from": start, "to": end},
                headers={"Authorization": OWNER_KEY},
            )
            assert (response.status_code, response.json()) == (422, {"detail": detail})


async def test_stats_malformed_code_is_422(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        response = await client.get(
            "/api/v1/stats/bad%20code", headers={"Authorization": OWNER_KEY}
        )
    assert response.status_code == 422


async def test_stats_for_one_day_range_uses_date_boundaries(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app) as client:
        await client.post(
            "/internal/v1/clicks",
            json={"events": [event("late", timestamp="2026-11-28T23:59:59.999Z")]},
        )
        response = await client.get(
            "/api/v1/stats/abc1234", params=RANGE, headers={"Authorization": OWNER_KEY}
        )
    assert response.json()["daily"] == [
        {"date": str(date(2026, 11, 28)), "clicks": 1, "bot_clicks": 0}
    ]


async def test_stats_ask_links_with_the_address_analytics_resolved(make_app: AppFactory) -> None:
    forwarded: list[str | None] = []

    def links(request: httpx.Request) -> httpx.Response:
        forwarded.append(request.headers.get("x-forwarded-for"))
        return httpx.Response(401, json={"detail": "Unknown or revoked API key."})

    app = make_app(httpx.MockTransport(links))  # trusts loopback, the in-process client
    chain = {"Authorization": OWNER_KEY, "X-Forwarded-For": "192.0.2.1, 198.51.100.9"}
    async with app_client(app) as client:
        one = await client.get("/api/v1/stats/abc1234", params=RANGE, headers=chain)
        owner_wide = await client.get("/api/v1/stats", params=RANGE, headers=chain)

    assert (one.status_code, owner_wide.status_code) == (401, 401)
    assert forwarded == ["198.51.100.9", "198.51.100.9"]  # the ownership check, the link list
