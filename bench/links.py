"""links: resolve and create throughput, and 1,000-item batch latency, on PostgreSQL.

Starts ``hop-links serve`` as a real process (`make run`'s settings, bench/_stack.py) on a
throwaway PostgreSQL database, seeds links through the batch API, then drives the internal
resolve and single creates with wrk on loopback (one thread, 64 connections, like the other
benchmarks and their reference numbers), and times ``BENCH_BATCHES`` sequential 1,000-item
``POST /api/v1/links:batch`` calls.

    make bench-links            # or: uv run python bench/links.py
    BENCH_DURATION=20 BENCH_BATCHES=50 BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test ...
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import time
from pathlib import Path

from _harness import LoadResult, machine, percentile, rss_mib, run_wrk, stop_on_sigterm, table
from _stack import BATCH, HopStack, bench_stack, running

from hop_instrumentation.testing import temporary_database

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SEED_LINKS = int(os.environ.get("BENCH_SEED_LINKS", "10000"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "20"))
LINKS_SETTINGS = {"HOP_DATABASE_POOL_SIZE": "20"}

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


def _batch_latencies(hop: HopStack, batches: int) -> list[float]:
    """Create ``batches`` batches of 1,000 links one after another; return each one's ms."""
    latencies = []
    with hop.client("links") as client:
        for batch in range(batches):
            items = [{"url": f"https://example.com/batch/{batch}/{i}"} for i in range(BATCH)]
            started = time.perf_counter()
            response = client.post("/api/v1/links:batch", json={"items": items})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return sorted(latencies)


def _wrk_command(url: str, script: Path) -> str:
    return f"wrk -t1 -c{CONNECTIONS} -d{DURATION}s --latency -s {script.name} {url}"


def _row(name: str, result: LoadResult) -> list[object]:
    errors = result.non_2xx_3xx + result.errors
    return [name, result.requests_per_second, result.p50_ms, result.p99_ms, errors]


def main() -> None:
    stop_on_sigterm()
    with (
        tempfile.TemporaryDirectory(prefix="hop-bench-") as directory,
        temporary_database(ADMIN_DSN, prefix="hop_links_bench") as database_url,
    ):
        stack = bench_stack(
            Path(directory) / "hop",
            database_urls={"links": database_url},
            settings={"links": LINKS_SETTINGS},
        )
        with running(stack, services=("links",)) as hop:
            codes = hop.seed(count=SEED_LINKS)
            _measure(hop, codes, Path(directory))


def _measure(hop: HopStack, codes: list[str], directory: Path) -> None:
    resolve_lua = directory / "resolve.lua"
    resolve_lua.write_text(RESOLVE_LUA % ",".join(json.dumps(c) for c in codes))
    create_lua = directory / "create.lua"
    create_lua.write_text(CREATE_LUA % hop.key)
    resolve_url = f"{hop.internal_url('links')}/internal/v1/links/"
    create_url = f"{hop.url('links')}/api/v1/links"
    run_wrk(resolve_url, duration=2, connections=CONNECTIONS, script=str(resolve_lua))
    resolve = run_wrk(resolve_url, duration=DURATION, connections=CONNECTIONS,
                      script=str(resolve_lua))  # fmt: skip
    create = run_wrk(create_url, duration=DURATION, connections=CONNECTIONS,
                     script=str(create_lua))  # fmt: skip
    batches = _batch_latencies(hop, BATCHES)
    setup = f"wrk 1 thread x {CONNECTIONS} connections x {DURATION}s"
    print(f"# hop-links on PostgreSQL, 1 uvicorn process, {len(codes):,} seeded links, {setup}, "
          f"RSS {rss_mib(hop.pid('links')):.0f} MiB, {machine()}\n")  # fmt: skip
    rows = [_row("GET /internal/v1/links/{code}", resolve),
            _row("POST /api/v1/links (Bearer)", create)]  # fmt: skip
    print(table(["endpoint", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    p50, p99 = percentile(batches, 0.5), percentile(batches, 0.99)
    print(f"\n`POST /api/v1/links:batch` with {BATCH:,} items, {len(batches)} batches in turn: "
          f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {batches[-1]:.0f} ms "
          "(target < 150 ms)")  # fmt: skip
    print("\ncommands (Lua scripts written by bench/links.py):")
    print(f"  {_wrk_command(resolve_url, resolve_lua)}")
    print(f"  {_wrk_command(create_url, create_lua)}")
    print(f"reproduce: {shlex.join(['make', 'bench-links'])}  (uv run python bench/links.py)")


if __name__ == "__main__":
    main()
