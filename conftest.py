"""The test session owns every process its tests start: none may outlive it; and under
pytest-xdist, tests that share an expensive fixture run on one worker.

At the start of a session, ``PYTEST_PROCESS_OWNER`` is set to an id of this session in the
environment, so every process a test starts inherits it (children, their children, and
orphans whose parent died; xdist workers keep their controller's). When the session ends,
after every fixture is torn down, a process still carrying the id is a leak: it is
killed, named in the report, and the session fails. A daemon meant to outlive the tests
(dockerd) is started without the variable (tools/ensure-docker).

`make test` runs the suite on two xdist workers (``--dist loadgroup``). A module- or
session-scoped fixture of the repository (a stack of processes, Prometheus, the charts'
renders, the images) would otherwise be built once on each worker that runs one of its
tests, and a module's tests that rely on their order would be split: so every test is put
in the ``xdist_group`` of the shared fixtures it uses (tests linked through a fixture land
in one group). Fixtures cheap enough to build once per worker are named in `PER_WORKER`.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import time
import uuid
from collections.abc import Generator
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id

pytest_plugins = ("pytester",)  # tests/test_process_owner.py runs sessions of its own

ROOT = Path(__file__).resolve().parent
OWNER = "PYTEST_PROCESS_OWNER"
#: How long processes that are already stopping (a browser's helpers) get to exit.
GRACE_SECONDS = 2.0


_OUTER_OWNER = pytest.StashKey[str | None]()

#: Shared fixtures that each xdist worker may build for itself: a migrated database or
#: template file of the worker's own, a program found on the PATH, files read once.
PER_WORKER = frozenset(
    {"sqlite_template", "postgres_url", "postgres_server_url", "helm", "promtool", "amtool",
     "dashboards"}
)  # fmt: skip


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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, group the tests that share an expensive fixture."""
    # xdist's workers collect; they see ``--dist loadgroup`` as ``option.loadgroup``.
    if not getattr(config.option, "loadgroup", False):
        return
    for item, group in shared_fixture_groups(items).items():
        item.add_marker(pytest.mark.xdist_group(group))
        if "@" not in item.nodeid:
            # xdist 3.8 sends a group as the id's ``@group`` suffix, set through ``_nodeid``,
            # which pytest 9 no longer reads (its id is ``_id``): set it here.
            item._id = coerce_node_id(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]


def shared_fixture_groups(items: list[pytest.Item]) -> dict[pytest.Item, str]:
    """Map each test using a shared fixture of the repository to the group of its fixtures.

    A shared fixture is one scoped wider than a function, written in this repository and
    not in `PER_WORKER`; tests are in one group when a chain of such fixtures links them.
    The group is named after the first fixture found (``path:name``).
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    keys_of: dict[pytest.Item, list[str]] = {}
    for item in items:
        keys = [_shared_key(item, name) for name in getattr(item, "fixturenames", ())]
        found = [key for key in keys if key is not None]
        if found:
            keys_of[item] = found
            for key in found[1:]:
                parent[root(key)] = root(found[0])
    return {item: root(keys[0]) for item, keys in keys_of.items()}


def _shared_key(item: pytest.Item, name: str) -> str | None:
    """Return the key of fixture ``name`` as ``item`` sees it, when it is a shared one."""
    definitions = item._fixtureinfo.name2fixturedefs.get(name)  # type: ignore[attr-defined]
    if not definitions or name in PER_WORKER:
        return None
    definition = definitions[-1]
    if definition.scope == "function":
        return None
    try:
        source = Path(inspect.getsourcefile(definition.func) or "").resolve()
    except TypeError:
        return None
    if ROOT not in source.parents or ".venv" in source.parts:
        return None
    where = source.relative_to(ROOT)
    if definition.scope == "module" and source.name == "conftest.py":
        where = item.path.relative_to(ROOT)  # built again for each module using it
    return f"{where}:{name}"


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
