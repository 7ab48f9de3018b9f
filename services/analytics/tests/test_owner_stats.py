"""The owner-wide stats, ``GET /api/v1/stats``: every link the key's owner has now, added up."""

from __future__ import annotations

from typing import Any

import httpx

from hop_analytics.owners import OwnerChecker
from hop_analytics.settings import AnalyticsSettings
from hop_contracts import OwnedLink
from hop_contracts.testing import FakeLinks, fake_link_id, link_body
from hop_instrumentation.testing import app_client

from .conftest import OTHER_KEY, OWNER_KEY, AppFactory, Clock, event

DAY = "2026-11-28"
RANGE = {"from": DAY, "to": DAY}
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def owning(**owned: set[str]) -> FakeLinks:
    """A fake links where OWNER_KEY has ``owner`` and OTHER_KEY has ``other``."""
    return FakeLinks(owners={OWNER_KEY: owned.get("owner", set()), OTHER_KEY: owned["other"]})


def platform(code: str) -> OwnedLink:
    return OwnedLink(id=fake_link_id(code), code=code, domain="hop.test")


async def clicks(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    response = await client.post("/internal/v1/clicks", json={"events": list(events)})
    assert response.status_code == 200, response.text


async def owner_stats(client: httpx.AsyncClient, key: str, **params: str) -> httpx.Response:
    return await client.get("/api/v1/stats", params=params, headers={"Authorization": key})


async def test_owner_stats_add_up_every_owned_link_bots_apart(make_app: AppFactory) -> None:
    links = owning(owner={"aaa", "bbb", "quiet"}, other={"zzz"})
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await clicks(
            client,
            event("a1", code="aaa"),
            event("a2", code="aaa", referrer=None),
            event("a3", code="aaa", is_bot=True),
            event("b1", code="bbb", timestamp="2026-11-27T23:59:59Z", user_agent=FIREFOX),
            event("z1", code="zzz"),
        )
        response = await owner_stats(client, OWNER_KEY, **{"from": "2026-11-27", "to": DAY})
    assert response.status_code == 200
    assert response.json() == {
        "links": 3,
        "from": "2026-11-27",
        "to": DAY,
        "include_bots": False,
        "total_clicks": 3,
        "bot_clicks": 1,
        "daily": [
            {"date": "2026-11-27", "clicks": 1, "bot_clicks": 0},
            {"date": DAY, "clicks": 2, "bot_clicks": 1},
        ],
        "top": {
            "referrers": [
                {"value": "news.example", "clicks": 2},
                {"value": "(direct)", "clicks": 1},
            ],
            "browsers": [{"value": "Chrome", "clicks": 2}, {"value": "Firefox", "clicks": 1}],
            "operating_systems": [
                {"value": "Windows", "clicks": 2},
                {"value": "Linux", "clicks": 1},
            ],
            "devices": [{"value": "desktop", "clicks": 3}],
            "countries": [{"value": "DE", "clicks": 3}],
        },
        "top_links": [
            {"code": "aaa", "domain": "hop.test", "clicks": 2, "bot_clicks": 1},
            {"code": "bbb", "domain": "hop.test", "clicks": 1, "bot_clicks": 0},
        ],
        "domains": [{"domain": "hop.test", "links": 3, "clicks": 3, "bot_clicks": 1}],
    }


async def test_owner_stats_include_bots_counts_bots_in_top_lists_and_links(
    make_app: AppFactory,
) -> None:
    links = owning(owner={"aaa", "bbb"}, other=set())
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        bots = [event(f"bot{i}", code="bbb", is_bot=True) for i in range(3)]
        await clicks(client, event("a1", code="aaa"), *bots)
        humans = await owner_stats(client, OWNER_KEY, **RANGE)
        everyone = await owner_stats(client, OWNER_KEY, **RANGE, include_bots="true")
    assert humans.json()["top_links"] == [
        {"code": "aaa", "domain": "hop.test", "clicks": 1, "bot_clicks": 0}
    ]
    assert humans.json()["top"]["devices"] == [{"value": "desktop", "clicks": 1}]
    body = everyone.json()
    assert (body["total_clicks"], body["bot_clicks"], body["include_bots"]) == (1, 3, True)
    assert body["top_links"] == [
        {"code": "bbb", "domain": "hop.test", "clicks": 0, "bot_clicks": 3},
        {"code": "aaa", "domain": "hop.test", "clicks": 1, "bot_clicks": 0},
    ]
    assert body["top"]["devices"] == [
        {"value": "bot", "clicks": 3},
        {"value": "desktop", "clicks": 1},
    ]


async def test_owner_stats_deleted_code_recreated_by_another_owner_shows_them_zero(
    make_app: AppFactory,
) -> None:
    links = FakeLinks({"x": {**link_body("x", "https://a.example/"), "id": "old1"}})
    links.owners = {OWNER_KEY: {"x", "keep"}, OTHER_KEY: set()}
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await clicks(client, event("a1", code="x", link_id="old1"), event("k1", code="keep"))
        before = await owner_stats(client, OWNER_KEY, **RANGE)
        # The owner deletes x; another owner creates x again: a new link, a new id.
        links.links["x"] = {**link_body("x", "https://b.example/"), "id": "new1"}
        links.owners = {OWNER_KEY: {"keep"}, OTHER_KEY: {"x"}}
        await clicks(client, event("a2", code="x", link_id="old1"))  # from a stale cache
        theirs = await owner_stats(client, OTHER_KEY, **RANGE)
        mine = await owner_stats(client, OWNER_KEY, **RANGE)
    assert (before.json()["total_clicks"], before.json()["links"]) == (2, 2)
    assert theirs.status_code == 200
    assert (theirs.json()["links"], theirs.json()["total_clicks"]) == (1, 0)
    assert theirs.json()["top_links"] == []
    assert theirs.json()["top"]["referrers"] == []
    assert mine.json()["total_clicks"] == 1
    assert mine.json()["top_links"] == [
        {"code": "keep", "domain": "hop.test", "clicks": 1, "bot_clicks": 0}
    ]


async def test_owner_stats_of_an_owner_without_links_are_zero_filled(
    make_app: AppFactory,
) -> None:
    links = owning(owner={"aaa"}, other=set())
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await clicks(client, event("a1", code="aaa"))
        response = await owner_stats(client, OTHER_KEY, **{"from": "2026-11-27", "to": DAY})
    body = response.json()
    assert (response.status_code, body["links"], body["total_clicks"]) == (200, 0, 0)
    assert [day["clicks"] for day in body["daily"]] == [0, 0]
    assert body["top_links"] == []


async def test_owner_stats_count_more_links_than_a_statement_has_parameters(
    make_app: AppFactory,
) -> None:
    many = {f"n{i}" for i in range(40_000)}
    links = owning(owner=many, other=set())
    async with app_client(make_app(httpx.ASGITransport(links))) as client:
        await clicks(client, event("a1", code="n7"), event("a2", code="n39999"))
        response = await owner_stats(client, OWNER_KEY, **RANGE)
    body = response.json()
    assert (response.status_code, body["links"], body["total_clicks"]) == (200, 40_000, 2)


async def test_owner_stats_bad_ranges_are_422_and_never_ask_links(make_app: AppFactory) -> None:
    links = owning(owner={"aaa"}, other=set())
    app = make_app(httpx.ASGITransport(links), max_range_days=90)
    cases = {
        "2026-13-01": {"from": "2026-13-01", "to": DAY},
        "after": {"from": DAY, "to": "2026-11-01"},
        "maximum is 90": {"from": "2026-01-01", "to": DAY},
    }
    async with app_client(app) as client:
        answers = {word: await owner_stats(client, OWNER_KEY, **q) for word, q in cases.items()}
    for word, response in answers.items():
        assert response.status_code == 422
        assert word in response.json()["detail"]
    assert links.calls == {}


async def test_owner_stats_missing_or_unknown_key_is_401(make_app: AppFactory) -> None:
    async with app_client(make_app(httpx.ASGITransport(owning(other=set())))) as client:
        missing = await client.get("/api/v1/stats", params=RANGE)
        unknown = await owner_stats(client, "Bearer nope", **RANGE)
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    assert (unknown.status_code, unknown.json()) == (401, {"detail": "Unknown or revoked API key."})


async def test_owner_stats_revoked_key_stops_working_within_2_seconds(
    make_app: AppFactory,
) -> None:
    links = owning(owner={"aaa"}, other=set())
    default_ttl = AnalyticsSettings.model_fields["owner_cache_ttl"].default
    clock = Clock()
    app = make_app(httpx.ASGITransport(links), owner_cache_ttl=default_ttl, clock=clock)
    async with app_client(app) as client:
        first = await owner_stats(client, OWNER_KEY, **RANGE)
        again = await owner_stats(client, OWNER_KEY, **RANGE)
        del links.owners[OWNER_KEY]  # the key is revoked
        clock.now += 2.0
        revoked = await owner_stats(client, OWNER_KEY, **RANGE)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (revoked.status_code, revoked.json()) == (401, {"detail": "Unknown or revoked API key."})
    assert links.calls == {"/api/v1/links:ids": 2}  # the second answer came from the cache


async def test_owner_stats_links_down_or_malformed_is_503_with_retry_after(
    make_app: AppFactory,
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def malformed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": "bad:id", "code": "x"}]})

    answers = []
    for handler in (down, malformed):
        async with app_client(make_app(httpx.MockTransport(handler))) as client:
            answers.append(await owner_stats(client, OWNER_KEY, **RANGE))
    for response in answers:
        assert (response.status_code, response.headers["retry-after"]) == (503, "5")
        assert response.json() == {"detail": "links cannot check ownership right now; retry later."}


async def test_owner_checker_reuses_an_owners_links_for_ttl_seconds_per_key() -> None:
    links = owning(owner={"aaa"}, other={"zzz"})
    now = [100.0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(links), base_url="http://links"
    ) as client:
        checker = OwnerChecker(client, ttl=1.0, clock=lambda: now[0])
        first = await checker.owned_links(OWNER_KEY)
        links.owners[OWNER_KEY] = {"aaa", "bbb"}  # a link created within the ttl
        cached = await checker.owned_links(OWNER_KEY)
        other = await checker.owned_links(OTHER_KEY)
        now[0] += 1.0
        fresh = await checker.owned_links(OWNER_KEY)
    assert first == cached == {fake_link_id("aaa"): platform("aaa")}
    assert other == {fake_link_id("zzz"): platform("zzz")}
    assert fresh == {fake_link_id("aaa"): platform("aaa"), fake_link_id("bbb"): platform("bbb")}
    assert links.calls == {"/api/v1/links:ids": 3}
