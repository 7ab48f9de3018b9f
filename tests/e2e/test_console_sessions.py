"""Console sessions links can end, and hardened answers, through the edge of a real stack.

Two real Chromium browsers sign in as the same owner; one signs out. The other stays
signed in, and the first one's cookie, replayed, is dead: its pages answer 401 and a
form posted with it (and its token) creates nothing. Then a foreign Origin, a form of too
many fields and invalid UTF-8, each answered by a secured page through the edge.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from hop_e2e_browser import headless_chromium
from hop_e2e_stack import RunningStack
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

pytestmark = pytest.mark.process

COOKIE = "hop_console_session"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _sign_in(browser: WebDriver, console: str, key: str) -> None:
    browser.get(f"{console}/sign-in")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "key"))
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: b.current_url == f"{console}/links")


def _links_with(client: httpx.Client, cookie: str) -> httpx.Response:
    return client.get("/console/links", headers={"Cookie": f"{COOKIE}={cookie}"})


def test_signing_out_in_one_browser_kills_its_cookie_and_keeps_the_other_signed_in(
    hop: RunningStack, tmp_path: Path
) -> None:
    console = f"{hop.edge}/console"
    with (
        headless_chromium(tmp_path / "first", tmp_path / "first-downloads") as first,
        headless_chromium(tmp_path / "second", tmp_path / "second-downloads") as second,
    ):
        _sign_in(first, console, hop.key)
        _sign_in(second, console, hop.key)
        first_cookie = first.get_cookie(COOKIE)["value"]
        token = _CSRF.search(first.page_source)
        assert token is not None
        second.get(f"{console}/sessions")
        assert second.page_source.count("End session") >= 1  # the first browser's, at least
        assert "(this browser)" in second.page_source

        first.find_element(By.CSS_SELECTOR, "header form button").click()
        WebDriverWait(first, 20).until(lambda b: "You have signed out." in b.page_source)

        second.get(f"{console}/links")
        assert second.find_element(By.TAG_NAME, "h1").text != "Sign in"
        assert second.current_url == f"{console}/links"
        with hop.client() as client:
            replayed = _links_with(client, first_cookie)
            form = {"url": "https://example.com/after-sign-out", "redirect_status": "302",
                    "csrf": token.group(1)}  # fmt: skip
            created = client.post(
                "/console/links", data=form, headers={"Cookie": f"{COOKIE}={first_cookie}"}
            )
            listed = client.get("/api/v1/links", params={"limit": 100}, headers=hop.auth)
    assert replayed.status_code == 401
    assert "Your session has ended" in replayed.text
    assert created.status_code == 401
    assert all(link["url"] != form["url"] for link in listed.json()["items"])


def _signed_in(client: httpx.Client, key: str) -> tuple[str, str]:
    page = client.get("/console/sign-in")
    cookie = page.headers["set-cookie"].split(";")[0]
    token = _CSRF.search(page.text)
    assert token is not None
    answer = client.post(
        "/console/sign-in", data={"key": key, "csrf": token.group(1)}, headers={"Cookie": cookie}
    )
    cookie = answer.headers["set-cookie"].split(";")[0]
    token = _CSRF.search(client.get("/console/links", headers={"Cookie": cookie}).text)
    assert token is not None
    return cookie, token.group(1)


def test_foreign_origin_too_many_fields_and_bad_utf8_answer_secured_pages(
    hop: RunningStack,
) -> None:
    with hop.client() as client:
        cookie, token = _signed_in(client, hop.key)
        headers = {"Cookie": cookie, **FORM}
        good = f"url=https://example.com/&redirect_status=302&csrf={token}"
        foreign = client.post(
            "/console/links", content=good, headers={**headers, "Origin": "https://evil.example"}
        )
        many = client.post("/console/sign-in", content="&".join(["f=x"] * 51), headers=FORM)
        mojibake = client.post(
            "/console/links",
            content=f"url=https://example.com/%FF%FE&csrf={token}",
            headers=headers,
        )
    for answer, status in ((foreign, 403), (many, 413), (mojibake, 400)):
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
