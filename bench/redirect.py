"""Benchmark: hop's redirect as users run it, against Express 5, with every click counted.

    make bench-redirect            # or: uv run python bench/redirect.py [--duration 60 --outage 30]

The stack is `make run`'s (bench/_stack.py): hop-links and hop-analytics serving on SQLite,
clicks over HTTP, with redirect in production settings (JSON logs, 1% access log, 1% traces,
metrics on), its cache warmed over 1,000 codes. Beside it, a minimal Express 5 redirect
server (bench/express/server.js, in-memory map). Phases:

1. side by side: alternating closed-loop wrk rounds (1 thread, 64 connections) against both,
   CPU per request of each from /proc; then open-loop (h2load --rps) at 80% of each one's
   maximum, p50/p99 of both at the same share of their maximum;
2. sustained: ``--duration`` seconds of wrk at redirect's maximum rate;
3. outage: the same with analytics stopped for ``--outage`` seconds in the middle;
4. multi-core: redirect with HOP_WORKERS=1 (uvicorn) and 2 (gunicorn), the scaling factor.

After each phase it waits until redirect has nothing left to deliver, then sums the stats
API's totals of every code and compares them with the redirects redirect answered (its own
``http_server_request_duration_seconds_count``). Exit status 1 if any click is lost (or
counted twice).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    CONNECTIONS,
    EXPRESS,
    OPEN_LOOP_CONNECTIONS,
    LoadResult,
    cpu_meter,
    cycling_script,
    ensure_express,
    machine,
    median_round,
    process,
    run_h2load,
    run_wrk,
    scrape,
    stop_on_sigterm,
    table,
    urls_file,
)
from _stack import HopStack, bench_stack, running, wait_for

from hop_instrumentation.testing import free_port

CODES = [f"c{i:05d}" for i in range(1000)]
OPEN_LOOP_SHARE = 0.8
#: redirect's gauges of clicks not yet delivered (``hop_redirect_clicks_...``).
PENDING = ("buffered", "spool_events")
#: Seconds waited for delivery when redirect's /metrics shows no click gauges.
UNWATCHED_DRAIN = 30.0
_SERVED = "http_server_request_duration_seconds_count{"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=float, default=10, help="seconds of each wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the sustained run")
    parser.add_argument("--outage", type=float, default=30, help="seconds analytics is down")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["sustained", "outage", "multicore"]
    )
    args = parser.parse_args()
    stop_on_sigterm()
    ensure_express()
    with tempfile.TemporaryDirectory(prefix="hop-bench-") as tmp:
        lost = run(Path(tmp), args)
    if lost:
        raise SystemExit(f"FAILED: {lost} clicks were lost or counted twice (see above).")


def run(tmp: Path, args: argparse.Namespace) -> int:
    print(f"# bench/redirect.py ({machine()}, wrk 1 thread x {CONNECTIONS} connections)\n")
    with running(bench_stack(tmp / "hop")) as hop, express_server(tmp) as express:
        hop.seed(CODES)
        ledger = Ledger(hop)
        warm(hop.url("redirect"))
        warm(express[0])
        lost = side_by_side(tmp, hop, express, ledger, args)
        if "sustained" not in args.skip:
            lost = sustained(tmp, hop, ledger, args.duration, outage=0)
        if "outage" not in args.skip:
            lost = sustained(tmp, hop, ledger, args.duration, outage=args.outage)
        if "multicore" not in args.skip:
            lost = multicore(tmp, hop, ledger, args.round)
        print(f"\nlogs and data: {hop.logs} (removed on exit); {machine()}")
        return lost  # the last phase's ledger covers every redirect of the run


@dataclass(slots=True)
class Server:
    name: str
    url: str
    pid: int


def side_by_side(
    tmp: Path, hop: HopStack, express: tuple[str, int], ledger: Ledger, args: argparse.Namespace
) -> int:
    servers = [
        Server("Express 5", *express),
        Server("hop redirect", hop.url("redirect"), hop.pid("redirect")),
    ]
    script = cycling_script(tmp, [f"/{code}" for code in CODES])
    for server in servers:
        run_wrk(server.url + "/", duration=2, script=script)  # JIT, pools and caches warm
    rounds: list[list[tuple[LoadResult, float]]] = [[], []]
    for _ in range(args.rounds):  # alternate, so a change of load hits both alike
        for index, server in enumerate(servers):
            with cpu_meter(server.pid) as cpu:
                result = run_wrk(server.url + "/", duration=args.round, script=script)
            rounds[index].append((result, cpu[0] / max(result.requests, 1) * 1e6))
    ratios = [
        h.requests_per_second / e.requests_per_second
        for (e, _), (h, _) in zip(*rounds, strict=True)
    ]
    middle = median_round(ratios)
    maxima = [rounds[index][middle][0].requests_per_second for index in range(2)]
    offers = [  # (server, offered req/s): each at 80% of its maximum, then hop at Express's rate
        (servers[0], OPEN_LOOP_SHARE * maxima[0]),
        (servers[1], OPEN_LOOP_SHARE * maxima[1]),
        (servers[1], OPEN_LOOP_SHARE * maxima[0]),
    ]
    paths = [f"/{code}" for code in CODES]
    open_loop = [
        run_h2load(urls_file(tmp, s.url, paths, f"open-{i}"), rate=rate, duration=args.round)
        for i, (s, rate) in enumerate(offers)
    ]
    clicks = ledger.settle("side by side")
    print(f"## Side by side: {args.rounds} alternating rounds of {args.round:g} s, median round\n")
    headers = ["server", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "errors"]
    rows = []
    for index, server in enumerate(servers):
        closed, cpu = rounds[index][middle]
        errors = closed.errors + closed.non_2xx_3xx
        rows.append([server.name, closed.requests_per_second, closed.p50_ms, closed.p99_ms, cpu,
                     errors])  # fmt: skip
    print(table(headers, rows))
    print(
        f"\nOpen loop (h2load --h1 --rps, {OPEN_LOOP_CONNECTIONS} connections, {args.round:g} s):\n"
    )
    headers = ["server", "offered req/s", "achieved req/s", "p50 ms", "p99 ms", "errors"]
    rows = [[server.name, rate, result.requests_per_second, result.p50_ms, result.p99_ms,
             result.errors + result.non_2xx_3xx]
            for (server, rate), result in zip(offers, open_loop, strict=True)]  # fmt: skip
    print(table(headers, rows))
    cpu_ratio = rounds[1][middle][1] / rounds[0][middle][1]
    own = open_loop[1].p99_ms / open_loop[0].p99_ms
    same = open_loop[2].p99_ms / open_loop[0].p99_ms
    print(f"\nratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"**redirect: {ratios[middle]:.2f}x Express** (median round); CPU per request "
          f"{cpu_ratio:.2f}x Express's; open-loop p99 {own:.2f}x Express's, each at "
          f"{OPEN_LOOP_SHARE:.0%} of its maximum, {same:.2f}x at the same offered rate "
          "(target: at most 2x)")  # fmt: skip
    print(clicks.report())
    cache = scrape(hop.metrics_url("redirect"), "hop_redirect_cache_")
    print("\nredirect's cache (warming and side by side): " + ", ".join(
        f"{name.removeprefix('hop_redirect_cache_')} {value:g}"
        for name, value in cache.items() if "_created" not in name))  # fmt: skip
    return clicks.lost


def sustained(tmp: Path, hop: HopStack, ledger: Ledger, duration: float, *, outage: float) -> int:
    script = cycling_script(tmp, [f"/{code}" for code in CODES])
    with outage_of_analytics(hop, duration, outage) as outages:
        result = run_wrk(hop.url("redirect") + "/", duration=duration, script=script)
    name = f"analytics down {outage:g} s in the middle" if outage else "analytics up"
    clicks = ledger.settle(f"{duration:g} s at max rate, {name}")
    print(f"\n## {duration:g} s at redirect's maximum rate, {name}\n")
    headers = ["req/s", "p50 ms", "p99 ms", "errors", "analytics down s", "drain s"]
    row = [result.requests_per_second, result.p50_ms, result.p99_ms,
           result.errors + result.non_2xx_3xx, sum(outages), clicks.drain_seconds]  # fmt: skip
    print(table(headers, [row]))
    print(clicks.report())
    return clicks.lost


@contextlib.contextmanager
def outage_of_analytics(hop: HopStack, duration: float, outage: float) -> Iterator[list[float]]:
    """Stop analytics ``outage`` seconds in the middle of the block; yield how long it was down."""
    down: list[float] = []
    if not outage:
        yield down
        return

    def stop_then_restart() -> None:
        time.sleep((duration - outage) / 2)
        stopped = time.monotonic()
        hop.stop("analytics")
        time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
        hop.start("analytics")
        down.append(time.monotonic() - stopped)

    thread = threading.Thread(target=stop_then_restart)
    thread.start()
    try:
        yield down
    finally:
        thread.join()


def multicore(tmp: Path, hop: HopStack, ledger: Ledger, seconds: float) -> int:
    script = cycling_script(tmp, [f"/{code}" for code in CODES])
    rows, rates = [], []
    for workers in (1, 2):
        ledger.restart_redirect(HOP_WORKERS=str(workers))
        warm_every_worker(hop, workers, script)
        with cpu_meter(hop.pid("redirect")) as cpu:
            result = run_wrk(hop.url("redirect") + "/", duration=seconds, script=script)
        rates.append(result.requests_per_second)
        mode = "uvicorn, 1 process" if workers == 1 else f"gunicorn, {workers} workers"
        rows.append([mode, result.requests_per_second, result.p50_ms, result.p99_ms,
                     cpu[0] / max(result.requests, 1) * 1e6])  # fmt: skip
    clicks = ledger.settle("multi-core")
    print(f"\n## Multi-core: HOP_WORKERS=1 and 2, {seconds:g} s each\n")
    print(table(["redirect", "req/s", "p50 ms", "p99 ms", "CPU µs/req"], rows))
    print(f"\n**scaling 1 -> 2 workers: {rates[1] / rates[0]:.2f}x** (target 1.6x; "
          f"{os.cpu_count()} cores shared with wrk, analytics and links); CPU per request "
          f"of 2 workers: {rows[1][4] / rows[0][4]:.2f}x one process's (the figure the "
          "machine's other load moves least)")  # fmt: skip
    print(clicks.report())
    return clicks.lost


@dataclass(slots=True)
class Clicks:
    phase: str
    served: int
    counted: int
    pipeline: dict[str, float]
    drain_seconds: float
    #: served - counted after the previous phase.
    missing_before: int

    @property
    def lost(self) -> int:
        """Return how many clicks of the whole run are missing (or counted twice)."""
        return abs(self.served - self.counted)

    def report(self) -> str:
        missing = self.served - self.counted
        verdict = (
            "every click counted"
            if not missing
            else f"**{missing - self.missing_before:,} LOST in this phase, {missing:,} in all**"
        )
        metrics = ", ".join(f"{name} {value:g}" for name, value in sorted(self.pipeline.items()))
        if not self.pipeline:
            metrics = (
                "NONE: its /metrics shows no hop_redirect_clicks_* (so its counts are missing)"
            )
        return (f"\nclicks ({self.phase}): {self.served:,} redirects served in total, "
                f"{self.counted:,} counted by the stats API after a {self.drain_seconds:.1f} s "
                f"drain: {verdict}\nredirect's click metrics: {metrics}")  # fmt: skip


class Ledger:
    """Redirects served (redirect's own count, across its restarts) against clicks counted."""

    def __init__(self, hop: HopStack) -> None:
        self.hop = hop
        self.served_before = 0  # by redirect processes that have stopped
        self.pipeline_before: dict[str, float] = {}
        self.missing = 0  # served - counted at the last settle

    def served(self) -> int:
        samples = scrape(self.hop.metrics_url("redirect"), _SERVED)
        return self.served_before + int(
            sum(value for name, value in samples.items() if 'status_code="3' in name)
        )

    def pipeline(self) -> dict[str, float]:
        samples = scrape(self.hop.metrics_url("redirect"), "hop_redirect_clicks_")
        now = {
            name.removeprefix("hop_redirect_clicks_"): value
            for name, value in samples.items()
            if "_created" not in name
        }
        return {
            name: value + self.pipeline_before.get(name, 0.0) * ("_total" in name)
            for name, value in now.items()
        }

    def pending(self) -> float:
        """Return the clicks redirect still holds: in its buffer and in its spool."""
        pipeline = self.pipeline()
        return sum(pipeline.get(name, 0.0) for name in PENDING)

    def counted(self) -> int:
        def total(code: str) -> int:
            response = client.get(f"/api/v1/stats/{code}")
            response.raise_for_status()
            body = response.json()
            return int(body["total_clicks"]) + int(body["bot_clicks"])

        with self.hop.client("analytics") as client, ThreadPoolExecutor(4) as pool:
            return sum(pool.map(total, CODES))

    def settle(self, phase: str) -> Clicks:
        """Wait until redirect holds no click, then compare the stats API with redirects served."""
        if "buffered" in self.pipeline():
            drain = wait_for(
                lambda: self.pending() == 0, what="redirect's clicks to drain", timeout=900
            )
        else:  # nothing to watch: give delivery a generous while, and say so in the report
            drain = float("nan")
            time.sleep(UNWATCHED_DRAIN)
        # Read after the drain: gunicorn workers copy their HTTP counts to the shared metrics
        # files every second, so a scrape right after the load stops can miss the last second
        # of the worker that did not answer it.
        served = self.served()
        pipeline = self.pipeline()
        counted = self.counted()
        for _ in range(5):  # ingestion acknowledged is committed; a moment for the last batch
            if counted == served:
                break
            time.sleep(1)
            counted = self.counted()
        clicks = Clicks(phase, served, counted, pipeline, drain, self.missing)
        self.missing = served - counted
        return clicks

    def restart_redirect(self, **settings: str) -> None:
        self.served_before = self.served()
        self.pipeline_before = self.pipeline()
        self.hop.stop("redirect")
        self.hop.start("redirect", **settings)


@contextlib.contextmanager
def express_server(tmp: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    links = tmp / "express-links.json"
    links.write_text(
        json.dumps({code: f"https://example.com/page/{code}?ref=hop" for code in CODES})
    )
    env = {"PORT": str(port), "LINKS_FILE": str(links)}
    url = f"http://127.0.0.1:{port}"
    with process(["node", str(EXPRESS / "server.js")], ready_url=url + "/", env=env) as proc:
        yield url, proc.pid


def warm_every_worker(hop: HopStack, workers: int, script: str) -> None:
    """Fill every worker's cache: short wrk runs until each resolved every code once.

    Each worker has its own cache and one connection reaches one worker, so `warm` alone
    would leave the others cold: the measured round would pay their cache misses.
    """
    wanted = workers * len(CODES)
    for _ in range(30):
        run_wrk(hop.url("redirect") + "/", duration=2, script=script)
        misses = scrape(hop.metrics_url("redirect"), "hop_redirect_cache_misses_total")
        if sum(misses.values()) >= wanted:
            return
    print(f"warning: redirect's {workers} workers missed fewer than {wanted} codes in warm-up")


def warm(url: str) -> None:
    import httpx

    with httpx.Client(base_url=url) as client:
        for code in CODES:
            response = client.get(f"/{code}")
            if response.status_code != 302 or not response.headers["location"].endswith(
                code + "?ref=hop"
            ):
                raise RuntimeError(f"{url}/{code} answered {response.status_code}, not 302.")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
