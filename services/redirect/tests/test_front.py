from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks, link_body
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import LoopbackServers, app_client, capture_logs, metric_value
from hop_redirect.app import create_app
from hop_redirect.dependencies import services_of
from hop_redirect.links_client import PROBE_CODE
from hop_redirect.settings import RedirectSettings

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]


async def test_redirect_known_code_answers_302_with_location_and_no_store(
    make_app: AppFactory,
) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        response = await client.get("/abc")
    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/x"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"location": "https://example.com/x"}


@pytest.mark.parametrize(
    ("status", "cache_control"),
    [
        (301, "public, max-age=3600"),
        (302, "no-store"),
        (307, "no-store"),
        (308, "public, max-age=3600"),
    ],
)
async def test_redirect_each_status_answers_it_with_fitting_cache_control(
    make_app: AppFactory, status: int, cache_control: str
) -> None:
    links = {"abc": link_body("abc", "https://example.com/", redirect_status=status)}
    app, _, _ = make_app(links, cache_ttl=7200.0)
    async with app_client(app) as client:
        response = await client.get("/abc")
    assert (response.status_code, response.headers["cache-control"]) == (status, cache_control)
    assert response.headers["location"] == "https://example.com/"


async def test_redirect_permanent_max_age_never_outlives_the_cache_ttl(
    make_app: AppFactory,
) -> None:
    links = {"abc": link_body("abc", "https://example.com/", redirect_status=301)}
    app, _, _ = make_app(links, cache_ttl=30.0, permanent_max_age=3600)
    async with app_client(app) as client:
        response = await client.get("/abc")
    assert response.headers["cache-control"] == "public, max-age=30"


@pytest.mark.parametrize("status", [301, 308])
async def test_redirect_permanent_link_expiring_in_60s_is_cached_at_most_60s(
    make_app: AppFactory, status: int
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=60)
    body = link_body(
        "soon",
        "https://example.com/",
        redirect_status=status,
        forward_query=True,
        expires_at=expires.isoformat().replace("+00:00", "Z"),
    )
    app, _, _ = make_app({"soon": body}, cache_ttl=7200.0, permanent_max_age=3600)
    async with app_client(app) as client:
        plain = await client.get("/soon")
        with_query = await client.get("/soon?a=1")
    for response in (plain, with_query):
        assert response.status_code == status
        max_age = int(response.headers["cache-control"].removeprefix("public, max-age="))
        assert 55 <= max_age <= 60
    assert with_query.headers["location"] == "https://example.com/?a=1"


async def test_redirect_unknown_code_answers_404_json(make_app: AppFactory) -> None:
    app, _, sink = make_app()
    async with app_client(app) as client:
        response = await client.get("/nope")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"detail": "No link has this code."}
    assert sink.events == {}


async def test_redirect_disabled_link_answers_404(make_app: AppFactory) -> None:
    app, _, _ = make_app({"off": link_body("off", "https://example.com/", disabled=True)})
    async with app_client(app) as client:
        response = await client.get("/off")
    assert (response.status_code, response.json()) == (404, {"detail": "No link has this code."})


async def test_redirect_expired_link_answers_410(make_app: AppFactory) -> None:
    body = link_body("old", "https://example.com/", expires_at="2020-01-01T00:00:00Z")
    app, _, _ = make_app({"old": body})
    async with app_client(app) as client:
        response = await client.get("/old")
    assert (response.status_code, response.json()) == (
        410,
        {"detail": "The link 'old' has expired."},
    )


async def test_redirect_future_expiry_still_redirects(make_app: AppFactory) -> None:
    body = link_body("soon", "https://example.com/", expires_at="2999-01-01T00:00:00Z")
    app, _, _ = make_app({"soon": body})
    async with app_client(app) as client:
        response = await client.get("/soon")
    assert response.status_code == 302


async def test_redirect_browser_gets_html_page(make_app: AppFactory) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        found = await client.get("/abc", headers={"accept": "text/html,*/*;q=0.8"})
        missing = await client.get("/zzz", headers={"accept": "text/html"})
    assert found.headers["content-type"] == "text/html; charset=utf-8"
    assert found.text == (
        "<!doctype html><title>Redirecting</title>"
        '<a href="https://example.com/x">https://example.com/x</a>\n'
    )
    assert missing.status_code == 404
    assert missing.text == (
        "<!doctype html><title>Not found</title><h1>Not found</h1><p>No link has this code.</p>\n"
    )


