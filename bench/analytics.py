"""analytics benchmarks: click intake (HTTP and Redis stream), and stats latency.

1. HTTP intake: N click events in batches of 1,000, posted by concurrent clients to
   ``POST /internal/v1/clicks`` of the real service (`hop-analytics serve`, http transport),
   on SQLite (what `make run` uses) and on PostgreSQL. clicks/s is the number of events
   committed (the 200 answers) over the wall time. Target: >= 20,000 clicks/s on each.
2. Stream ingestion: N click events are pre-loaded into a fresh Redis stream, then the real
   service (`hop-analytics serve`, redis transport) is started as a process and consumes
   them, on SQLite and on PostgreSQL; clicks/s is measured from the consumer group's
   progress, the lag from the service's /metrics. Target: >= 20,000 clicks/s.

Both intake phases print the analytics process' CPU per click (user + system time from
``/proc/<pid>/stat``, which the machine's other load barely moves). Target: <= 15 µs.
3. Stats: one link with 1,000,000 clicks over 90 days, seeded through the ingestion
   path (raw events and aggregates as ingestion leaves them); then sequential GETs of
   the 90-day stats of the running service (links faked by a local HTTP server).
   Target: p99 < 100 ms.

Usage: python bench/analytics.py [--events 300000] [--http-events 200000] [--clients 4]
       [--stats-clicks 1000000] [--requests 1000] [--only http|ingestion|stats]
       [--databases sqlite,postgresql]
Needs PostgreSQL (HOP_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/test) and
Redis (HOP_BENCH_REDIS, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import redis

from hop_analytics.database import MIGRATIONS
from hop_analytics.events import Click
from hop_analytics.store import ClickStore
from hop_contracts import CLICKS_PATH, ClickEvent
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import free_ports, running_process, temporary_database

PG = os.environ.get("HOP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("HOP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent
AGENTS = (
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{v}.0.0.0 Safari/537.36"
        for v in range(100, 130)
    ]
    + [
        f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        for v in range(10)
    ]
    + [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{v}.0 Mobile Safari/537.36"
        for v in range(110, 125)
    ]
    + ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0"]
)
COUNTRIES = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "ES", "IT", None]


def make_event(rng: random.Random, code: str, when: datetime) -> dict[str, object]:
    host = f"site{int(rng.paretovariate(1.2)) % 300}.example"
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "link_id": f"id-{code}",
        "code": code,
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "referrer": None if rng.random() < 0.3 else f"https://{host}/post/{rng.randrange(99)}",
        "user_agent": rng.choice(AGENTS),
        "is_bot": rng.random() < 0.03,
        "country": rng.choice(COUNTRIES),
    }


@contextlib.contextmanager
def database() -> Iterator[str]:
    with temporary_database(PG, prefix="hop_analytics_bench") as url:
        asyncio.run(_upgrade(url))
        yield url


async def _upgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        await MIGRATIONS.upgrade(engine)
    finally:
        await engine.dispose()


@contextlib.contextmanager
def fake_links() -> Iterator[str]:
    class Owner(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = self.path.rsplit("/", 1)[-1]
            body = json.dumps({"id": f"id-{code}", "code": code}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Owner)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def analytics(env: dict[str, str]) -> Iterator[tuple[str, str, str, int]]:
    """Run `hop-analytics serve`; yield its API, internal and management URLs and its pid."""
    api, internal, management = free_ports(3)
    full = {
        "HOP_HTTP_PORT": str(api),
        "HOP_INTERNAL_PORT": str(internal),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_ACCESS_LOG": "false",
        "HOP_LOG_LEVEL": "warning",
        **env,
    }
    command = [sys.executable, "-m", "hop_analytics", "serve"]
    base = f"http://127.0.0.1:{management}"
    with running_process(command, env=full, cwd=ROOT, ready_url=f"{base}/readyz") as running:
        pid = running.process.pid
        yield f"http://127.0.0.1:{api}", f"http://127.0.0.1:{internal}", base, pid


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds process ``pid`` used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def preload(client: redis.Redis, stream: str, count: int) -> None:
    rng = random.Random(1)
    pipe = client.pipeline(transaction=False)
    now = datetime.now(UTC)
    chosen = zipf_codes(rng, count)
    for index, code in enumerate(chosen):
        pipe.xadd(stream, {"event": json.dumps(make_event(rng, code, now))})
        if index % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def zipf_codes(rng: random.Random, count: int) -> list[str]:
    codes = [f"code{i:04d}" for i in range(1000)]
    weights = [1 / (rank + 1) for rank in range(len(codes))]
    return rng.choices(codes, weights, k=count)


def http_batches(events: int) -> list[bytes]:
    rng = random.Random(3)
    now = datetime.now(UTC)
    chosen = zipf_codes(rng, events)
    return [
        json.dumps(
            {"events": [make_event(rng, code, now) for code in chosen[at : at + 1000]]}
        ).encode()
        for at in range(0, events, 1000)
    ]


async def post_all(api: str, batches: list[bytes], clients: int) -> int:
    queue = list(reversed(batches))
    committed = 0

    async def client() -> None:
        nonlocal committed
        async with httpx.AsyncClient(base_url=api, timeout=60) as http:
            while queue:
                body = queue.pop()
                response = await http.post(
                    CLICKS_PATH,
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                response.raise_for_status()
                committed += response.json()["accepted"]

    await asyncio.gather(*(client() for _ in range(clients)))
    return committed


def cpu_per_click(cpu: float, clicks: int) -> str:
    """Return the analytics CPU per click in µs, and clicks per CPU-second, as printed."""
    if not clicks or cpu <= 0:
        return "CPU per click unknown (nothing committed, or no CPU time counted)"
    per_second = f"{clicks / cpu:,.0f} per CPU-second"
    return f"{cpu / clicks * 1e6:.1f} µs of analytics CPU per click ({per_second})"


def database_url(name: str, stack: contextlib.ExitStack) -> str:
    """Return a fresh, migrated database of ``name`` (sqlite or postgresql), gone with stack."""
    if name == "postgresql":
        return stack.enter_context(database())
    tmp = stack.enter_context(tempfile.TemporaryDirectory())
    url = f"sqlite+aiosqlite:///{tmp}/analytics.db"
    asyncio.run(_upgrade(url))
    return url


def bench_http(events: int, clients: int, databases: list[str]) -> None:
    batches = http_batches(events)
    warmup = http_batches(5000)
    for name in databases:
        with contextlib.ExitStack() as stack:
            url = database_url(name, stack)
            service = analytics({"HOP_DATABASE_URL": url})
            _api, internal, _management, pid = stack.enter_context(service)
            asyncio.run(post_all(internal, warmup, clients))
            started, cpu = time.perf_counter(), cpu_seconds(pid)
            committed = asyncio.run(post_all(internal, batches, clients))
            elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
        # On a shared machine the wall rate drifts with the load; the analytics process'
        # CPU per click (user + system time from /proc) is what the target is about.
        print(
            f"http intake into {name}: {committed} events in {elapsed:.1f} s = "
            f"{committed / elapsed:,.0f} clicks/s wall, {cpu_per_click(cpu, committed)} "
            f"({clients} clients, batches of 1,000; load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )


def consumed(client: redis.Redis, stream: str) -> int:
    for group in client.xinfo_groups(stream):
        if group["name"] == b"analytics":
            read = int(group.get("entries-read") or 0)
            return read - int(group["pending"])
    return 0


def metric(base: str, name: str) -> float:
    text = httpx.get(f"{base}/metrics").text
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(match.group(1)) if match else float("nan")


def bench_ingestion(events: int, batch_size: int, databases: list[str]) -> None:
    client = redis.Redis.from_url(REDIS)
    try:
        for name in databases:
            stream = f"hop:bench:{uuid.uuid4().hex[:8]}"
            try:
                print(f"preloading {events} events into {stream} ...", flush=True)
                preload(client, stream, events)
                with contextlib.ExitStack() as stack:
                    env = {
                        "HOP_DATABASE_URL": database_url(name, stack),
                        "HOP_CLICK_TRANSPORT": "redis",
                        "HOP_REDIS_URL": REDIS,
                        "HOP_CLICK_STREAM": stream,
                        "HOP_BATCH_SIZE": str(batch_size),
                    }
                    consume(client, stream, events, name, stack.enter_context(analytics(env)))
            finally:
                client.delete(stream, f"{stream}:dead")
    finally:
        client.close()


def consume(
    client: redis.Redis, stream: str, events: int, name: str, service: tuple[str, str, str, int]
) -> None:
    """Measure the running service consuming the pre-loaded stream; print what it cost."""
    _api, _internal, management, pid = service
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    samples: list[tuple[float, int]] = []
    done = 0
    while done < events:  # progress from Redis: scraping /metrics would cost analytics CPU
        time.sleep(0.5)
        done = consumed(client, stream)
        samples.append((time.perf_counter() - started, done))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    lag = metric(management, "hop_analytics_ingestion_lag_seconds")
    ingested = metric(management, "hop_analytics_events_ingested_total")
    steady = [s for s in samples if 0.1 * events <= s[1] <= 0.9 * events]
    rate = (
        (steady[-1][1] - steady[0][1]) / (steady[-1][0] - steady[0][0])
        if len(steady) > 1
        else events / elapsed
    )
    # The CPU includes up to one 0.5 s poll interval of idling after the last batch.
    print(
        f"stream ingestion into {name}: {events} events in {elapsed:.1f} s = "
        f"{events / elapsed:,.0f} clicks/s overall, {rate:,.0f} clicks/s sustained (10%..90%), "
        f"{cpu_per_click(cpu, events)}; ingested={ingested:.0f}; "
        f"lag at end {lag:.1f} s (the backlog's age: events were pre-loaded); "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


async def seed(url: str, clicks: int, code: str) -> None:
    engine = create_engine(url)
    store = ClickStore(engine)
    rng = random.Random(2)
    start = datetime.now(UTC) - timedelta(days=89)
    try:
        for offset in range(0, clicks, 5000):
            batch = [
                make_event(rng, code, start + timedelta(seconds=rng.randrange(90 * 86400 - 60)))
                for _ in range(min(5000, clicks - offset))
            ]
            await store.ingest([Click.from_event(ClickEvent.model_validate(e)) for e in batch])
    finally:
        await engine.dispose()


def bench_stats(clicks: int, requests: int) -> None:
    with database() as url:
        began = time.perf_counter()
        asyncio.run(seed(url, clicks, "bench01"))
        print(f"seeded {clicks} clicks over 90 days in {time.perf_counter() - began:.1f} s")
        with (
            fake_links() as links,
            analytics({"HOP_DATABASE_URL": url, "HOP_LINKS_URL": links}) as (api, *_),
        ):
            today = datetime.now(UTC).date()
            params = {"from": str(today - timedelta(days=89)), "to": str(today)}
            headers = {"Authorization": "Bearer bench"}
            with httpx.Client(base_url=api, headers=headers) as http:
                body = http.get("/api/v1/stats/bench01", params=params).json()
                print(f"stats: total_clicks={body['total_clicks']} bot_clicks={body['bot_clicks']}")
                for include_bots in ("false", "true"):
                    timings = []
                    for _ in range(requests):
                        t0 = time.perf_counter()
                        response = http.get(
                            "/api/v1/stats/bench01",
                            params={**params, "include_bots": include_bots},
                        )
                        timings.append((time.perf_counter() - t0) * 1000)
                        response.raise_for_status()
                    timings.sort()
                    p99 = timings[int(len(timings) * 0.99) - 1]
                    print(
                        f"stats include_bots={include_bots}: {requests} sequential requests, "
                        f"p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms, "
                        f"max {timings[-1]:.1f} ms"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--http-events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--stats-clicks", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--only", choices=["http", "ingestion", "stats"])
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    args = parser.parse_args()
    databases = [name for name in args.databases.split(",") if name]
    unknown = sorted(set(databases) - {"sqlite", "postgresql"})
    if unknown:
        parser.error(f"--databases {','.join(unknown)} is unknown; use sqlite and/or postgresql.")
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    if args.only in (None, "http"):
        bench_http(args.http_events, args.clients, databases)
    if args.only in (None, "ingestion"):
        bench_ingestion(args.events, args.batch_size, databases)
    if args.only in (None, "stats"):
        bench_stats(args.stats_clicks, args.requests)


if __name__ == "__main__":
    main()
