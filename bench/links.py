"""links: throughput and latency of the internal resolve and of single creates, on PostgreSQL.

Starts ``hop-links serve`` as a real process on a fresh PostgreSQL database (created and
dropped here), seeds links through the batch API, then drives both endpoints with wrk on
loopback (one thread, 64 connections, like the other benchmarks and their reference numbers).

    make bench-links            # or: uv run python bench/links.py
    BENCH_DURATION=20 BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test ...
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
def links_on_postgres() -> Iterator[tuple[str, str, subprocess.Popen[bytes], str]]:
    """Serve hop-links on a fresh PostgreSQL database.

    Yield its API URL, an API key, the process and its internal URL (the resolve route).
    """
    http_port, management_port, internal_port = free_ports(3)
    with temporary_database(ADMIN_DSN, prefix="hop_links_bench") as database_url:
        env = {
            "HOP_DATABASE_URL": database_url,
            "HOP_HTTP_PORT": str(http_port),
            "HOP_MANAGEMENT_PORT": str(management_port),
            "HOP_INTERNAL_PORT": str(internal_port),
            "HOP_HOST": "127.0.0.1",
            "HOP_PUBLIC_BASE_URL": "https://hop.bench",
            "HOP_DATABASE_POOL_SIZE": "20",
        }
        _cli(env, "migrate")
        _cli(env, "owners", "create", "bench")
        key = _cli(env, "keys", "create", "bench")
        ready = f"http://127.0.0.1:{management_port}/readyz"
        with process([*HOP_LINKS, "serve"], ready_url=ready, env=env) as server:
            yield f"http://127.0.0.1:{http_port}", key, server, f"http://127.0.0.1:{internal_port}"


def main() -> None:
    with links_on_postgres() as (base, key, server, internal):
        codes = _seed(base, key)
        _measure(base, internal, key, codes, server.pid)


def _measure(base: str, internal: str, key: str, codes: list[str], pid: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        resolve_lua = Path(directory) / "resolve.lua"
        resolve_lua.write_text(RESOLVE_LUA % ",".join(json.dumps(c) for c in codes))
        create_lua = Path(directory) / "create.lua"
        create_lua.write_text(CREATE_LUA % key)
        resolve_url = f"{internal}/internal/v1/links/"
        create_url = f"{base}/api/v1/links"
        run_wrk(resolve_url, duration=2, connections=CONNECTIONS, script=str(resolve_lua))
        resolve = run_wrk(resolve_url, duration=DURATION, connections=CONNECTIONS,
                          script=str(resolve_lua))  # fmt: skip
        create = run_wrk(create_url, duration=DURATION, connections=CONNECTIONS,
                         script=str(create_lua))  # fmt: skip
        setup = f"wrk 1 thread x {CONNECTIONS} connections x {DURATION}s"
        print(f"\nhop-links on PostgreSQL, 1 uvicorn process, {len(codes):,} seeded links, "
              f"{setup}, RSS {rss_mib(pid):.0f} MiB, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        print("| endpoint                       |     req/s |  p50 ms  |  p99 ms  | errors |")
        print("|--------------------------------|-----------|----------|----------|--------|")
        print(_row("GET /internal/v1/links/{code}", resolve))
        print(_row("POST /api/v1/links (Bearer)", create))
        print("\ncommands (Lua scripts written by bench/links.py):")
        print(f"  {_wrk_command(resolve_url, resolve_lua)}")
        print(f"  {_wrk_command(create_url, create_lua)}")
        print(f"reproduce: {shlex.join(['make', 'bench-links'])}  (uv run python bench/links.py)")


if __name__ == "__main__":
    main()
