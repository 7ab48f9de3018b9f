"""Start hop as real processes on free loopback ports: the services and the Traefik edge.

The stack is the one `make run` builds (`hop_local.stack.Stack`): the same commands, the
same settings, the same edge generated from the chart's routes; only the ports, the
data folder (fresh SQLite files) and the test settings differ. Each process logs JSON
lines to its own file, so tests can read the logs of a request.
"""

from __future__ import annotations

import functools
import os
import signal
import ssl
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from hop_local.prepare import ensure_api_key, migrate
from hop_local.ready import wait_until_ready
from hop_local.stack import SERVICES, Ports, ServicePorts, Stack

from hop_instrumentation.testing import free_ports

__all__ = ["RunningStack", "free_stack_ports", "hermetic_env", "running_stack"]

#: Faster than the defaults so the tests wait less; still the real code paths.
TEST_SETTINGS = {
    "HOP_ENVIRONMENT": "test",
    "HOP_TRACE_SAMPLE_RATIO": "1.0",
    "HOP_HEALTH_CHECK_INTERVAL": "0.2",
    "HOP_CLICK_FLUSH_INTERVAL": "0.2",
    "HOP_BLOCK_MS": "100",
    "OTEL_BSP_SCHEDULE_DELAY": "200",
    # Every test of a session shares one stack and one client address (loopback); tests that
    # send wrong keys on purpose must not spend the failed-authentication budget of the rest.
    # The limits themselves are tested on their own (test_ratelimit.py).
    "HOP_RATE_LIMIT_AUTH_FAILURES": "10000",
    # The browser test follows a link to a page it serves on loopback, which links refuses
    # by default (docs/security.md); this stack is an intranet of one machine.
    "HOP_ALLOW_INTERNAL_TARGETS": "true",
}


def hermetic_env(**extra: str) -> dict[str, str]:
    """Return this environment without any HOP_* or OTEL_* variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOP_", "OTEL_"))}
    return {**env, **extra}


def free_stack_ports() -> Ports:
    """Return stack ports that are all free (never the fixed `make run` ones)."""
    edge, *rest = free_ports(1 + 3 * len(SERVICES))
    triples = {s: ServicePorts(*rest[3 * i : 3 * i + 3]) for i, s in enumerate(SERVICES)}
    return Ports(edge=edge, services=triples)


@dataclass(slots=True)
class RunningStack:
    """A started stack: its description, the dev API key, the processes and their logs."""

    stack: Stack
    key: str
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def edge(self) -> str:
        """Return the edge's base URL."""
        return self.stack.edge_url

    @property
    def auth(self) -> dict[str, str]:
        """Return the Authorization header of the dev key."""
        return {"Authorization": f"Bearer {self.key}"}

    def client(self) -> httpx.Client:
        """Return a client for the edge that does not follow redirects."""
        return httpx.Client(
            base_url=self.edge, timeout=10.0, follow_redirects=False, verify=_tls_context()
        )

    def log_events(self, service: str) -> list[dict[str, Any]]:
        """Return the JSON log events a service wrote so far."""
        lines = self.logs[service].read_bytes().splitlines()
        return [orjson.loads(line) for line in lines if line.startswith(b"{")]

    def stop(self) -> dict[str, int]:
        """SIGTERM every process, wait for each (SIGKILL after 30 s); return the exit codes."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Shared by every client: a new client loads the CA bundle (~30 ms of CPU), and tests
    # poll through fresh clients several times a second.
    return httpx.create_ssl_context()


@contextmanager
def running_stack(
    root: Path,
    *,
    click_transport: str = "http",
    click_stream: str = "hop:clicks",
    database_urls: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    settings: Mapping[str, str] | None = None,
) -> Iterator[RunningStack]:
    """Start the whole stack under ``root`` (data, logs); stop and reap it on exit."""
    stack = Stack(
        data_dir=root / "data",
        ports=free_stack_ports(),
        database_urls=database_urls or {},
        click_transport=click_transport,
        click_stream=click_stream,
        log_format="json",
        settings={**TEST_SETTINGS, **(settings or {})},
        service_settings={"redirect": {"HOP_ACCESS_LOG_SAMPLE_RATIO": "1.0"}},
    )
    base = hermetic_env(**(env or {}))
    stack.data_dir.mkdir(parents=True)
    migrate(stack, base)
    stack.write_edge_config()
    running = RunningStack(stack, "", {name: root / f"{name}.log" for name in (*SERVICES, "edge")})
    try:
        for service in SERVICES:
            running.processes[service] = _start(
                stack.serve_command(service), {**base, **stack.env(service)}, running.logs[service]
            )
        edge = stack.edge_command(otlp_endpoint=base.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        edge_env = {**base, "OTEL_BSP_SCHEDULE_DELAY": TEST_SETTINGS["OTEL_BSP_SCHEDULE_DELAY"]}
        running.processes["edge"] = _start(edge, edge_env, running.logs["edge"])
        # The owner and key are made with the CLI while the services boot.
        running.key, _ = ensure_api_key(stack, base, stack.data_dir / "api-key")
        wait_until_ready(stack, timeout=90.0)
        yield running
    finally:
        running.stop()


def _start(command: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
