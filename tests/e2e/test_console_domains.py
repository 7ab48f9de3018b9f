"""The console's Domains page in a real Chromium through the edge of a real stack.

Add a domain, read the exact TXT record, "Check now": links proves it over HTTP through the
edge (``make run`` connects its check to the edge and sends the domain's Host, which the
edge routes back to links' challenge route), then create a link on it with the picker and
see its branded short URL. Screenshots of the domain and the domains pages go to
docs/screenshots/.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from hop_e2e_browser import DESKTOP, PHONE, headless_chromium, screenshot
from hop_e2e_stack import RunningStack
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _shot(browser: WebDriver, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        screenshot(browser, SCREENSHOTS / f"console-{name}-{label}.png", size)


def test_console_adds_proves_and_uses_a_domain(hop: RunningStack, tmp_path: Path) -> None:
    console = f"{hop.edge}/console"
    name = f"go-{secrets.token_hex(3)}.acme.test"
    with headless_chromium(tmp_path / "profile", tmp_path) as browser:
        browser.get(console)
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "key"))
        browser.find_element(By.ID, "key").send_keys(hop.key)
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 20).until(lambda b: b.current_url == f"{console}/links")

        browser.get(f"{console}/domains")
        browser.find_element(By.ID, "name").send_keys(name)
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "txt-value"))
        assert browser.find_element(By.ID, "txt-name").get_attribute("value") == (
            f"_hop-challenge.{name}"
        )
        browser.find_element(By.XPATH, "//button[text()='Check now']").click()
        WebDriverWait(browser, 20).until(lambda b: "Checked." in b.page_source)
        assert 'status-verified">verified' in browser.page_source
        _shot(browser, "domain")

        browser.get(f"{console}/links/new?domain={name}")
        browser.find_element(By.ID, "url").send_keys("https://example.com/branded")
        browser.find_element(By.ID, "code").send_keys("spring")
        browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "short"))
        assert (
            browser.find_element(By.ID, "short")
            .get_attribute("value")
            .endswith(f"://{name}/spring")
        )
        browser.get(f"{console}/domains")
        assert name in browser.page_source
        _shot(browser, "domains")
