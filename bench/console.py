"""console: sign-in and page-load throughput, with links keeping the sessions (issue 24).

Starts ``hop-links serve`` and ``hop-console serve`` as real processes (`make run`'s
settings and SQLite, bench/_stack.py), signs in once to get a session cookie, then drives
with wrk on loopback (one thread; 64 connections like the other benchmarks, 16 for sign-ins):

- **sign-in**: ``POST /console/sign-in`` with the key and the anonymous session's CSRF
  token (303); each one opens a session at links (and, past 20, ends the oldest);
- **page load**: ``GET /console/links`` with the signed-in cookie (200), 20 links listed;
  the console calls links with the session token, which links checks on every call.

    make bench-console          # or: uv run python bench/console.py
    BENCH_DURATION=10 BENCH_ROUNDS=2 BENCH_BASELINE=<git ref> ...

With ``BENCH_BASELINE`` a second console runs that commit's ``hop_console``,
``hop_contracts`` and ``hop_instrumentation`` (a temporary git worktree, first on its
``PYTHONPATH``) beside this tree's, against the same links, and the two are measured in
``BENCH_ROUNDS`` alternating rounds, so before and after come from one run on one load.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from _harness import (
    LoadResult,
    machine,
    run_wrk,
    start_process,
    stop_on_sigterm,
    stop_process,
    table,
)
from _stack import HopStack, bench_stack, running
from links import baseline_sources

from hop_instrumentation.testing import free_ports

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
#: Sign-ins are rare next to page loads: 16 at once, not 64 (wrk's 2 s timeout otherwise).
SIGN_IN_CONNECTIONS = int(os.environ.get("BENCH_SIGN_IN_CONNECTIONS", "16"))
BASELINE = os.environ.get("BENCH_BASELINE")
COOKIE = "hop_console_session"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(slots=True, frozen=True)
class Console:
    """One console process under test: its name and base URL."""

    name: str
    url: str


def main() -> None:
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="hop-bench-") as directory:
        stack = bench_stack(Path(directory) / "data")
        with running(stack, services=("links", "console")) as hop:
            hop.seed(count=20)
            consoles = [Console("this tree", hop.url("console"))]
            if BASELINE is None:
                _report([(consoles[0], [_measure(consoles[0], hop.key, Path(directory))])])
                return
            with baseline_sources(BASELINE) as pythonpath:
                tree = pythonpath.split("/services/", 1)[0]
                sources = ("console", "contracts", "instrumentation")
                path = ":".join(f"{tree}/services/{name}/src" for name in sources)
                process, url = _start_baseline(hop, path)
                try:
                    consoles.insert(0, Console(BASELINE, url))
                    rounds: dict[Console, list[tuple[LoadResult, LoadResult]]] = {
                        console: [] for console in consoles
                    }
                    for number in range(ROUNDS):  # alternate who goes first
                        for console in consoles[:: 1 if number % 2 == 0 else -1]:
                            rounds[console].append(_measure(console, hop.key, Path(directory)))
                finally:
                    stop_process(process)
                _report(list(rounds.items()))


def _start_baseline(hop: HopStack, pythonpath: str) -> tuple[subprocess.Popen[bytes], str]:
    http, internal, management = free_ports(3)
    env = {
        **hop.stack.env("console"),
        "HOP_HTTP_PORT": str(http),
        "HOP_INTERNAL_PORT": str(internal),
        "HOP_MANAGEMENT_PORT": str(management),
        "PYTHONPATH": pythonpath,
    }
    process = start_process(
        hop.stack.serve_command("console"),
        ready_url=f"http://127.0.0.1:{management}/readyz",
        env=env,
        cwd=hop.stack.data_dir,
        log=hop.logs / "console-baseline.log",
    )
    return process, f"http://127.0.0.1:{http}"


def _measure(console: Console, key: str, directory: Path) -> tuple[LoadResult, LoadResult]:
    with httpx.Client(base_url=console.url, timeout=30) as client:
        anonymous, token = _anonymous(client)
        signed = client.post(
            "/console/sign-in", data={"key": key, "csrf": token}, headers={"Cookie": anonymous}
        )
        if signed.status_code != 303:
            raise RuntimeError(f"{console.name}: sign-in answered {signed.status_code}.")
        cookie = signed.headers["set-cookie"].split(";")[0]
        if client.get("/console/links", headers={"Cookie": cookie}).status_code != 200:
            raise RuntimeError(f"{console.name}: the signed-in cookie does not load a page.")
    # Pages first: the sign-ins open hundreds of sessions, and past 20 the oldest end.
    page = _script(directory, "page", cookie, None)
    loading = run_wrk(f"{console.url}/console/links", duration=DURATION, script=page)
    sign_in = _script(directory, "sign-in", anonymous, f"key={key}&csrf={token}")
    signing_in = run_wrk(
        f"{console.url}/console/sign-in",
        duration=DURATION,
        connections=SIGN_IN_CONNECTIONS,
        script=sign_in,
    )
    for name, result in (("sign-in", signing_in), ("page load", loading)):
        if result.non_2xx_3xx:  # a refused sign-in or a dead session is a broken benchmark
            raise RuntimeError(f"{console.name} {name}: {result}")
    return signing_in, loading


def _anonymous(client: httpx.Client) -> tuple[str, str]:
    page = client.get("/console/sign-in")
    found = _CSRF.search(page.text)
    if found is None:
        raise RuntimeError("The sign-in page has no CSRF token.")
    return page.headers["set-cookie"].split(";")[0], found.group(1)


def _script(directory: Path, name: str, cookie: str, form: str | None) -> str:
    lines = [f'wrk.headers["Cookie"] = [[{cookie}]]']  # the value is quoted: a long string
    if form is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = [[{form}]]",
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
        ]
    script = directory / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return str(script)


def _report(runs: list[tuple[Console, list[tuple[LoadResult, LoadResult]]]]) -> None:
    rows = []
    for console, results in runs:
        for kind, index in (("sign-in", 0), ("page load", 1)):
            rates = [result[index].requests_per_second for result in results]
            p99 = max(result[index].p99_ms for result in results)
            errors = sum(result[index].errors for result in results)
            rows.append((console.name, kind, sum(rates) / len(rates), p99, errors))
    print(f"console, {DURATION} s per measurement, {len(runs[0][1])} round(s); {machine()}")
    headers = ["console", "request", "req/s (mean)", "p99 ms (worst)", "timeouts"]
    print(table(headers, rows))
    if len(runs) == 2:
        for kind, index in (("sign-in", 0), ("page load", 1)):
            before, after = (rows[i * 2 + index][2] for i in range(2))
            print(f"{kind}: this tree / {runs[0][0].name} = {after / before:.2f}")


if __name__ == "__main__":
    main()
