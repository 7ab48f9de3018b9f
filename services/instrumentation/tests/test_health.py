"""The readiness state machine and the management endpoints that expose it."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from hop_instrumentation import HealthCheck, Readiness, ReadinessState, ServiceSettings, create_app
from hop_instrumentation.testing import app_client, make_test_settings, management_client


class Switch:
    def __init__(self) -> None:
        self.healthy = True
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.healthy:
            raise ConnectionError("connection refused")


async def never_answers() -> None:
    await asyncio.sleep(3600)


async def test_readiness_starting_is_not_ready_even_with_passing_checks() -> None:
    readiness = Readiness()
    readiness.add_check(HealthCheck("db", Switch()))
    await readiness.start()
    assert readiness.is_ready() is False
    readiness.mark_running()
    assert readiness.is_ready() is True
    await readiness.stop()


async def test_readiness_critical_failure_fails_and_noncritical_does_not() -> None:
    database, upstream = Switch(), Switch()
    upstream.healthy = False
    readiness = Readiness()
    readiness.add_check(HealthCheck("database", database))
    readiness.add_check(HealthCheck("upstream", upstream, critical=False))
    await readiness.start()
    readiness.mark_running()
    assert readiness.is_ready() is True
    database.healthy = False
    await readiness.run_check(readiness.checks[0])
    assert readiness.is_ready() is False
    assert readiness.report() == [
        "[+]lifecycle running",
        "[-]database failed: ConnectionError: connection refused",
        "[-]upstream failed: ConnectionError: connection refused (non-critical)",
    ]
    await readiness.stop()


async def test_readiness_check_timeout_is_a_failure() -> None:
    readiness = Readiness(timeout=0.05)
    readiness.add_check(HealthCheck("slow", never_answers))
    await readiness.start()
    readiness.mark_running()
    assert readiness.is_ready() is False
    assert readiness.result("slow") is not None
    assert readiness.result("slow").message == "timed out after 0.05s"  # type: ignore[union-attr]
    await readiness.stop()


async def test_readiness_rechecks_in_the_background_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hop.health")
    switch = Switch()
    switch.healthy = False
    readiness = Readiness(interval=0.01)
    readiness.add_check(HealthCheck("db", switch))
    await readiness.start()
    readiness.mark_running()
    assert readiness.is_ready() is False
    switch.healthy = True
    for _ in range(100):
        await asyncio.sleep(0.01)
        if readiness.is_ready():
            break
    assert readiness.is_ready() is True
    assert switch.calls >= 2
    switch.healthy = False
    await readiness.run_check(readiness.checks[0])
    switch.healthy = True
    await readiness.run_check(readiness.checks[0])
    changes = [(r.levelname, r.ok) for r in caplog.records if r.msg == "health check changed"]
    assert changes[-2:] == [("WARNING", False), ("INFO", True)]
    await readiness.stop()


class SwallowsOneCancel:
    """A check whose client library swallows the first cancellation landing inside it."""

    def __init__(self) -> None:
        self.swallowed = 0
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        self.running.set()
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            if self.swallowed:
                raise
            self.swallowed += 1


async def test_readiness_stop_ends_even_when_a_check_swallows_its_cancellation() -> None:
    check = SwallowsOneCancel()
    readiness = Readiness(interval=0.0, timeout=5.0)
    readiness.add_check(HealthCheck("swallower", check))
    await readiness.start()
    check.running.clear()
    await check.running.wait()  # a background run is inside the check now
    await asyncio.wait_for(readiness.stop(), timeout=10)
    assert check.swallowed == 1


async def test_readiness_shutting_down_fails_for_good() -> None:
    readiness = Readiness()
    await readiness.start()
    readiness.mark_running()
    readiness.mark_shutting_down()
    readiness.mark_running()
    assert readiness.state is ReadinessState.SHUTTING_DOWN
    assert readiness.is_ready() is False


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("db", "A health check named 'db' is already registered."),
        ("a/b", "Health check name 'a/b' must use letters, digits, '-' or '_'."),
    ],
)
def test_readiness_rejects_duplicate_and_unsafe_names(name: str, message: str) -> None:
    readiness = Readiness()
    readiness.add_check(HealthCheck("db", Switch()))
    with pytest.raises(ValueError, match=re.escape(message)):
        readiness.add_check(HealthCheck(name, Switch()))


async def test_management_endpoints_answer_like_the_kube_apiserver() -> None:
    database = Switch()
    app = create_app(
        make_test_settings(ServiceSettings),
        checks=(HealthCheck("database", database), HealthCheck("cache", Switch(), critical=False)),
    )
    async with app_client(app), management_client(app) as management:
        livez = await management.get("/livez")
        verbose = await management.get("/readyz?verbose")
        one = await management.get("/readyz/database")
        unknown = await management.get("/readyz/nothing")
        database.healthy = False
        readiness = app.state.instrumentation.readiness
        await readiness.run_check(readiness.checks[0])
        failing = await management.get("/readyz")
        failing_one = await management.get("/readyz/database")
        post = await management.post("/readyz")
        head = await management.head("/livez")
        other = await management.get("/api/anything")
    assert (livez.status_code, livez.text) == (200, "ok\n")
    assert (verbose.status_code, verbose.text) == (
        200,
        "[+]lifecycle running\n[+]database ok\n[+]cache ok (non-critical)\nreadyz check passed\n",
    )
    assert (one.status_code, one.text) == (200, "ok\n")
    assert (unknown.status_code, unknown.text) == (404, "no such check: nothing\n")
    assert (failing.status_code, failing.text) == (503, "readyz check failed\n")
    assert failing_one.status_code == 503
    assert failing_one.text == "[-]database failed: ConnectionError: connection refused\n"
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")
    assert (head.status_code, head.content) == (200, b"")
    assert other.status_code == 404
    assert livez.headers["cache-control"] == "no-store"


async def test_readyz_fails_after_the_lifespan_ends() -> None:
    app = create_app(make_test_settings(ServiceSettings))
    async with management_client(app) as management:
        before = await management.get("/readyz")
        async with app_client(app):
            during = await management.get("/readyz")
        after = await management.get("/readyz")
    assert [before.status_code, during.status_code, after.status_code] == [503, 200, 503]