@pytest.mark.parametrize(
    ("target", "query", "location"),
    [
        ("https://example.com/x", "utm=a&b=2", "https://example.com/x?utm=a&b=2"),
        ("https://example.com/x?k=1", "utm=a", "https://example.com/x?k=1&utm=a"),
        ("https://example.com/x#top", "utm=a", "https://example.com/x?utm=a#top"),
        ("https://example.com/x", "q=%C3%A9t%C3%A9", "https://example.com/x?q=%C3%A9t%C3%A9"),
    ],
)
async def test_redirect_forward_query_appends_the_query_string(
    make_app: AppFactory, target: str, query: str, location: str
) -> None:
    app, _, _ = make_app({"fw": link_body("fw", target, forward_query=True)})
    async with app_client(app) as client:
        response = await client.get(f"/fw?{query}")
    assert response.headers["location"] == location
    assert response.json() == {"location": location}


async def test_redirect_without_forward_query_ignores_the_query_string(
    make_app: AppFactory,
) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        response = await client.get("/abc?utm=a")
    assert response.headers["location"] == "https://example.com/x"


async def test_redirect_non_ascii_target_is_percent_encoded(make_app: AppFactory) -> None:
    app, _, _ = make_app({"u": link_body("u", "https://example.com/caf\u00e9 x")})
    async with app_client(app) as client:
        response = await client.get("/u")
    assert response.headers["location"] == "https://example.com/caf%C3%A9%20x"


async def test_redirect_head_answers_headers_without_body(make_app: AppFactory) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        response = await client.head("/abc")
        missing = await client.head("/zzz")
    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/x"
    assert response.content == b""
    assert (missing.status_code, missing.content) == (404, b"")


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("HEAD", {}),
        ("GET", {"sec-purpose": "prefetch"}),
        ("GET", {"sec-purpose": "prefetch;prerender"}),
        ("GET", {"purpose": "prefetch"}),
        ("GET", {"x-moz": "prefetch"}),
    ],
)
async def test_redirect_head_and_prefetch_are_answered_alike_but_not_counted(
    make_app: AppFactory, method: str, headers: dict[str, str]
) -> None:
    app, _, sink = make_app()
    async with app_client(app) as client:
        speculative = await client.request(method, "/abc", headers=headers)
        clicked = await client.get("/abc")
        await services_of(app).pipeline.flush()
    assert speculative.status_code == clicked.status_code == 302
    assert speculative.headers == clicked.headers
    assert len(sink.events) == 1


async def test_redirect_post_to_a_code_answers_405(make_app: AppFactory) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        response = await client.post("/abc")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"detail": "Short links answer GET and HEAD only."}


async def test_redirect_links_down_and_not_cached_answers_503_with_retry_after(
    make_app: AppFactory,
) -> None:
    app, fake, _ = make_app()
    fake.down = True
    async with app_client(app) as client:
        response = await client.get("/abc")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {"detail": "The link cannot be resolved right now; retry shortly."}


async def test_redirect_links_unreachable_answers_503_not_404(
    make_settings: Callable[..., RedirectSettings],
) -> None:
    app = create_app(make_settings(links_url="http://127.0.0.1:9", links_timeout=0.5))
    async with app_client(app) as client:
        response = await client.get("/abc")
    assert response.status_code == 503


async def test_redirect_is_observed_under_the_code_route_template(make_app: AppFactory) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        await client.get("/abc")
        await client.get("/abc")
        await client.get("/missing")
    registry = get_instrumentation(app).metrics.registry
    name = "http_server_request_duration_seconds_count"
    found = {"http_route": "/{code}", "http_response_status_code": "302"}
    missing = {"http_route": "/{code}", "http_response_status_code": "404"}
    assert metric_value(registry, name, found) == 2
    assert metric_value(registry, name, missing) == 1


