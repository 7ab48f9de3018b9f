"""A real browser for end-to-end tests: Debian's Chromium, driven by Selenium over chromedriver.

Headless, sandbox off (tests may run as root), no background networking, a fresh profile
per browser. Chromium and its driver come from Debian's ``chromium`` and ``chromium-driver``
packages, which ``tools/install-test-tools`` installs on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hop_e2e_tools import debian_tool
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

__all__ = ["DESKTOP", "PHONE", "chromium_binaries", "headless_chromium", "screenshot"]

#: Window sizes of the screenshots (CSS pixels).
DESKTOP = (1280, 900)
PHONE = (390, 844)
#: A desktop browser's user agent, so redirect counts the clicks as a person's, not a bot's
#: (headless Chromium says "HeadlessChrome", which the bot rule counts apart).
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def chromium_binaries() -> tuple[str, str]:
    """Return (chromium, chromedriver), Debian's packages, installed when missing."""
    return debian_tool("chromium", "chromium"), debian_tool("chromedriver", "chromium-driver")


@contextmanager
def headless_chromium(profile: Path, downloads: Path) -> Iterator[webdriver.Chrome]:
    """Start a headless Chromium with a fresh profile; files it downloads land in ``downloads``."""
    chromium, driver = chromium_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--user-agent={USER_AGENT}",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        browser.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield browser
    finally:
        browser.quit()


def screenshot(browser: webdriver.Chrome, path: Path, size: tuple[int, int]) -> None:
    """Save the whole page at ``size``'s width (as tall as the page, up to 3000 px) to ``path``."""
    width, height = size
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    full = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(max(full, height), 3000), "deviceScaleFactor": 1,
         "mobile": width < 600},
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(browser.get_screenshot_as_png())
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
