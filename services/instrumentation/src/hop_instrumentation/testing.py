"""Helpers for services' tests, in the spirit of ``structlog.testing``.

Usage::

    settings = make_test_settings(ServiceSettings, service_name="links")
    spans = SpanCapture()
    app = create_app(settings, span_processors=(spans.processor,))
    with capture_logs() as events:
        ...
    assert metric_value(get_instrumentation(app).metrics.registry,
                        "http_server_request_duration_seconds_count",
                        {"http_route": "/items/{id}"}) == 1

Real processes on loopback::

    http, management = free_ports(2)
    env = {"HOP_HTTP_PORT": str(http), "HOP_MANAGEMENT_PORT": str(management)}
    ready = f"http://127.0.0.1:{management}/readyz"
    with running_process(["hop-links", "serve"], env=env, ready_url=ready) as service:
        ...
        assert service.stop() == 0
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from hop_instrumentation.app import get_instrumentation
from hop_instrumentation.logging import JsonFormatter
from hop_instrumentation.settings import Environment, LogFormat, ServiceSettings

__all__ = [
    "LOOPBACK",
    "LogCapture",
    "RunningProcess",
    "SpanCapture",
    "app_client",
    "capture_logs",
    "eventually",
    "free_port",
    "free_ports",
    "make_test_settings",
    "management_client",
    "metric_value",
    "running_process",
    "wait_for_http",
    "wait_until",
    "wait_until_async",
]

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
T = TypeVar("T")
LOOPBACK: Final = "127.0.0.1"
_OUTPUT_TAIL: Final = 3000


def make_test_settings(cls: type[SettingsT] = ServiceSettings, **overrides: Any) -> SettingsT:  # type: ignore[assignment]
    """Build settings for a test: every trace sampled, fast health checks, no export."""
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "log_format": LogFormat.JSON,
        "trace_sample_ratio": 1.0,
        "health_check_interval": 0.05,
        "health_check_timeout": 1.0,
        "otlp_endpoint": None,
        "shutdown_delay": 0.0,
    }
    values.update(overrides)
    return cls.model_validate(values)


class SpanCapture:
    """Collect finished spans in memory; pass ``processor`` to `create_app`."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.processor = SimpleSpanProcessor(self.exporter)

    @property
    def spans(self) -> tuple[ReadableSpan, ...]:
        """Return the spans finished so far, oldest first."""
        return self.exporter.get_finished_spans()

    def named(self, name: str) -> list[ReadableSpan]:
        """Return the finished spans with this name."""
        return [span for span in self.spans if span.name == name]

    def clear(self) -> None:
        """Forget the spans captured so far."""
        self.exporter.clear()


class LogCapture(logging.Handler):
    """Collect log events as the JSON formatter renders them, as dicts."""

    def __init__(self, service: str = "test", version: str = "0") -> None:
        super().__init__(level=logging.DEBUG)
        self.events: list[dict[str, Any]] = []
        self._formatter = JsonFormatter(service, version)

    def emit(self, record: logging.LogRecord) -> None:
        """Render and keep the record."""
        import orjson

        self.events.append(orjson.loads(self._formatter.format(record)))


@contextmanager
def capture_logs(level: int = logging.DEBUG) -> Iterator[list[dict[str, Any]]]:
    """Capture every log event emitted inside the block as a list of dicts."""
    handler = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler.events
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def metric_value(
    registry: CollectorRegistry, name: str, labels: dict[str, str] | None = None
) -> float:
    """Return the sum of a sample's values over series matching ``labels`` (0 if none)."""
    wanted = labels or {}
    total = 0.0
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in wanted.items()):
                total += sample.value
    return total