async def test_redirect_access_log_keeps_errors_and_samples_redirects(
    make_app: AppFactory,
) -> None:
    app, _, _ = make_app(access_log_sample_ratio=0.0)
    async with app_client(app) as client:
        with capture_logs() as events:
            await client.get("/abc")
            await client.get("/missing")
    access = [e for e in events if e["logger"] == "hop.access"]
    assert [(e["http_route"], e["http_response_status_code"]) for e in access] == [("/{code}", 404)]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/docs",
        "/api",
        "/internal",
        "/metrics",
        "/openapi.json",
        "/redoc",
        "/a/b",
        "/abc/",
        "/a%2Fb",
        "/a%2fb",
        "/%2E%2E/abc",
        "/%2e",
        "/" + "a" * 65,
        "/" + "a" * 5000,
        "/caf\u00e9",
        "/%C3%A9",
        "/%00",
        "/%FF",
        "/a%20b",
        "/a.b",
        "/~user",
        "/%",
        "//abc",
    ],
)
async def test_redirect_bad_path_answers_a_json_4xx_never_500(
    make_app: AppFactory, path: str
) -> None:
    app, fake, _ = make_app()
    async with app_client(app) as client:
        response = await client.get(path)
        posted = await client.post(path)
    assert 400 <= response.status_code < 500
    assert 400 <= posted.status_code < 500
    assert set(response.json()) == {"detail"}
    assert set(fake.calls) <= {PROBE_CODE}


async def test_redirect_longest_valid_code_is_resolved(make_app: AppFactory) -> None:
    code = "A-_9" * 16
    app, _, _ = make_app({code: link_body(code, "https://example.com/")})
    async with app_client(app) as client:
        response = await client.get("/" + code)
    assert response.status_code == 302


async def _raw_get(app: FastAPI, raw_path: bytes) -> tuple[int, bytes]:
    """Send a request whose path no client would normalize, as uvicorn would scope it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await get_instrumentation(app).api_app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.parametrize(
    "raw_path", [b"/../abc", b"/./abc", b"/.", b"/..", b"/abc/..", b"/%2e%2e", b"/abc%2F..%2Fx"]
)
async def test_redirect_dot_segments_answer_404_json(make_app: AppFactory, raw_path: bytes) -> None:
    app, fake, _ = make_app()
    async with app_client(app):
        status, body = await _raw_get(app, raw_path)
    assert status == 404
    assert set(orjson.loads(body)) == {"detail"}
    assert set(fake.calls) <= {PROBE_CODE}


async def test_redirect_flood_of_unknown_codes_keeps_the_hot_set_cached_and_bounds_lookups(
    make_settings: Callable[..., RedirectSettings], loopback: LoopbackServers
) -> None:
    hot = {f"hot{i}": link_body(f"hot{i}", f"https://example.com/{i}") for i in range(20)}
    links = FakeLinks(hot)
    settings = make_settings(
        links_url=loopback.serve(links),
        cache_size=20,
        cache_negative_size=100,
        cache_unknown_lookup_burst=50,
    )
    frozen = 1000.0  # no token comes back while the flood runs
    app = create_app(settings, clock=lambda: frozen)
    async with app_client(app) as client:
        for code in hot:
            assert (await client.get(f"/{code}")).status_code == 302
        answers = [await client.get(f"/unknown{i}") for i in range(3000)]
        after = [(await client.get(f"/{code}")).status_code for code in hot]
    flood = [answer.status_code for answer in answers]
    assert flood[:50] == [404] * 50
    # A scan is the client's doing: 429, never a 5xx that spends the availability budget.
    assert set(flood[50:]) == {429}
    assert {answer.headers["retry-after"] for answer in answers[50:]} == {"1"}
    assert answers[-1].json() == {
        "detail": "Too many unknown codes were asked for lately; this one is not looked up"
        " now. Retry after the time in Retry-After."
    }
    assert after == [302] * 20
    assert all(links.calls[code] == 1 for code in hot)
    assert sum(n for code, n in links.calls.items() if code != PROBE_CODE) == 20 + 50
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_redirect_cache_size") == 20
    assert metric_value(registry, "hop_redirect_cache_negative_size") == 50
    assert metric_value(registry, "hop_redirect_cache_lookups_throttled_total") == 2950
