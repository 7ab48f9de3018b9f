"""Benchmark: the cache-miss path (every request a distinct code) on PostgreSQL, against Express.

    make bench-redirect-miss        # or: uv run python bench/redirect_miss.py [--round 10]

One hop-links process on a throwaway PostgreSQL database and one hop-redirect process in
production settings (`make run`'s stack, bench/_stack.py; clicks go to the contract's sink,
bench-redirect measures their delivery), side by side with a minimal Express 5 +
node-postgres resolver (bench/express/resolver.js) reading the same ``links`` table with
one prepared statement. wrk (1 thread, 64 connections) requests ``/m<n>`` with n counting
up, so no code is asked twice and redirect's cache never answers; each run gets its own
range of codes. Rounds alternate between the two servers; the median round is reported.

CPU per request is counted for each process a miss crosses (``/proc``): the front
process (Express, or redirect), links, and PostgreSQL's backends of the bench database.
On a loaded machine their sum, not the rate, says what a quiet one would serve:
cores / (CPU per miss of all of them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    CONNECTIONS,
    EXPRESS,
    LoadResult,
    counting_script,
    cpu_meter,
    cpu_seconds,
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


@dataclass(slots=True)
class Round:
    """One wrk round against one server and the CPU each process spent per request."""

    load: LoadResult
    front_us: float
    links_us: float | None
    postgres_us: float


Results = list[list[Round]]


def measure(
    tmp: Path, hop: HopStack, express: tuple[str, int], args: argparse.Namespace
) -> Results:
    servers = [express, (hop.url("redirect"), hop.pid("redirect"))]
    database_url = hop.stack.database_urls["links"]
    ranges = iter(range(0, 2 * (args.rounds + 1) * RANGE, RANGE))

    def drive(url: str, seconds: float) -> LoadResult:
        script = counting_script(tmp, prefix="m", start=next(ranges), name="miss")
        return run_wrk(url + "/", duration=seconds, script=script)

    for url, _ in servers:
        drive(url, 2)  # pools, JIT and PostgreSQL's buffers warm
    results: Results = [[], []]
    for _ in range(args.rounds):
        for index, (url, pid) in enumerate(servers):
            backends = postgres_cpu(database_url)
            with cpu_meter(pid) as front, cpu_meter(hop.pid("links")) as links:
                result = drive(url, args.round)
            per_request = 1e6 / max(result.requests, 1)
            results[index].append(
                Round(
                    result,
                    front[0] * per_request,
                    links[0] * per_request if index else None,
                    spent_since(backends, postgres_cpu(database_url)) * per_request,
                )
            )
    return results


def postgres_cpu(database_url: str) -> dict[int, float]:
    """Return the CPU seconds so far of each PostgreSQL backend serving ``database_url``."""

    async def backends() -> list[int]:
        import asyncpg

        connection = await asyncpg.connect(database_url)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await connection.close()
        return [row["pid"] for row in rows]

    return {pid: cpu_seconds(pid) for pid in asyncio.run(backends())}


def spent_since(before: dict[int, float], after: dict[int, float]) -> float:
    """Return the CPU seconds the backends spent between two `postgres_cpu` readings."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def report(results: Results, args: argparse.Namespace) -> None:
    ratios = [
        h.load.requests_per_second / e.load.requests_per_second
        for e, h in zip(*results, strict=True)
    ]
    middle = median_round(ratios)
    print(f"# Cache miss on PostgreSQL ({machine()}; wrk 1 thread x {CONNECTIONS} connections, "
          f"{args.rounds} alternating rounds of {args.round:g} s, median round)\n")  # fmt: skip
    rows = []
    for name, runs in zip(("Express 5 + pg", "hop redirect -> hop links"), results, strict=True):
        row = runs[middle]
        load = row.load
        total = row.front_us + (row.links_us or 0.0) + row.postgres_us
        rows.append([name, load.requests_per_second, load.p50_ms, load.p99_ms, row.front_us,
                     "-" if row.links_us is None else row.links_us, row.postgres_us, total,
                     load.non_2xx_3xx + load.errors])  # fmt: skip
    headers = ["server", "req/s", "p50 ms", "p99 ms", "CPU µs/req: front", "links", "PostgreSQL",
               "all", "errors"]  # fmt: skip
    print(table(headers, rows))
    cores = os.cpu_count() or 1
    print(f"\nat the CPU per request above, {cores} quiet cores would serve: "
          + ", ".join(f"{name} {cores / (row[7] / 1e6):,.0f} req/s" for name, row in
                      zip(("Express", "hop"), rows, strict=True)))  # fmt: skip
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
