"""Signing in and out, expired and forged sessions, and forms without their CSRF token."""

from __future__ import annotations

import time
from typing import Any

import httpx

from hop_console.sessions import COOKIE_NAME
from hop_instrumentation.testing import metric_value

ALICE = "hop_alice_key"


async def test_sign_in_page_sets_an_anonymous_session_cookie_with_strict_attributes(
    console: Any,
) -> None:
    response = await console.client.get("/console/sign-in")

    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/console"):
        assert attribute in cookie
    assert '<label for="key">API key</label>' in response.text


async def test_sign_in_with_a_good_key_redirects_to_links_and_never_shows_the_key(
    console: Any,
) -> None:
    response = await console.sign_in()

    assert response.status_code == 303
    assert response.headers["location"] == "/console/links"
    cookie_value = console.client.cookies[COOKIE_NAME]
    assert ALICE not in cookie_value  # encrypted, not merely signed
    links = await console.client.get("/console/links")
    assert links.status_code == 200
    assert ALICE not in links.text
    assert ALICE not in str(links.url)


async def test_sign_in_with_a_wrong_key_answers_401_with_the_form_again(console: Any) -> None:
    response = await console.sign_in("hop_wrong")

    assert response.status_code == 401
    assert "That API key is unknown or was revoked." in response.text
    assert '<input id="key"' in response.text
    registry = console.app.state.instrumentation.metrics.registry
    assert metric_value(registry, "hop_console_sign_ins_total", {"outcome": "rejected"}) == 1.0
    assert (await console.client.get("/console/links")).status_code == 401


async def test_sign_in_with_an_empty_key_answers_422(console: Any) -> None:
    response = await console.sign_in("")

    assert response.status_code == 422
    assert "Enter your API key" in response.text


PAGES = (
    "/links",
    "/links/new",
    "/links/abc",
    "/links/abc/stats",
    "/links/abc/stats.csv",
    "/links/abc/qr.svg",
    "/links/abc/qr.png",
    "/overview",
)


async def test_pages_without_a_session_answer_401_with_the_sign_in_form(console: Any) -> None:
    for path in PAGES:
        response = await console.client.get("/console" + path)

        assert response.status_code == 401, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "Sign in with your API key to continue." in response.text
        assert f'name="next" value="{path}"' in response.text
    assert console.links.links == {}


async def test_the_console_root_without_a_session_leads_to_the_sign_in_form_with_401(
    console: Any,
) -> None:
    response = await console.client.get("/console", follow_redirects=True)

    assert [step.status_code for step in response.history] == [303]
    assert response.status_code == 401
    assert "Sign in with your API key to continue." in response.text


async def test_sign_in_returns_to_the_page_asked_for(console: Any) -> None:
    console.links.add("alice", "mine", "https://example.com/")
    await console.client.get("/console/links/mine")
    token = await console.csrf()
    response = await console.client.post(
        "/console/sign-in", data={"key": ALICE, "csrf": token, "next": "/links/mine"}
    )

    assert response.headers["location"] == "/console/links/mine"


async def test_sign_in_ignores_a_next_that_leaves_the_console(console: Any) -> None:
    token = await console.csrf()
    data = {"key": ALICE, "csrf": token, "next": "//evil.example/"}
    response = await console.client.post("/console/sign-in", data=data)

    assert response.headers["location"] == "/console/links"


async def test_an_expired_session_answers_401_saying_it_expired(make_console: Any) -> None:
    async with make_console(session_max_age=60) as console:
        await console.sign_in()
        token = await console.csrf("/console/links/new")
        codec = console.app.state.services.sessions
        codec.clock = lambda: time.time() + 61  # a minute later, without waiting

        expired = console.client.cookies[COOKIE_NAME]

        async def with_expired_cookie(method: str, path: str, **kwargs: Any) -> httpx.Response:
            # Each answer hands out a fresh anonymous cookie: send the expired one every time.
            console.client.cookies.clear()
            console.client.cookies.set(COOKIE_NAME, expired, domain="console.test")
            return await console.client.request(method, "/console" + path, **kwargs)

        pages = [await with_expired_cookie("GET", path) for path in PAGES]
        form = await with_expired_cookie(
            "POST", "/links", data={"url": "https://example.com/", "csrf": token}
        )

        for response in [*pages, form]:
            assert response.status_code == 401
            assert "Your session expired. Sign in again to continue." in response.text
        assert console.links.links == {}


async def test_a_tampered_cookie_answers_401_as_invalid(console: Any) -> None:
    console.client.cookies.set(COOKIE_NAME, "not-a-session", domain="console.test")

    response = await console.client.get("/console/links")

    assert response.status_code == 401
    assert "Your session is no longer valid." in response.text


async def test_a_form_without_the_csrf_token_answers_403_and_changes_nothing(
    signed_in: Any,
) -> None:
    response = await signed_in.client.post(
        "/console/links", data={"url": "https://example.com/forged", "redirect_status": "302"}
    )

    assert response.status_code == 403
    assert "did not come from this console" in response.text
    assert signed_in.links.links == {}
    registry = signed_in.app.state.instrumentation.metrics.registry
    assert metric_value(registry, "hop_console_csrf_rejections_total") == 1.0


async def test_every_form_without_the_csrf_token_answers_403_and_changes_nothing(
    signed_in: Any,
) -> None:
    signed_in.links.add("alice", "mine", "https://example.com/mine")
    forms = {
        "/console/links/mine": {"url": "https://evil.example/", "redirect_status": "302"},
        "/console/links/mine/disable": {"disabled": "true"},
        "/console/links/mine/delete": {},
        "/console/sign-out": {},
    }

    for path, data in forms.items():
        response = await signed_in.client.post(path, data=data)

        assert response.status_code == 403, path
        assert "did not come from this console" in response.text
    mine = signed_in.links.links["mine"]
    assert (mine["url"], mine["disabled"]) == ("https://example.com/mine", False)
    assert (await signed_in.client.get("/console/links")).status_code == 200  # still signed in


async def test_a_form_with_another_sessions_token_answers_403(
    signed_in: Any, make_console: Any
) -> None:
    async with make_console() as other:
        foreign = await other.csrf()
    response = await signed_in.client.post(
        "/console/links", data={"url": "https://example.com/", "csrf": foreign}
    )

    assert response.status_code == 403


async def test_a_form_posted_without_any_session_answers_401(console: Any) -> None:
    response = await console.client.post("/console/links", data={"url": "https://example.com/"})

    assert response.status_code == 401


async def test_sign_out_clears_the_cookie_and_the_next_page_asks_to_sign_in(
    signed_in: Any,
) -> None:
    token = await signed_in.csrf("/console/links")

    response = await signed_in.client.post("/console/sign-out", data={"csrf": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?signed_out=true"
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert COOKIE_NAME not in signed_in.client.cookies
    assert "You have signed out." in (await signed_in.client.get(response.headers["location"])).text
    assert (await signed_in.client.get("/console/links")).status_code == 401


async def test_an_oversized_form_answers_413(console: Any) -> None:
    token = await console.csrf()
    response = await console.client.post(
        "/console/sign-in", data={"key": "x" * 20_000, "csrf": token}
    )

    assert response.status_code == 413


async def test_the_session_cookie_is_not_sent_over_plain_http(console: Any) -> None:
    plain = httpx.AsyncClient(transport=console.client._transport, base_url="http://console.test")
    async with plain:
        await plain.get("/console/sign-in")
        assert (await plain.get("/console/links")).status_code == 401
