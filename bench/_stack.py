"""hop as the benchmarks run it: `make run`'s own stack (tools/local), on free ports.

The services get exactly the settings `make run` gives them (``hop_local.Stack``), prepared
by the same commands (migrations, an owner and an API key through ``hop-links``); only the
ports, the data folder and redirect's production settings differ.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _harness import ROOT, start_process, stop_process

from hop_instrumentation.testing import free_ports

sys.path.insert(0, str(ROOT / "tools" / "local"))

from hop_local import prepare
from hop_local.stack import SERVICES, Ports, ServicePorts, Stack

#: redirect as it runs in production: JSON logs, 1% access log, 1% traces, metrics on.
PRODUCTION = {
    "HOP_LOG_FORMAT": "json",
    "HOP_ACCESS_LOG_SAMPLE_RATIO": "0.01",
    "HOP_TRACE_SAMPLE_RATIO": "0.01",
}
BATCH = 1000


@dataclass(slots=True)
class HopStack:
    """A running hop: its `Stack`, the bench owner's API key, and one process per service."""

    stack: Stack
    key: str
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        """Return a service's API base URL."""
        return str(self.stack.api_url(service))

    def internal_url(self, service: str) -> str:
        """Return a service's internal base URL (``/internal/...`` routes)."""
        return str(self.stack.internal_url(service))

    def metrics_url(self, service: str) -> str:
        """Return a service's /metrics URL."""
        return f"{self.stack.management_url(service)}/metrics"

    def pid(self, service: str) -> int:
        """Return the process id of a running service."""
        return self.processes[service].pid

    def start(self, service: str, **settings: str) -> None:
        """Start ``service`` (with extra ``HOP_*`` settings) and wait until it is ready."""
        self.processes[service] = start_process(
            self.stack.serve_command(service),
            ready_url=self.stack.management_url(service) + "/readyz",
            env={**self.stack.env(service), **settings},
            cwd=self.stack.data_dir,
            log=self.logs / f"{service}.log",
        )

    def stop(self, service: str) -> None:
        """Stop ``service`` gracefully (SIGTERM)."""
        stop_process(self.processes.pop(service))

    def seed(self, codes: Sequence[str] | None = None, count: int = 0) -> list[str]:
        """Create links through the batch API (``codes`` or ``count`` generated); return codes."""
        items = [
            {"url": f"https://example.com/page/{code}?ref=hop", "code": code}
            for code in codes or ()
        ]
        items += [{"url": f"https://example.com/seed/{i}"} for i in range(count)]
        return [result["link"]["code"] for result in self.create_batches(items)]

    def create_batches(self, items: Sequence[Mapping[str, object]]) -> list[dict[str, Any]]:
        """POST ``items`` to ``/api/v1/links:batch`` 1,000 at a time; return every result."""
        results: list[dict[str, Any]] = []
        with self.client("links") as client:
            for start in range(0, len(items), BATCH):
                response = client.post(
                    "/api/v1/links:batch", json={"items": list(items[start : start + BATCH])}
                )
                response.raise_for_status()
                results += response.json()["results"]
        return results

    def client(self, service: str) -> httpx.Client:
        """Return a client of a service's API carrying the bench owner's key."""
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.Client(base_url=self.url(service), headers=headers, timeout=60)


def bench_stack(
    data_dir: Path,
    *,
    database_urls: Mapping[str, str] | None = None,
    settings: Mapping[str, Mapping[str, str]] | None = None,
) -> Stack:
    """Return `make run`'s stack on free ports with JSON logs and redirect in production settings.

    ``settings`` adds ``HOP_*`` settings per service (over redirect's production ones).
    """
    numbers = iter(free_ports(3 * len(SERVICES) + 1))
    ports = Ports(
        next(numbers),
        services={
            service: ServicePorts(next(numbers), next(numbers), next(numbers))
            for service in SERVICES
        },
    )
    return Stack(
        data_dir=data_dir,
        ports=ports,
        database_urls=dict(database_urls or {}),
        log_format="json",
        service_settings={"redirect": PRODUCTION, **(settings or {})},
    )


@contextlib.contextmanager
def running(stack: Stack, services: Sequence[str] = SERVICES) -> Iterator[HopStack]:
    """Prepare ``stack`` like `make run` does, start ``services`` in order, stop them after."""
    stack.data_dir.mkdir(parents=True, exist_ok=True)
    key, _ = prepare.prepare(stack, dict(os.environ), stack.data_dir / "api-key")
    hop = HopStack(stack, key, stack.data_dir)
    try:
        for service in services:
            hop.start(service)
        yield hop
    finally:
        for service in reversed(list(hop.processes)):
            hop.stop(service)


def wait_for(predicate: object, *, what: str, timeout: float, interval: float = 0.5) -> float:
    """Poll ``predicate()`` until true; return the seconds it took, raise after ``timeout``."""
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"Timed out after {timeout:g} s waiting for {what}.")
        time.sleep(interval)
    return time.monotonic() - start