@asynccontextmanager
async def app_client(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client that calls its API in-process.

    Keep per-app resources on ``app.state``: the in-process transport does not carry
    lifespan state into requests.
    """
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=get_instrumentation(app).api_app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def management_client(app: FastAPI) -> httpx.AsyncClient:
    """Return a client for the app's management endpoints (/livez, /readyz, /metrics)."""
    management = get_instrumentation(app).management_app
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=management), base_url="http://management"
    )


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port free on ``host`` right now."""
    return free_ports(1, host=host)[0]


def free_ports(count: int, *, host: str = LOOPBACK) -> list[int]:
    """Return ``count`` distinct TCP ports free on ``host`` right now."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def wait_until(
    predicate: Callable[[], object], *, what: str, timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Call ``predicate`` until it returns a true value; raise `TimeoutError` after ``timeout``.

    ``what`` names the awaited condition in the error. ``timeout`` only bounds the
    wait; it asserts no speed.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout:g} s waiting for {what}.")
        time.sleep(interval)


def eventually(
    fetch: Callable[[], T],
    done: Callable[[T], object],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> T:
    """Call ``fetch`` until ``done`` accepts its value; return that value.

    Raise `TimeoutError` showing the last value after ``timeout`` seconds.
    """
    last: list[T] = []

    def accepted() -> object:
        last[:] = [fetch()]
        return done(last[0])

    try:
        wait_until(accepted, what="an accepted value", timeout=timeout, interval=interval)
    except TimeoutError:
        raise TimeoutError(f"Still {last[0]!r} after {timeout:g} s.") from None
    return last[0]


async def wait_until_async(
    predicate: Callable[[], Awaitable[object]],
    *,
    what: str,
    timeout: float = 30.0,  # noqa: ASYNC109 - bounds the polling, cancels nothing
    interval: float = 0.05,
) -> None:
    """Await ``predicate`` until it returns a true value; raise `TimeoutError` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout:g} s waiting for {what}.")
        await asyncio.sleep(interval)


def wait_for_http(
    url: str,
    *,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    status: int = 200,
    timeout: float = 30.0,
    interval: float = 0.05,
) -> None:
    """Wait until ``url`` answers ``status``; fail at once, with its output, if ``process`` exits.

    The output is the tail of ``log`` when given, else what the process' pipes hold.
    """

    def answered() -> bool:
        if process is not None and process.poll() is not None:
            output = _output_tail(process, log)
            raise RuntimeError(
                f"{process.args!r} exited with {process.returncode} before {url} answered:\n"
                f"{output}"
            )
        try:
            return httpx.get(url, timeout=1.0).status_code == status
        except httpx.HTTPError:
            return False

    wait_until(answered, what=f"{url} to answer {status}", timeout=timeout, interval=interval)


def _output_tail(process: subprocess.Popen[bytes], log: Path | None) -> str:
    if log is not None:
        return log.read_text(errors="replace")[-_OUTPUT_TAIL:]
    pipes = [pipe for pipe in (process.stdout, process.stderr) if pipe is not None]
    return b"".join(pipe.read() for pipe in pipes).decode(errors="replace")[-_OUTPUT_TAIL:]


@dataclass(slots=True)
class RunningProcess:
    """Hold a process `running_process` started and the file its stdout and stderr go to."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Return what the process wrote so far, stdout and stderr interleaved."""
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """Send SIGTERM, SIGKILL after ``timeout`` seconds; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@contextmanager
def running_process(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    ready_url: str | None = None,
    ready_timeout: float = 30.0,
    stop_timeout: float = 30.0,
) -> Iterator[RunningProcess]:
    """Start ``command`` on loopback, wait for ``ready_url``, yield it, and stop it on exit.

    The process gets this environment, ``HOP_HOST=127.0.0.1`` and ``env``; its stdout and
    stderr go to ``log`` (a temporary file when None). Leaving the block sends SIGTERM
    and, after ``stop_timeout`` seconds, SIGKILL.
    """
    with ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "output.log"
        out = stack.enter_context(log.open("wb"))
        environment = {**os.environ, "HOP_HOST": LOOPBACK, **(env or {})}
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
        running = RunningProcess(process, log)
        stack.callback(running.stop, stop_timeout)
        if ready_url is not None:
            wait_for_http(ready_url, process=process, log=log, timeout=ready_timeout)
        yield running
