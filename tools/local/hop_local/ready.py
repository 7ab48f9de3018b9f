"""Wait, with a deadline, until the stack answers: each service's /readyz, then the edge."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from hop_local.stack import SERVICES, Stack

__all__ = ["NotReadyError", "answers", "wait_for", "wait_until_ready"]


class NotReadyError(RuntimeError):
    """Raise when something did not become ready before its deadline."""


def wait_for(
    probe: Callable[[], bool], *, what: str, timeout: float = 60.0, interval: float = 0.1
) -> None:
    """Call ``probe`` until it returns true, or raise `NotReadyError` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise NotReadyError(f"{what} was not ready after {timeout:g} seconds.")
        time.sleep(interval)


def answers(url: str, *, expected: int = 200) -> Callable[[], bool]:
    """Return a probe that is true once ``url`` answers ``expected``."""

    def probe() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == expected
        except httpx.HTTPError:
            return False

    return probe


def wait_until_ready(stack: Stack, *, timeout: float = 60.0) -> None:
    """Wait for every service's /readyz, then for the edge to route to links."""
    for service in SERVICES:
        wait_for(
            answers(f"{stack.management_url(service)}/readyz"),
            what=f"{service} ({stack.management_url(service)}/readyz)",
            timeout=timeout,
        )
    # links answers 401 without a key: the edge has loaded its routes and reaches links.
    wait_for(
        answers(f"{stack.edge_url}/api/v1/links", expected=401),
        what=f"the edge ({stack.edge_url})",
        timeout=timeout,
    )
