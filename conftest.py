"""The test session owns every process its tests start: none may outlive it.

At the start of a session, ``PYTEST_PROCESS_OWNER`` is set to an id of this session in the
environment, so every process a test starts inherits it (children, their children, and
orphans whose parent died; xdist workers keep their controller's). When the session ends,
after every fixture is torn down, a process still carrying the id is a leak: it is
killed, named in the report, and the session fails. A daemon meant to outlive the tests
(dockerd) is started without the variable (tools/ensure-docker).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Generator
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)  # tests/test_process_owner.py runs sessions of its own

OWNER = "PYTEST_PROCESS_OWNER"
#: How long processes that are already stopping (a browser's helpers) get to exit.
GRACE_SECONDS = 2.0


_OUTER_OWNER = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    """Mark this session's processes, unless this is an xdist worker of a marked session."""
    if not hasattr(config, "workerinput"):
        config.stash[_OUTER_OWNER] = os.environ.get(OWNER)
        os.environ[OWNER] = f"{os.getpid()}-{uuid.uuid4().hex}"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the mark back to the session around this one (a session run in process)."""
    if _OUTER_OWNER not in config.stash:
        return
    outer = config.stash[_OUTER_OWNER]
    if outer is None:
        os.environ.pop(OWNER, None)
    else:
        os.environ[OWNER] = outer


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """Fail the session, after every other finisher, if a process it started still runs."""
    yield
    if hasattr(session.config, "workerinput"):
        return  # the controller checks, once its workers are gone
    leaks = _wait_for_exit(_owned_processes(os.environ[OWNER]))
    if not leaks:
        return
    for pid in leaks:
        _kill(pid)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"  pid {pid}: {command}" for pid, command in sorted(leaks.items())]
    message = "\n".join(
        [
            f"{len(leaks)} process(es) started by the tests outlived the session (killed now):",
            *lines,
            "Stop every process a test starts in a fixture or a finally block.",
        ]
    )
    if reporter is not None:
        reporter.write_sep("!", "processes left running", red=True)
        reporter.write_line(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _owned_processes(owner: str) -> dict[int, str]:
    """Return the command line of every other live process whose environment names ``owner``."""
    marker = f"{OWNER}={owner}".encode()
    found: dict[int, str] = {}
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(entry.name)] = command.decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def _wait_for_exit(processes: dict[int, str]) -> dict[int, str]:
    """Give ``processes`` up to `GRACE_SECONDS` to exit; return those still running."""
    deadline = time.monotonic() + GRACE_SECONDS
    while processes and time.monotonic() < deadline:
        time.sleep(0.1)
        processes = {pid: cmd for pid, cmd in processes.items() if _is_running(pid)}
    return processes


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
