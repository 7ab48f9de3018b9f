"""Benchmark: the cache-miss path (every request a distinct code) on PostgreSQL, against Express.

    make bench-redirect-miss        # or: uv run python bench/redirect_miss.py [--round 10]

One hop-links process on a throwaway PostgreSQL database (its resolves on their own pool,
``HOP_RESOLVE_POOL_SIZE=10``) and one hop-redirect process in production settings
(`make run`'s stack, bench/_stack.py; clicks go to the contract's sink, bench-redirect
measures their delivery), side by side with a minimal Express 5 +
node-postgres resolver (bench/express/resolver.js) reading the same ``links`` table with
one prepared statement. wrk (1 thread, 64 connections) requests ``/m<n>`` with n counting
up, so no code is asked twice and redirect's cache never answers; each run gets its own
range of codes. Rounds alternate between the two servers; the median round is reported.
Then h2load offers each server the target rate open-loop (``--rate``, 3,000 req/s, again
over codes never asked before), so the p99 at that rate is not hidden by wrk's closed loop
at saturation. h2load sends every connection's due requests on one timer, so each tick
is a burst of one request per connection: with 256 connections (bench/redirect.py's, for
5x this rate) the bursts alone gave Express a p50 of 30 ms at 3,000 req/s. 32 connections
keep the bursts small and stay far above rate x latency (3,000/s x 2 ms = 6 in flight).

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
import time
import uuid
from collections.abc import Callable, Iterator
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
    run_h2load,
    run_wrk,
    stop_on_sigterm,
    table,
    urls_file,
)
from _stack import PRODUCTION, HopStack, bench_stack, running

from hop_contracts import CachedLink, encode_cached_link, link_cache_key
from hop_instrumentation.testing import free_port, temporary_database

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
#: Codes per wrk run: enough for 15,000 req/s over a 10 s round.
RANGE = 150_000
#: Codes written to the shared cache per round (a round past them asks links; it warns).
SHARED_CODES = 60_000
#: Their entries outlive a round, not the benchmark.
SHARED_TTL_MS = 120_000
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
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
    parser.add_argument(
        "--rate", type=float, default=3000, help="req/s offered open-loop (0: skip that phase)"
    )
    parser.add_argument(
        "--open-connections", type=int, default=32, help="h2load's connections in that phase"
    )
    parser.add_argument(
        "--no-shared-cache",
        dest="shared_cache",
        action="store_false",
        help="skip the rounds of redirect reading links' entries from Redis (HOP_REDIS_CACHE)",
    )
    args = parser.parse_args()
    stop_on_sigterm()
    ensure_express()
    with (
        tempfile.TemporaryDirectory(prefix="hop-bench-") as tmp,
        temporary_database(ADMIN_DSN, prefix="hop_bench_miss") as database_url,
    ):
        run(Path(tmp), database_url, args)


def run(tmp: Path, database_url: str, args: argparse.Namespace) -> None:
    runs = runs_of(args)
    with clicks_sink() as sink:
        stack = bench_stack(
            tmp / "hop",
            database_urls={"links": database_url},
            settings={
                "redirect": {**PRODUCTION, "HOP_ANALYTICS_URL": sink},
                # The resolve path on its own pool: 10 connections beside the engine's 10 + 10.
                "links": {"HOP_RESOLVE_POOL_SIZE": "10"},
            },
        )
        with running(stack, services=("links", "redirect")) as hop:
            seed(hop, database_url, runs * RANGE)
            with express_resolver(database_url) as express:
                results, open_loop = measure(tmp, hop, express, args)
    report(results, open_loop, args)


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
NAMES = ("Express 5 + pg", "hop redirect -> hop links", "hop redirect, shared Redis cache")


def measure(
    tmp: Path, hop: HopStack, express: tuple[str, int], args: argparse.Namespace
) -> tuple[Results, list[LoadResult]]:
    servers = [express, (hop.url("redirect"), hop.pid("redirect"))]
    database_url = hop.stack.database_urls["links"]
    ranges = iter(range(0, runs_of(args) * RANGE, RANGE))

    def drive(
        url: str, seconds: float, pid: int, *, links: bool = True, start: int | None = None
    ) -> Round:
        first = next(ranges) if start is None else start
        script = counting_script(tmp, prefix="m", start=first, name="miss")
        backends = postgres_cpu(database_url)
        with cpu_meter(pid) as front, cpu_meter(hop.pid("links")) as linked:
            load = run_wrk(url + "/", duration=seconds, script=script)
        per_request = 1e6 / max(load.requests, 1)
        postgres = spent_since(backends, postgres_cpu(database_url)) * per_request
        return Round(load, front[0] * per_request, linked[0] * per_request if links else None,
                     postgres)  # fmt: skip

    for url, pid in servers:
        drive(url, 2, pid)  # pools, JIT and PostgreSQL's buffers warm
    results: Results = [[], []]
    for _ in range(args.rounds):
        for index, (url, pid) in enumerate(servers):
            results[index].append(drive(url, args.round, pid, links=index > 0))
    open_loop = [offer(tmp, url, next(ranges), args) for url, _ in servers] if args.rate else []
    if args.shared_cache:
        results.append(measure_shared_cache(hop, database_url, ranges, drive, args))
    return results, open_loop


def offer(tmp: Path, url: str, first: int, args: argparse.Namespace) -> LoadResult:
    """Offer ``args.rate`` req/s open-loop for a round, each request a code never asked."""
    count = min(RANGE, int(args.rate * args.round * 1.2) + 1)
    paths = [f"/m{n}" for n in range(first + 1, first + count + 1)]
    return run_h2load(urls_file(tmp, url, paths, f"open-{first}"), rate=args.rate,
                      duration=args.round, connections=args.open_connections)  # fmt: skip


def runs_of(args: argparse.Namespace) -> int:
    """Return how many ranges of codes the rounds use (each warm-up and round its own)."""
    per_server = args.rounds + 1 + (1 if args.rate else 0)
    return per_server * (3 if args.shared_cache else 2)


def measure_shared_cache(
    hop: HopStack,
    database_url: str,
    ranges: Iterator[int],
    drive: Callable[..., Round],
    args: argparse.Namespace,
) -> list[Round]:
    """Rounds of redirect with ``HOP_REDIS_CACHE`` on, each over codes links wrote to Redis.

    links writes a link's entry into the shared cache when it is created or changed
    (`hop_links.shared_cache`); the seeded copies were made in SQL, so their entries are
    written here, in the same format (`hop_contracts.link_cache`), just before each round.
    """
    prefix = f"hop-bench:miss:{uuid.uuid4().hex}:"
    hop.stop("redirect")
    hop.start("redirect", HOP_REDIS_CACHE="true", HOP_REDIS_CACHE_PREFIX=prefix)
    rounds = []
    for index in range(args.rounds + 1):
        first = next(ranges)
        asyncio.run(fill_shared_cache(database_url, prefix, first, SHARED_CODES))
        seconds = 2 if index == 0 else args.round
        result = drive(hop.url("redirect"), seconds, hop.pid("redirect"), start=first)
        if result.load.requests > SHARED_CODES:
            print(f"warning: {result.load.requests} requests outran the {SHARED_CODES} "
                  "codes in Redis; the rest went to links", file=sys.stderr)  # fmt: skip
        if index:
            rounds.append(result)
    return rounds


async def fill_shared_cache(database_url: str, prefix: str, start: int, count: int) -> None:
    """Write the shared-cache entries of codes m<start+1>..m<start+count>, as links does."""
    import asyncpg
    from redis.asyncio import Redis

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT uid, code, url, redirect_status, forward_query, expires_at, disabled "
            "FROM links WHERE code = ANY($1::text[])",
            [f"m{n}" for n in range(start + 1, start + count + 1)],
        )
    finally:
        await connection.close()
    redis = Redis.from_url(REDIS_URL)
    now = time.time()
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for row in rows:
                link = CachedLink(id=row["uid"], code=row["code"], url=row["url"],
                                  redirect_status=row["redirect_status"],
                                  forward_query=row["forward_query"], expires_at=None,
                                  disabled=row["disabled"])  # fmt: skip
                entry = encode_cached_link(link, stored_at=now)
                pipe.set(link_cache_key(row["code"], prefix), entry, px=SHARED_TTL_MS)
            await pipe.execute()
    finally:
        await redis.aclose()


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


def report(results: Results, open_loop: list[LoadResult], args: argparse.Namespace) -> None:
    express = [r.load.requests_per_second for r in results[0]]
    ratios = [h.load.requests_per_second / e for e, h in zip(express, results[1], strict=True)]
    middle = median_round(ratios)
    print(f"# Cache miss on PostgreSQL ({machine()}; wrk 1 thread x {CONNECTIONS} connections, "
          f"{args.rounds} alternating rounds of {args.round:g} s, median round)\n")  # fmt: skip
    cores = os.cpu_count() or 1
    rows = []
    for name, runs in zip(NAMES, results, strict=False):
        index = middle if name != NAMES[2] else median_round(
            [r.load.requests_per_second for r in runs]
        )  # fmt: skip
        row = runs[index]
        load = row.load
        total = row.front_us + (row.links_us or 0.0) + row.postgres_us
        rows.append([name, load.requests_per_second, load.p50_ms, load.p99_ms, row.front_us,
                     "-" if row.links_us is None else row.links_us, row.postgres_us, total,
                     cores / total * 1e6, load.non_2xx_3xx + load.errors])  # fmt: skip
    headers = ["server", "req/s", "p50 ms", "p99 ms", "CPU µs/req: front", "links", "PostgreSQL",
               "all", f"req/s {cores} quiet cores would serve", "errors"]  # fmt: skip
    print(table(headers, rows))
    print(f"\nratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"**cache miss: {ratios[middle]:.2f}x Express + pg** (target: 3,000 req/s, p99 < 50 ms)")
    if len(rows) > 2:
        shared = rows[2][1] / express[middle]
        print(f"with the shared Redis cache: {shared:.2f}x the median round's Express "
              "(Redis's own CPU is not counted: it is a shared server)")  # fmt: skip
    if open_loop:
        print(f"\nOpen loop (h2load --h1 --rps, {args.open_connections} connections, "
              f"{args.rate:,.0f} req/s offered, "
              f"{args.round:g} s, every request a new code):\n")  # fmt: skip
        offered = [[name, load.requests_per_second, load.p50_ms, load.p99_ms,
                    load.non_2xx_3xx + load.errors]
                   for name, load in zip(NAMES, open_loop, strict=False)]  # fmt: skip
        print(table(["server", "achieved req/s", "p50 ms", "p99 ms", "errors"], offered))
        hop = open_loop[1]
        verdict = "met" if hop.p99_ms < 50 and hop.requests_per_second >= 0.99 * args.rate else (
            "NOT met")  # fmt: skip
        print(f"\n**cache miss at {args.rate:,.0f} req/s: p99 {hop.p99_ms:.1f} ms** "
              f"(target: 3,000 req/s with p99 < 50 ms: {verdict})")  # fmt: skip


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
