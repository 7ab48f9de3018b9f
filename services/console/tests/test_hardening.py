"""Every answer hardened: error pages are secured HTML, bad forms are 4xx, foreign posts 403."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hop_console.app import create_app
from hop_console.security import SECURITY_HEADERS
from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client

from .conftest import settings

HTML = "text/html; charset=utf-8"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def assert_secured_page(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == HTML
    for name, value in SECURITY_HEADERS:
        assert response.headers[name.decode()] == value.decode()
    assert response.headers["cache-control"] == "no-store"
    assert text in response.text


async def test_a_form_with_too_many_fields_answers_413_page_without_signing_in(
    console: Any,
) -> None:
    body = "&".join(f"f{i}=x" for i in range(51))

    response = await console.client.post("/console/sign-in", content=body, headers=FORM)

    assert_secured_page(response, 413, "The form has more than 50 fields")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https%3A%2F%2Fexample.com%2F%FF%FE", "not valid UTF-8"),
        ("https://example.com/%zz", "starts no %XX escape"),
        ("https://example.com/%", "starts no %XX escape"),
    ],
)
async def test_a_badly_encoded_form_answers_400_and_stores_nothing(
    signed_in: Any, url: str, why: str
) -> None:
    token = await signed_in.csrf("/console/links/new")
    body = f"url={url}&redirect_status=302&csrf={token}"

    response = await signed_in.client.post("/console/links", content=body, headers=FORM)

    assert_secured_page(response, 400, why)
    assert signed_in.links.links == {}


async def test_raw_bytes_that_are_not_utf8_answer_400(signed_in: Any) -> None:
    token = await signed_in.csrf("/console/links/new")
    body = b"url=https://example.com/\xff\xfe&redirect_status=302&csrf=" + token.encode()

    response = await signed_in.client.post("/console/links", content=body, headers=FORM)

    assert_secured_page(response, 400, "not valid UTF-8")
    assert signed_in.links.links == {}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://console.test.evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Referer": "http://["},
        {"Origin": "https://evil.example", "Referer": "https://console.test/console/links"},
    ],
)
async def test_a_form_from_a_foreign_origin_answers_403_even_with_cookie_and_token(
    signed_in: Any, headers: dict[str, str]
) -> None:
    token = await signed_in.csrf("/console/links/new")
    data = {"url": "https://example.com/", "redirect_status": "302", "csrf": token}

    response = await signed_in.client.post("/console/links", data=data, headers=headers)

    assert_secured_page(response, 403, "This form was sent from another site")
    assert signed_in.links.links == {}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://console.test"},
        {"Origin": "https://CONSOLE.test:443"},
        {"Referer": "https://console.test/console/links/new"},
    ],
)
async def test_a_form_from_the_console_itself_is_accepted(
    signed_in: Any, headers: dict[str, str]
) -> None:
    token = await signed_in.csrf("/console/links/new")
    data = {"url": "https://example.com/", "redirect_status": "302", "csrf": token}

    response = await signed_in.client.post("/console/links", data=data, headers=headers)

    assert response.status_code == 303


async def test_an_unexpected_error_answers_a_secured_500_page() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug, not an outage")

    app = create_app(settings(), links_internal_transport=httpx.MockTransport(broken))
    transport = httpx.ASGITransport(get_instrumentation(app).api_app, raise_app_exceptions=False)
    async with (
        app_client(app),
        httpx.AsyncClient(transport=transport, base_url="https://console.test") as client,
    ):
        page = await client.get("/console/sign-in")
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        response = await client.post("/console/sign-in", data={"key": "hop_x", "csrf": token})

    assert_secured_page(response, 500, "Something went wrong on our side")
    assert "a bug" not in response.text


async def test_the_instrumentations_413_is_a_secured_page(console: Any) -> None:
    response = await console.client.post("/console/sign-in", content=b"x" * 70_000, headers=FORM)

    assert_secured_page(response, 413, "larger than")


async def test_the_instrumentations_429_is_a_secured_page_keeping_retry_after(
    make_console: Any,
) -> None:
    limits = {"rate_limit_paths": ("/console",), "rate_limit_per_address": 1}
    async with make_console(**limits) as console:
        await console.client.get("/console/sign-in")
        response = await console.client.get("/console/sign-in")

    assert_secured_page(response, 429, "")
    assert response.headers["retry-after"].isdigit()
