from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks, link_body
from hop_instrumentation.testing import LoopbackServers, make_test_settings, running_process
from hop_redirect.app import create_app
from hop_redirect.settings import RedirectSettings

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]


def settings(**overrides: Any) -> RedirectSettings:
    values: dict[str, Any] = {
        "links_url": "http://links.test",
        "analytics_url": "http://analytics.test",
        # The in-process client's Host: the platform's, whatever links answers for its domains.
        "platform_hosts": ("testserver", "localhost", "127.0.0.1"),
        "click_flush_interval": 0.05,
        "click_retry_max_delay": 0.1,
        "click_spool_dir": tempfile.mkdtemp(prefix="hop-redirect-spool-"),
    }
    values.update(overrides)
    return make_test_settings(RedirectSettings, **values)


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServers]:
    """Serve fakes on loopback ports (redirect reaches links only over the network)."""
    async with LoopbackServers() as servers:
        yield servers


@pytest.fixture
def make_app(loopback: LoopbackServers) -> AppFactory:
    """Build a redirect app over a fake links on loopback and an in-process click sink."""

    def build(
        links: dict[str, dict[str, Any]] | None = None, **overrides: Any
    ) -> tuple[FastAPI, FakeLinks, ClickSink]:
        fake = FakeLinks(
            links if links is not None else {"abc": link_body("abc", "https://example.com/x")}
        )
        sink = ClickSink()
        overrides.setdefault("links_url", loopback.serve(fake))
        app = create_app(
            settings(**overrides),
            analytics_transport=httpx.ASGITransport(sink),
        )
        return app, fake, sink

    return build


@pytest.fixture
def make_settings() -> Callable[..., RedirectSettings]:
    """Build test settings pointing at hosts that do not exist unless overridden."""
    return settings


class Processes:
    """Start real processes on loopback; every one is stopped when the test ends."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def sink(self, port: int) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "hop_contracts.testing", "sink", "--port", str(port)]
        return self.start(argv, ready_url=f"http://127.0.0.1:{port}/events")

    def links(self, port: int, directory: Path) -> subprocess.Popen[bytes]:
        """Start a fake links that knows one link, ``abc`` to ``https://example.com/``."""
        bodies = directory / "links.json"
        bodies.write_text(json.dumps([link_body("abc", "https://example.com/")]))
        argv = [sys.executable, "-m", "hop_contracts.testing", "links", "--port", str(port)]
        return self.start(
            [*argv, "--links", str(bodies)],
            ready_url=f"http://127.0.0.1:{port}/internal/v1/links/abc",
        )

    def start(
        self,
        argv: list[str],
        *,
        ready_url: str,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        started = running_process(argv, env=env, log=log, ready_url=ready_url, stop_timeout=10)
        return self._stack.enter_context(started).process


@pytest.fixture
def processes() -> Iterator[Processes]:
    with ExitStack() as stack:
        yield Processes(stack)


class SmallDisk:
    """A 256 KiB tmpfs mounted for one test, that the test can fill up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        """Take every free block of the filesystem (`free` gives them back)."""
        with self.filler.open("ab", buffering=0) as file:
            try:
                while True:
                    file.write(b"\0" * 4096)
            except OSError:
                pass

    def free(self) -> None:
        """Give back what `fill` took."""
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """Mount a 256 KiB tmpfs in ``tmp_path`` (root only): a filesystem a test can fill."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root and mount(8); run the tests as root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], check=True)
    try:
        yield SmallDisk(disk)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)
