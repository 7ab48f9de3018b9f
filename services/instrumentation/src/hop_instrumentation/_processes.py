"""Real processes on loopback: free ports, bounded waits, and a process that stops cleanly.

Public through `hop_instrumentation.testing`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

import httpx

__all__ = [
    "LOOPBACK",
    "RunningProcess",
    "eventually",
    "free_port",
    "free_ports",
    "running_process",
    "wait_for_http",
    "wait_until",
    "wait_until_async",
]

T = TypeVar("T")
LOOPBACK: Final = "127.0.0.1"
_OUTPUT_TAIL: Final = 3000


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
    # One client for every poll: each new one loads the CA bundle, ~30 ms of CPU taken
    # from the very process being waited for.
    with httpx.Client(timeout=1.0) as client:

        def answered() -> bool:
            if process is not None and process.poll() is not None:
                output = _output_tail(process, log)
                raise RuntimeError(
                    f"{process.args!r} exited with {process.returncode} before {url} "
                    f"answered:\n{output}"
                )
            try:
                return client.get(url).status_code == status
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

    The process gets this environment, ``HOP_HOST=127.0.0.1``, a free ``HOP_INTERNAL_PORT``
    (unless ``env`` names one) and ``env``; its stdout and stderr go to ``log`` (a
    temporary file when None). Leaving the block sends SIGTERM
    and, after ``stop_timeout`` seconds, SIGKILL.
    """
    with ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "output.log"
        out = stack.enter_context(log.open("wb"))
        internal = {"HOP_INTERNAL_PORT": str(free_port())}
        environment = {**os.environ, "HOP_HOST": LOOPBACK, **internal, **(env or {})}
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
        running = RunningProcess(process, log)
        stack.callback(running.stop, stop_timeout)
        if ready_url is not None:
            wait_for_http(ready_url, process=process, log=log, timeout=ready_timeout)
        yield running
