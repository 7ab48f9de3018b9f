"""Benchmark: the cache-miss path (every request a distinct code) on PostgreSQL, against Express.

    make bench-redirect-miss        # or: uv run python bench/redirect_miss.py [--round 10]

One hop-links process on a throwaway PostgreSQL database and one hop-redirect process in
production settings (`make run`'s stack, bench/_stack.py; clicks go to the contract's sink,
bench-redirect measures their delivery), side by side with a minimal Express 5 +
node-postgres resolver (bench/express/resolver.js) reading the same ``links`` table with
one prepared statement. wrk (1 thread, 64 connections) requests ``/m<n>`` with n counting
up, so no code is asked twice and redirect's cache never answers; each run gets its own
range of codes. Rounds alternate between the two servers; the median round is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from _harness import (
    CONNECTIONS,
    EXPRESS,
    LoadResult,
    counting_script,
    cpu_meter,
    ensure_express,
    machine,
    median_round,
    process,
    run_wrk,
    stop_on_sigterm,
    table,
)
from _stack import PRODUCTION, HopStack, bench_stack, running

from hop_instrumentation.testing import free_port, temporary_database

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
#: Codes per wrk run: enough for 15,000 req/s over a 10 s round.
RANGE = 150_000
SEED_SQL = """
INSERT INTO links (uid, code, owner_id, url, redirect_status, forward_query, expires_at,
                   disabled, created_at, updated_at)
SELECT md5(uid || n), 'm' || n, owner_id, url || n, redirect_status, forward_query, expires_at,
       disabled, created_at, updated_at
FROM links, generate_series(1, $1) AS n WHERE code = 'template'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=float, default=10, help="seconds of each wrk round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per server")
    args = parser.parse_args()
    stop_on_sigterm()
    ensure_express()
    with (
        tempfile.TemporaryDirectory(prefix="hop-bench-") as tmp,
        temporary_database(ADMIN_DSN, prefix="hop_bench_miss") as database_url,
    ):
        run(Path(tmp), database_url, args)


def run(tmp: Path, database_url: str, args: argparse.Namespace) -> None:
    runs = 2 * (args.rounds + 1)
    with clicks_sink() as sink:
        stack = bench_stack(
            tmp / "hop",
            database_urls={"links": database_url},
            settings={"redirect": {**PRODUCTION, "HOP_ANALYTICS_URL": sink}},
        )
        with running(stack, services=("links", "redirect")) as hop:
            seed(hop, database_url, runs * RANGE)
            with express_resolver(database_url) as express:
                results = measure(tmp, hop, express, args)
    report(results, args)


def seed(hop: HopStack, database_url: str, count: int) -> None:
    """Create one link through the API, then ``count`` copies of it in SQL (m1, m2, ...)."""
    hop.create_batches([{"url": "https://example.com/miss?n=", "code": "template"}])

    async def copy() -> None:
        import asyncpg

        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(SEED_SQL, count)
            await connection.execute("ANALYZE links")
        finally:
            await connection.close()

    asyncio.run(copy())


Results = list[list[tuple[LoadResult, float]]]


def measure(
    tmp: Path, hop: HopStack, express: tuple[str, int], args: argparse.Namespace
) -> Results:
    servers = [express, (hop.url("redirect"), hop.pid("redirect"))]
    ranges = iter(range(0, 2 * (args.rounds + 1) * RANGE, RANGE))

    def drive(url: str, seconds: float) -> LoadResult:
        script = counting_script(tmp, prefix="m", start=next(ranges), name="miss")
        return run_wrk(url + "/", duration=seconds, script=script)

    for url, _ in servers:
        drive(url, 2)  # pools, JIT and PostgreSQL's buffers warm
    results: Results = [[], []]
    for _ in range(args.rounds):
        for index, (url, pid) in enumerate(servers):
            with cpu_meter(pid) as cpu:
                result = drive(url, args.round)
            results[index].append((result, cpu[0] / max(result.requests, 1) * 1e6))
    return results


def report(results: Results, args: argparse.Namespace) -> None:
    ratios = [
        h.requests_per_second / e.requests_per_second
        for (e, _), (h, _) in zip(*results, strict=True)
    ]
    middle = median_round(ratios)
    print(f"# Cache miss on PostgreSQL ({machine()}; wrk 1 thread x {CONNECTIONS} connections, "
          f"{args.rounds} alternating rounds of {args.round:g} s, median round)\n")  # fmt: skip
    rows = []
    for name, runs in zip(("Express 5 + pg", "hop redirect -> hop links"), results, strict=True):
        result, cpu = runs[middle]
        rows.append([name, result.requests_per_second, result.p50_ms, result.p99_ms, cpu,
                     result.non_2xx_3xx + result.errors])  # fmt: skip
    print(
        table(["server", "req/s", "p50 ms", "p99 ms", "CPU µs/req (front process)", "errors"], rows)
    )
    print(f"\nratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"**cache miss: {ratios[middle]:.2f}x Express + pg** (target: 3,000 req/s, p99 < 50 ms)")


@contextlib.contextmanager
def clicks_sink() -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "hop_contracts.testing", "sink", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with process(argv, ready_url=f"{url}/events"):
        yield url


@contextlib.contextmanager
def express_resolver(database_url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {"PORT": str(port), "DATABASE_URL": database_url, "POOL_SIZE": "20"}
    url = f"http://127.0.0.1:{port}"
    with process(["node", str(EXPRESS / "resolver.js")], ready_url=url + "/", env=env) as proc:
        yield url, proc.pid


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
