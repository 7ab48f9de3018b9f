"""The session owns its tests' processes (the root conftest.py): a leak fails it and is killed.

Each case runs a session of its own (pytester, in a subprocess) with the repository's
root conftest and one test that starts a server-like process and forgets it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[1]

LEAKY_TEST = """
import subprocess
import sys
import threading
from pathlib import Path


def test_starts_a_server_and_forgets_it():
    # As an outage thread does: the process starts behind the test's back, then it {ends}.
    def start():
        server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        Path("leaked.pid").write_text(str(server.pid))

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    assert {passes}
"""


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


@pytest.fixture
def leaked(pytester: pytest.Pytester) -> Iterator[Path]:
    """The file the leaky test writes its process' id to; the process is killed afterwards."""
    pid_file = pytester.path / "leaked.pid"
    yield pid_file
    if pid_file.exists() and _alive(pid := int(pid_file.read_text())):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("passes", "workers"),
    [(True, ()), (False, ()), (False, ("-n", "2", "--dist", "loadgroup"))],
    ids=["passing", "failing", "failing-on-an-xdist-worker"],
)
def test_session_process_left_running_fails_the_session_and_is_killed(
    pytester: pytest.Pytester, leaked: Path, passes: bool, workers: tuple[str, ...]
) -> None:
    """As `make test` runs it too: the test on an xdist worker, the check in the controller."""
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    ends = "passes" if passes else "fails"
    pytester.makepyfile(LEAKY_TEST.format(ends=ends, passes=passes))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*processes left running*",
            "1 process(es) started by the tests outlived the session (killed now):",
            "  pid *: *python* -c import time; time.sleep(300)",
        ]
    )
    assert not _alive(int(leaked.read_text()))
