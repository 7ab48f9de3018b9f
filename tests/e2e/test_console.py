"""The console as a person uses it: a real Chromium through the edge of a real stack.

Sign in, create a link, follow it through redirect, see the click in the chart, download
the QR code and decode it, sign out; screenshots of the main pages at desktop and phone
widths go to docs/screenshots/. Then what a person gets wrong or an attacker tries, each
answered with its page and status through the edge.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import zxingcpp
from hop_e2e_browser import DESKTOP, PHONE, headless_chromium, screenshot
from hop_e2e_stack import RunningStack, hermetic_env
from hop_local.prepare import create_api_key
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
COOKIE = "hop_console_session"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class _Landing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Landed</title><h1>Landed</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def landing() -> Iterator[str]:
    """A page on loopback the short link sends the browser to (``localhost``: not hop's host)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Landing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}/landing"
    server.shutdown()
    server.server_close()


def _shot(browser: WebDriver, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        screenshot(browser, SCREENSHOTS / f"console-{name}-{label}.png", size)


def _wait_for(browser: WebDriver, selector: str) -> None:
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, selector))


def test_sign_in_create_follow_see_the_click_download_the_qr_and_sign_out(
    hop: RunningStack, landing: str, tmp_path: Path
) -> None:
    console = f"{hop.edge}/console"
    alias = f"e2e-console-{secrets.token_hex(3)}"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with headless_chromium(tmp_path / "profile", downloads) as browser:
        browser.get(console)
        _wait_for(browser, "#key")
        assert browser.title == "Sign in · hop"
        _shot(browser, "sign-in")
        browser.find_element(By.ID, "key").send_keys(hop.key)
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        _wait_for(browser, "h1")
        assert browser.current_url == f"{console}/links"
        assert hop.key not in browser.page_source
        cookie = browser.get_cookie(COOKIE)
        assert cookie is not None
        assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")

        browser.get(f"{console}/links/new")
        browser.find_element(By.ID, "url").send_keys(landing)
        browser.find_element(By.ID, "code").send_keys(alias)
        browser.find_element(By.ID, "tags").send_keys("e2e, console")
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        _wait_for(browser, "#short")
        short_url = browser.find_element(By.ID, "short").get_attribute("value")
        assert short_url == f"{hop.edge}/{alias}"
        assert "Link created." in browser.page_source

        browser.find_element(By.ID, "qr-png").click()
        qr_file = downloads / f"hop-{alias}.png"
        deadline = time.monotonic() + 20
        while not qr_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        decoded = zxingcpp.read_barcodes(Image.open(qr_file))
        assert [result.text for result in decoded] == [short_url]
        _shot(browser, "link")

        browser.get(short_url)
        WebDriverWait(browser, 20).until(lambda b: b.title == "Landed")
        assert browser.current_url == landing

        stats_url = f"{console}/links/{alias}/stats"
        deadline = time.monotonic() + 30
        while True:
            browser.get(stats_url)
            total = browser.find_element(By.ID, "total-clicks").text
            if total == "1" or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert total == "1"
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) == 1
        assert browser.find_element(By.ID, "bot-clicks").text == "0"
        _shot(browser, "stats")

        browser.get(f"{console}/links")
        assert alias in browser.page_source
        _shot(browser, "links")
        browser.get(f"{console}/overview")
        _wait_for(browser, "#total-clicks")
        # analytics' owner-wide route: every link of the owner, the click just made among them.
        assert int(browser.find_element(By.ID, "total-clicks").text) >= 1
        assert f"/links/{alias}/stats?" in browser.page_source
        _shot(browser, "overview")

        browser.find_element(By.CSS_SELECTOR, "header form button").click()
        _wait_for(browser, "#key")
        assert "You have signed out." in browser.page_source
        # The signed-in cookie is gone; the sign-in page handed out an anonymous one.
        assert browser.get_cookie(COOKIE)["value"] != cookie["value"]
        browser.get(f"{console}/links")
        assert "Sign in with your API key to continue." in browser.page_source


def _session(client: httpx.Client) -> tuple[str, str]:
    """Open the sign-in page; return the session cookie header and the form's CSRF token."""
    page = client.get("/console/sign-in")
    cookie = page.headers["set-cookie"].split(";")[0]
    found = _CSRF.search(page.text)
    assert found is not None
    return cookie, found.group(1)


def _signed_in(client: httpx.Client, key: str) -> tuple[str, str]:
    cookie, token = _session(client)
    answer = client.post(
        "/console/sign-in", data={"key": key, "csrf": token}, headers={"Cookie": cookie}
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"].split(";")[0]
    page = client.get("/console/links", headers={"Cookie": cookie})
    found = _CSRF.search(page.text)
    assert found is not None
    return cookie, found.group(1)


def test_wrong_key_answers_401_with_the_sign_in_form(hop: RunningStack) -> None:
    with hop.client() as client:
        cookie, token = _session(client)
        answer = client.post(
            "/console/sign-in",
            data={"key": "hop_not_a_real_key", "csrf": token},
            headers={"Cookie": cookie},
        )
    assert answer.status_code == 401
    assert "That API key is unknown or was revoked." in answer.text


def test_another_owners_link_answers_404_and_stays_untouched(hop: RunningStack) -> None:
    other_key = create_api_key(hop.stack, hermetic_env(), "console-other")
    with hop.client() as client:
        made = client.post(
            "/api/v1/links",
            json={"url": "https://example.com/theirs"},
            headers={"Authorization": f"Bearer {other_key}"},
        )
        code = made.json()["code"]
        cookie, token = _signed_in(client, hop.key)
        page = client.get(f"/console/links/{code}", headers={"Cookie": cookie})
        stats = client.get(f"/console/links/{code}/stats", headers={"Cookie": cookie})
        delete = client.post(
            f"/console/links/{code}/delete", data={"csrf": token}, headers={"Cookie": cookie}
        )
        still = client.get(f"/{code}")
    assert (page.status_code, stats.status_code, delete.status_code) == (404, 404, 404)
    assert f"You have no link with the code &#39;{code}&#39;." in page.text
    assert still.status_code == 302


def test_forged_form_without_csrf_token_answers_403_and_creates_nothing(
    hop: RunningStack,
) -> None:
    with hop.client() as client:
        cookie, _token = _signed_in(client, hop.key)
        forged = client.post(
            "/console/links",
            data={"url": "https://example.com/forged", "redirect_status": "302"},
            headers={"Cookie": cookie},
        )
        listed = client.get(
            "/api/v1/links", params={"limit": 100}, headers={"Authorization": f"Bearer {hop.key}"}
        )
    assert forged.status_code == 403
    assert "did not come from this console" in forged.text
    assert all(link["url"] != "https://example.com/forged" for link in listed.json()["items"])


def test_stale_or_forged_session_cookie_answers_401_with_the_sign_in_form(
    hop: RunningStack,
) -> None:
    with hop.client() as client:
        answer = client.get("/console/links", headers={"Cookie": f"{COOKIE}=gAAAAABforged"})
    assert answer.status_code == 401
    assert "Your session is no longer valid." in answer.text
    assert "content-security-policy" in answer.headers
