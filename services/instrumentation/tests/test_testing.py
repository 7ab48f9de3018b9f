"""The shared test helpers: ports, waits and processes on loopback."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from hop_instrumentation.testing import (
    LoopbackServers,
    eventually,
    free_port,
    free_ports,
    running_process,
    wait_for_http,
    wait_until,
    wait_until_async,
)

PRINT_THEN_SLEEP = "import sys, time; print('started', flush=True); time.sleep(60)"
PRINT_THEN_FAIL = "import sys; print('bad setting HOP_X', file=sys.stderr); sys.exit(3)"


def test_free_ports_are_distinct_and_bindable_on_loopback() -> None:
    ports = [*free_ports(3), free_port()]
    assert len(set(ports[:3])) == 3
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_wait_until_returns_once_the_predicate_holds() -> None:
    calls = iter([False, 0, "yes"])
    wait_until(lambda: next(calls), what="the third call")


def test_wait_until_times_out_naming_what_it_waited_for() -> None:
    with pytest.raises(TimeoutError, match=r"after 0\.1 s waiting for the moon\.$"):
        wait_until(lambda: False, what="the moon", timeout=0.1)


def test_eventually_returns_the_first_accepted_value() -> None:
    values = iter(range(10))
    assert eventually(lambda: next(values), lambda value: value >= 2, interval=0) == 2


def test_eventually_times_out_showing_the_last_value() -> None:
    with pytest.raises(TimeoutError, match=r"^Still \{'clicks': 0\} after 0\.1 s\.$"):
        eventually(lambda: {"clicks": 0}, lambda body: body["clicks"] > 0, timeout=0.1)


async def test_wait_until_async_awaits_the_predicate() -> None:
    answers = [False, True]

    async def predicate() -> bool:
        return answers.pop(0) if answers else False

    await wait_until_async(predicate, what="the second call")
    with pytest.raises(TimeoutError, match="waiting for never"):
        await wait_until_async(predicate, what="never", timeout=0.1)


@pytest.mark.process
def test_wait_for_http_fails_early_with_the_output_of_a_process_that_exited(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-c", PRINT_THEN_FAIL]
    ready = f"http://127.0.0.1:{free_port()}/readyz"
    with (  # a RuntimeError, not the TimeoutError of the 10 minutes the wait may take
        pytest.raises(RuntimeError, match=r"exited with 3 before .*\n.*bad setting HOP_X"),
        running_process(command, log=tmp_path / "out.log", ready_url=ready, ready_timeout=600),
    ):
        pytest.fail("the block must not run")  # pragma: no cover


@pytest.mark.process
def test_wait_for_http_times_out_on_a_port_nobody_serves() -> None:
    with pytest.raises(TimeoutError, match=r"http://127\.0\.0\.1:\d+/readyz to answer 200"):
        wait_for_http(f"http://127.0.0.1:{free_port()}/readyz", timeout=0.2)


@pytest.mark.process
def test_running_process_collects_output_and_stops_with_sigterm() -> None:
    with running_process([sys.executable, "-c", PRINT_THEN_SLEEP]) as service:
        wait_until(lambda: "started" in service.output(), what="the first line")
        assert service.stop(timeout=10) == -15
    assert service.process.returncode == -15


async def test_loopback_servers_serve_in_the_tests_loop_and_close_their_ports() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"served"})

    async with LoopbackServers() as servers:
        url = servers.serve(app)  # listening already: the request waits in the backlog
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{url}/here")
    assert (answer.status_code, answer.text, seen) == (200, "served", ["/here"])
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
