"""Wait, with a deadline, until the stack answers: each service's /readyz, then the edge."""

from __future__ import annotations

from hop_instrumentation.testing import wait_for_http
from hop_local.stack import SERVICES, Stack

__all__ = ["NotReadyError", "wait_until_ready"]


class NotReadyError(RuntimeError):
    """Raise when something did not become ready before its deadline."""


def wait_until_ready(stack: Stack, *, timeout: float = 60.0) -> None:
    """Wait for every service's /readyz, then for the edge to route to links."""
    for service in SERVICES:
        url = f"{stack.management_url(service)}/readyz"
        _wait(url, what=f"{service} ({url})", status=200, timeout=timeout)
    # links answers 401 without a key: the edge has loaded its routes and reaches links.
    url = f"{stack.edge_url}/api/v1/links"
    _wait(url, what=f"the edge ({stack.edge_url})", status=401, timeout=timeout)


def _wait(url: str, *, what: str, status: int, timeout: float) -> None:
    try:
        wait_for_http(url, status=status, timeout=timeout)
    except TimeoutError:
        raise NotReadyError(f"{what} was not ready after {timeout:g} seconds.") from None
