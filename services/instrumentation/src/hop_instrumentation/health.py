"""Liveness and readiness with the semantics of the kube-apiserver's ``/livez`` and ``/readyz``.

Usage::

    async def ping_database() -> None:
        await engine.ping()          # raise to fail, return to pass

    readiness.add_check(HealthCheck("database", ping_database))
    readiness.add_check(HealthCheck("links", ping_links, critical=False))

Checks run in the background, each with a timeout, and their results are cached:
answering ``/readyz`` does no I/O. The service is ready once startup finished, every
critical check passed and no shutdown began. Non-critical checks show in
``/readyz?verbose`` but never fail the probe (an upstream outage must not cascade).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from hop_instrumentation.settings import redact_secrets

__all__ = ["CheckResult", "HealthCheck", "Readiness", "ReadinessState"]

logger = logging.getLogger("hop.health")

CheckFunction = Callable[[], Awaitable[None]]


@dataclass(slots=True, frozen=True)
class HealthCheck:
    """Describe one dependency check: an async function that raises when unhealthy."""

    name: str
    check: CheckFunction
    critical: bool = True
    timeout: float | None = None
    interval: float | None = None


@dataclass(slots=True)
class CheckResult:
    """Hold the cached outcome of a check's last run."""

    ok: bool
    message: str
    checked_at: float = field(default_factory=time.monotonic)


class ReadinessState(StrEnum):
    """Name the lifecycle phases readiness moves through."""

    STARTING = "starting"
    RUNNING = "running"
    SHUTTING_DOWN = "shutting down"


_PENDING = CheckResult(ok=False, message="not run yet")
#: Seconds stop() waits for cancelled checks before cancelling the stragglers again.
_RECANCEL_AFTER: Final = 0.5


class Readiness:
    """Run registered checks in the background and answer readiness from their cache."""

    def __init__(self, *, interval: float = 5.0, timeout: float = 2.0) -> None:
        self.state = ReadinessState.STARTING
        self._interval = interval
        self._timeout = timeout
        self._checks: dict[str, HealthCheck] = {}
        self._results: dict[str, CheckResult] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def checks(self) -> tuple[HealthCheck, ...]:
        """Return the registered checks in registration order."""
        return tuple(self._checks.values())

    def add_check(self, check: HealthCheck) -> None:
        """Register a check; names must be unique and URL-safe (they appear in paths)."""
        if not check.name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(
                f"Health check name {check.name!r} must use letters, digits, '-' or '_'."
            )
        if check.name in self._checks:
            raise ValueError(f"A health check named {check.name!r} is already registered.")
        self._checks[check.name] = check
        self._results[check.name] = _PENDING
        if self._tasks:
            self._tasks.append(asyncio.create_task(self._loop(check)))

    async def start(self) -> None:
        """Run every check once, then keep re-running them in the background."""
        await asyncio.gather(*(self.run_check(check) for check in self._checks.values()))
        self._tasks = [asyncio.create_task(self._loop(c)) for c in self._checks.values()]

    def mark_running(self) -> None:
        """Record that startup finished; readiness now follows the checks."""
        if self.state is ReadinessState.STARTING:
            self.state = ReadinessState.RUNNING

    def mark_shutting_down(self) -> None:
        """Fail readiness from now on: the process is leaving."""
        self.state = ReadinessState.SHUTTING_DOWN

    async def stop(self) -> None:
        """Cancel the background checks, and keep cancelling any that swallowed it."""
        pending = set(self._tasks)
        while pending:
            # A check's client library can swallow a cancellation that lands inside it
            # (seen with redis-py); cancelling again at the next await ends the loop.
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=_RECANCEL_AFTER)
        self._tasks = []

    async def run_check(self, check: HealthCheck) -> CheckResult:
        """Run one check now with its timeout, cache and return its result."""
        timeout = check.timeout or self._timeout
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that lands as the check finishes, and stop() would then wait forever.
            async with asyncio.timeout(timeout):
                await check.check()
        except TimeoutError:
            result = CheckResult(ok=False, message=f"timed out after {timeout:g}s")
        except Exception as err:
            result = CheckResult(ok=False, message=_describe(err))
        else:
            result = CheckResult(ok=True, message="ok")
        previous = self._results.get(check.name)
        if previous is not None and previous.ok != result.ok and previous is not _PENDING:
            # A failure is worth a warning; the recovery that follows it is news, not trouble.
            logger.log(
                logging.INFO if result.ok else logging.WARNING,
                "health check changed",
                extra={"check": check.name, "ok": result.ok, "reason": result.message},
            )
        self._results[check.name] = result
        return result

    def result(self, name: str) -> CheckResult | None:
        """Return the cached result of one check, or None if no such check exists."""
        return self._results.get(name) if name in self._checks else None

    def is_ready(self) -> bool:
        """Tell whether startup finished, no shutdown began and every critical check passed."""
        if self.state is not ReadinessState.RUNNING:
            return False
        return all(self._results[c.name].ok for c in self._checks.values() if c.critical)

    def report(self) -> list[str]:
        """Return the verbose lines: the lifecycle first, then ``[+]name ok`` or ``[-]...``."""
        lines = [_line("lifecycle", self.state is ReadinessState.RUNNING, self.state.value)]
        for check in self._checks.values():
            result = self._results[check.name]
            suffix = "" if check.critical else " (non-critical)"
            message = "ok" if result.ok else f"failed: {result.message}"
            lines.append(_line(check.name, result.ok, message + suffix))
        return lines

    async def _loop(self, check: HealthCheck) -> None:
        interval = check.interval or self._interval
        while True:
            await asyncio.sleep(interval)
            await self.run_check(check)


def _line(name: str, ok: bool, message: str) -> str:
    return f"[{'+' if ok else '-'}]{name} {message}"


def _describe(err: BaseException) -> str:
    text = redact_secrets(str(err).splitlines()[0]) if str(err) else ""
    return f"{type(err).__name__}: {text}"[:200] if text else type(err).__name__
