"""redirect's neighbours faked for tests and the benchmark, in-process or as processes.

Usage::

    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    app = create_redirect_app(settings, links_transport=httpx.ASGITransport(links))

    python -m hop_redirect.testing sink --port 8003          # a clicks receiver
    python -m hop_redirect.testing links --port 8001 --links links.json

The fakes themselves (`FakeLinks`, `ClickSink`) live in `hop_contracts.testing`, where
``tests/contracts`` checks them against the real links and analytics.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from hop_contracts.testing import ClickSink, FakeLinks

__all__ = ["free_port", "main", "poll", "wait_until"]


def free_port() -> int:
    """Return a TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Wait until ``url`` answers 200, failing early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:g}s")


async def poll(condition: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    """Wait until ``condition`` holds; ``within`` only bounds the wait, it asserts no speed."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


def main(argv: list[str] | None = None) -> None:
    """Serve a fake on loopback: ``links`` (``--links`` JSON file of bodies) or ``sink``."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m hop_redirect.testing")
    parser.add_argument("kind", choices=["links", "sink"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--links", type=Path, help="JSON list of resolve bodies")
    args = parser.parse_args(argv)
    app: FakeLinks | ClickSink = ClickSink()
    if args.kind == "links":
        bodies = json.loads(args.links.read_text()) if args.links else []
        app = FakeLinks({body["code"]: body for body in bodies})
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
