"""links: resolve and create throughput, and 1,000-item batch latency, on PostgreSQL.

Starts ``hop-links serve`` as a real process (`make run`'s settings, bench/_stack.py) on a
throwaway PostgreSQL database, seeds links through the batch API, then drives the internal
resolve and single creates with wrk on loopback (one thread, 64 connections, like the other
benchmarks and their reference numbers), and times ``BENCH_BATCHES`` sequential 1,000-item
``POST /api/v1/links:batch`` calls.

    make bench-links            # or: uv run python bench/links.py
    BENCH_DURATION=20 BENCH_BATCHES=50 BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test ...
    BENCH_BASELINE=<git ref> ...   # also measure links at that commit, in the same run

With ``BENCH_BASELINE`` the commit's ``hop_links``, ``hop_contracts`` and
``hop_instrumentation`` (the whole request path; checked out into a temporary git worktree,
first on links' ``PYTHONPATH``) and the working tree's are measured in ``BENCH_ROUNDS``
alternating rounds (default 2), each on a fresh database, so before and after come from
one run on one machine load. Besides the rates it reports the CPU time the
links process spent per create, which a shared machine's load disturbs far less.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    ROOT,
    LoadResult,
    cpu_meter,
    machine,
    percentile,
    rss_mib,
    run_wrk,
    stop_on_sigterm,
    table,
)
from _stack import BATCH, HopStack, bench_stack, running

from hop_instrumentation.testing import temporary_database

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SEED_LINKS = int(os.environ.get("BENCH_SEED_LINKS", "10000"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "20"))
BASELINE = os.environ.get("BENCH_BASELINE")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
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


@dataclass(slots=True, frozen=True)
class Run:
    """One links process measured: resolve and create under wrk, batch latencies (ms)."""

    resolve: LoadResult
    create: LoadResult
    create_cpu_us: float
    batches: list[float]
    batch_cpu_ms: float
    rss_mib: float


def main() -> None:
    stop_on_sigterm()
    if BASELINE is None:
        _report([("this tree", [_run()])])
        return
    runs: dict[str, list[Run]] = {BASELINE: [], "working tree": []}
    with baseline_sources(BASELINE) as pythonpath:
        for _ in range(ROUNDS):
            runs[BASELINE].append(_run(pythonpath))
            runs["working tree"].append(_run())
    _report(list(runs.items()))


@contextlib.contextmanager
def baseline_sources(ref: str) -> Iterator[str]:
    """Check ``ref`` out into a temporary worktree; yield the PYTHONPATH of its links."""
    with tempfile.TemporaryDirectory(prefix="hop-baseline-") as directory:
        tree = Path(directory) / "baseline"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), ref], check=True,
                       capture_output=True)  # fmt: skip
        try:
            sources = ("links", "contracts", "instrumentation")
            yield ":".join(f"{tree}/services/{name}/src" for name in sources)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


def _run(pythonpath: str | None = None) -> Run:
    settings = {**LINKS_SETTINGS, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    with (
        tempfile.TemporaryDirectory(prefix="hop-bench-") as directory,
        temporary_database(ADMIN_DSN, prefix="hop_links_bench") as database_url,
    ):
        stack = bench_stack(
            Path(directory) / "hop",
            database_urls={"links": database_url},
            settings={"links": settings},
        )
        with running(stack, services=("links",)) as hop:
            codes = hop.seed(count=SEED_LINKS)
            return _measure(hop, codes, Path(directory))


def _measure(hop: HopStack, codes: list[str], directory: Path) -> Run:
    resolve_lua = directory / "resolve.lua"
    resolve_lua.write_text(RESOLVE_LUA % ",".join(json.dumps(c) for c in codes))
    create_lua = directory / "create.lua"
    create_lua.write_text(CREATE_LUA % hop.key)
    resolve_url = f"{hop.internal_url('links')}/internal/v1/links/"
    create_url = f"{hop.url('links')}/api/v1/links"
    run_wrk(resolve_url, duration=2, connections=CONNECTIONS, script=str(resolve_lua))
    resolve = run_wrk(resolve_url, duration=DURATION, connections=CONNECTIONS,
                      script=str(resolve_lua))  # fmt: skip
    with cpu_meter(hop.pid("links")) as spent:
        create = run_wrk(create_url, duration=DURATION, connections=CONNECTIONS,
                         script=str(create_lua))  # fmt: skip
    with cpu_meter(hop.pid("links")) as batch_spent:
        batches = _batch_latencies(hop, BATCHES)
    print("commands (Lua scripts written by bench/links.py):")
    print(f"  {_wrk_command(resolve_url, resolve_lua)}")
    print(f"  {_wrk_command(create_url, create_lua)}")
    cpu_us = spent[0] * 1e6 / max(create.requests, 1)
    batch_cpu_ms = batch_spent[0] * 1e3 / max(len(batches), 1)
    return Run(resolve, create, cpu_us, batches, batch_cpu_ms, rss_mib(hop.pid("links")))


def _report(runs: list[tuple[str, list[Run]]]) -> None:
    setup = f"wrk 1 thread x {CONNECTIONS} connections x {DURATION}s"
    print(f"\n# hop-links on PostgreSQL, 1 uvicorn process, {SEED_LINKS:,} seeded links, {setup}, "
          f"{BATCHES} batches of {BATCH:,} in turn, {machine()}\n")  # fmt: skip
    headers = ["code", "round", "resolve req/s", "create req/s", "create p99 ms",
               "create CPU µs/req", "batch p50 ms", "batch p99 ms", "batch CPU ms", "errors",
               "RSS MiB"]  # fmt: skip
    rows = []
    for name, measured in runs:
        for number, run in enumerate(measured, 1):
            errors = sum(r.non_2xx_3xx + r.errors for r in (run.resolve, run.create))
            rows.append([name, number, run.resolve.requests_per_second,
                         run.create.requests_per_second, run.create.p99_ms, run.create_cpu_us,
                         percentile(run.batches, 0.5), percentile(run.batches, 0.99),
                         run.batch_cpu_ms, errors,
                         run.rss_mib])  # fmt: skip
    print(table(headers, rows))
    if len(runs) == 2:
        (_, before), (_, after) = runs
        for what, pick in [
            ("create req/s", lambda r: r.create.requests_per_second),
            ("resolve req/s", lambda r: r.resolve.requests_per_second),
            ("create CPU per request", lambda r: 1 / r.create_cpu_us),
            ("batch p50 speed", lambda r: 1 / percentile(r.batches, 0.5)),
            ("batch CPU per batch", lambda r: 1 / r.batch_cpu_ms),
        ]:
            ratios = ", ".join(
                f"{pick(a) / pick(b):.2f}x" for b, a in zip(before, after, strict=True)
            )
            print(f"after/before per round, {what}: {ratios}")  # > 1: after is better
    print("\ntargets: create >= 1,500 req/s, a 1,000-item batch < 150 ms")
    print(f"reproduce: {shlex.join(['make', 'bench-links'])}  (uv run python bench/links.py)")


if __name__ == "__main__":
    main()
