"""`make run`'s runner: banner and key, Ctrl-C flushes every click, restarts reuse data and key."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from hop_e2e_flow import Clicks, assert_counted_exactly, click, create_link
from hop_e2e_stack import RunningStack, free_stack_ports, hermetic_env
from hop_local.stack import SERVICES, Ports, Stack

from hop_instrumentation.testing import eventually

pytestmark = pytest.mark.process

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "local"
KEY_LINE = re.compile(r"^export HOP_API_KEY=(\S+)$", re.MULTILINE)


def _arguments(data_dir: Path, ports: Ports) -> list[str]:
    arguments = ["--data-dir", str(data_dir), "--edge-port", str(ports.edge)]
    for service in SERVICES:
        pair = ports.of(service)
        arguments += [f"--{service}-port", str(pair.http)]
        arguments += [f"--{service}-management-port", str(pair.management)]
        arguments += [f"--{service}-internal-port", str(pair.internal)]
    return arguments


@contextmanager
def _runner(data_dir: Path, ports: Ports, output: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m hop_local run`` as `make run` does; always reap it."""
    env = hermetic_env(PYTHONPATH=str(TOOLS))
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hop_local", "run", *_arguments(data_dir, ports)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _banner_key(output: Path, process: subprocess.Popen[bytes]) -> str:
    """Wait for the banner (bounded) and return the key on its own line."""

    def found() -> str | None:
        if process.poll() is not None:
            raise AssertionError(f"the runner exited early:\n{output.read_text()}")
        match = KEY_LINE.search(output.read_text())
        return match[1] if match else None

    key = eventually(found, bool, timeout=150.0)
    assert key is not None
    return key


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=60)


@pytest.mark.timeout(240)
def test_runner_ctrl_c_flushes_clicks_and_restart_reuses_key(tmp_path: Path) -> None:
    data_dir = tmp_path / ".hop"
    ports = free_stack_ports()
    hop = RunningStack(Stack(data_dir=data_dir, ports=ports), "", {})
    made = Clicks(humans=3, bots=1)
    with _runner(data_dir, ports, tmp_path / "first.log") as first:
        hop.key = _banner_key(tmp_path / "first.log", first)
        assert "created for owner 'dev'" in (tmp_path / "first.log").read_text()
        code = create_link(hop)["code"]
        click(hop, code, made)
        assert _stop(first) == 0
    with _runner(data_dir, ports, tmp_path / "second.log") as second:
        assert _banner_key(tmp_path / "second.log", second) == hop.key
        assert "of owner 'dev', reused" in (tmp_path / "second.log").read_text()
        assert_counted_exactly(hop, code, made)
        assert _stop(second) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{hop.edge}/{code}")
