"""links: throughput and latency of the internal resolve and of single creates, on PostgreSQL.

Starts ``hop-links serve`` as a real process on a fresh PostgreSQL database (created and
dropped here), seeds links through the batch API, then drives both endpoints with wrk on
loopback (one thread, 64 connections, like the other benchmarks and their reference numbers).

    make bench-links            # or: uv run python bench/links.py
    BENCH_DURATION=20 BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test ...
    BENCH_BASELINE=<git ref> ...   # also measure links at that commit, in the same run

With ``BENCH_BASELINE`` the commit's ``hop_links`` and ``hop_contracts`` (checked out into
a temporary git worktree and put first on ``PYTHONPATH``) are measured in alternating
rounds with the working tree's, so before/after numbers come from one run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
from _harness import ROOT, WrkResult, process, rss_mib, run_wrk

from hop_instrumentation.testing import free_ports, temporary_database

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SEED_LINKS = int(os.environ.get("BENCH_SEED_LINKS", "10000"))
BASELINE = os.environ.get("BENCH_BASELINE")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
HOP_LINKS = [sys.executable, "-m", "hop_links"]

RESOLVE_LUA = """
local codes = {%s}
request = function()
  return wrk.format("GET", "/internal/v1/links/" .. codes[math.random(#codes)])
end
"""
CREATE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
local n = 0
request = function()
  n = n + 1
  local body = '{"url":"https://example.com/bench/' .. n .. '?r=' .. math.random(1e9) .. '"}'
  return wrk.format(nil, nil, nil, body)
end
"""


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*HOP_LINKS, *args], env={**os.environ, **env}, cwd=ROOT, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def _seed(base: str, key: str) -> list[str]:
    codes: list[str] = []
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for start in range(0, SEED_LINKS, 1000):
            size = min(1000, SEED_LINKS - start)
            items = [{"url": f"https://example.com/seed/{start + i}"} for i in range(size)]
            response = client.post("/api/v1/links:batch", json={"items": items})
            response.raise_for_status()
            codes += [result["link"]["code"] for result in response.json()["results"]]
    return codes


def _wrk_command(url: str, script: Path) -> str:
    return f"wrk -t1 -c{CONNECTIONS} -d{DURATION}s --latency -s {script.name} {url}"


def _row(name: str, result: WrkResult) -> str:
    return (
        f"| {name:<30} | {result.requests_per_second:>9,.0f} | {result.p50_ms:>8.2f} "
        f"| {result.p99_ms:>8.2f} | {result.non_2xx_3xx + result.errors:>6} |"
    )


@contextlib.contextmanager
def links_on_postgres(
    pythonpath: str | None = None,
) -> Iterator[tuple[str, str, subprocess.Popen[bytes]]]:
    """Serve hop-links on a fresh PostgreSQL database; yield its URL, an API key, the process.

    ``pythonpath`` puts another checkout's packages first (a baseline to compare with).
    """
    http_port, management_port = free_ports(2)
    with temporary_database(ADMIN_DSN, prefix="hop_links_bench") as database_url:
        env = {
            **({"PYTHONPATH": pythonpath} if pythonpath else {}),
            "HOP_DATABASE_URL": database_url,
            "HOP_HTTP_PORT": str(http_port),
            "HOP_MANAGEMENT_PORT": str(management_port),
            "HOP_HOST": "127.0.0.1",
            "HOP_PUBLIC_BASE_URL": "https://hop.bench",
            "HOP_DATABASE_POOL_SIZE": "20",
        }
        _cli(env, "migrate")
        _cli(env, "owners", "create", "bench")
        key = _cli(env, "keys", "create", "bench")
        ready = f"http://127.0.0.1:{management_port}/readyz"
        with process([*HOP_LINKS, "serve"], ready_url=ready, env=env) as server:
            yield f"http://127.0.0.1:{http_port}", key, server


@contextlib.contextmanager
def baseline_sources(ref: str) -> Iterator[str]:
    """Check ``ref`` out into a temporary worktree; yield its PYTHONPATH for links."""
    with tempfile.TemporaryDirectory() as directory:
        tree = Path(directory) / "baseline"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), ref], check=True,
                       capture_output=True)  # fmt: skip
        try:
            yield f"{tree}/services/links/src:{tree}/services/contracts/src"
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


def main() -> None:
    if BASELINE is None:
        with links_on_postgres() as (base, key, server):
            _report("", *_measure(base, key, _seed(base, key)), server.pid)
        return
    results: dict[str, list[tuple[WrkResult, WrkResult]]] = {BASELINE: [], "working tree": []}
    with baseline_sources(BASELINE) as pythonpath:
        for _ in range(ROUNDS):
            for name, path in ((BASELINE, pythonpath), ("working tree", None)):
                with links_on_postgres(path) as (base, key, server):
                    results[name].append(_measure(base, key, _seed(base, key)))
    for name, rounds in results.items():
        resolve = max((r for r, _ in rounds), key=lambda r: r.requests_per_second)
        create = max((c for _, c in rounds), key=lambda c: c.requests_per_second)
        _report(f"{name} (best of {len(rounds)} alternating rounds): ", resolve, create, None)


def _measure(base: str, key: str, codes: list[str]) -> tuple[WrkResult, WrkResult]:
    with tempfile.TemporaryDirectory() as directory:
        resolve_lua = Path(directory) / "resolve.lua"
        resolve_lua.write_text(RESOLVE_LUA % ",".join(json.dumps(c) for c in codes))
        create_lua = Path(directory) / "create.lua"
        create_lua.write_text(CREATE_LUA % key)
        resolve_url = f"{base}/internal/v1/links/"
        create_url = f"{base}/api/v1/links"
        run_wrk(resolve_url, duration=2, connections=CONNECTIONS, script=str(resolve_lua))
        resolve = run_wrk(resolve_url, duration=DURATION, connections=CONNECTIONS,
                          script=str(resolve_lua))  # fmt: skip
        create = run_wrk(create_url, duration=DURATION, connections=CONNECTIONS,
                         script=str(create_lua))  # fmt: skip
        print("\ncommands (Lua scripts written by bench/links.py):")
        print(f"  {_wrk_command(resolve_url, resolve_lua)}")
        print(f"  {_wrk_command(create_url, create_lua)}")
    return resolve, create


def _report(title: str, resolve: WrkResult, create: WrkResult, pid: int | None) -> None:
    setup = f"wrk 1 thread x {CONNECTIONS} connections x {DURATION}s"
    rss = f", RSS {rss_mib(pid):.0f} MiB" if pid is not None else ""
    print(f"\n{title}hop-links on PostgreSQL, 1 uvicorn process, {SEED_LINKS:,} seeded links, "
          f"{setup}{rss}, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| endpoint                       |     req/s |  p50 ms  |  p99 ms  | errors |")
    print("|--------------------------------|-----------|----------|----------|--------|")
    print(_row("GET /internal/v1/links/{code}", resolve))
    print(_row("POST /api/v1/links (Bearer)", create))
    print(f"reproduce: {shlex.join(['make', 'bench-links'])}  (uv run python bench/links.py)")


if __name__ == "__main__":
    main()
