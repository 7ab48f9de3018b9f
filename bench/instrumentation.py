"""Benchmark: what observing a plain FastAPI JSON endpoint costs, side by side in one run.

    make bench-instrumentation            # or: uv run python bench/instrumentation.py

Four uvicorn processes (uvloop + httptools, one process each) serve the same endpoint:
no instrumentation, hop_instrumentation fully on (metrics, access log to a file, traces
sampled at 1% and exported over OTLP/HTTP to a local sink), prometheus-fastapi-
instrumentator, and OpenTelemetry's FastAPI instrumentation at its defaults (every span
recorded, then discarded). wrk drives each in turn, ``ROUNDS`` times interleaved, and the
best round of each counts (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _harness import process, rss_mib, run_wrk

from hop_instrumentation.testing import free_port, free_ports

VARIANTS = ("plain", "hop_serving_only", "hop", "prometheus_instrumentator", "otel_contrib")
LABELS = {
    "plain": "FastAPI, no instrumentation",
    "hop_serving_only": "hop's serving, middleware removed (one write/response)",
    "hop": "hop_instrumentation (metrics, access log, 1% traces -> OTLP)",
    "prometheus_instrumentator": "prometheus-fastapi-instrumentator",
    "otel_contrib": "OTel FastAPI instrumentation (defaults)",
}


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def start_otlp_sink() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def command(variant: str, port: int, management: int) -> tuple[list[str], dict[str, str], str]:
    bench_dir = str(Path(__file__).parent)
    if variant.startswith("hop"):
        code = (
            "from hop_instrumentation import ServiceSettings, load_settings, serve; "
            f"serve('instrumentation_apps:{variant}', load_settings(ServiceSettings))"
        )
        env = {
            "HOP_HTTP_PORT": str(port),
            "HOP_MANAGEMENT_PORT": str(management),
            "HOP_HOST": "127.0.0.1",
            "HOP_TRACE_SAMPLE_RATIO": "0.01",
            "PYTHONPATH": bench_dir,
        }
        return [sys.executable, "-c", code], env, f"http://127.0.0.1:{management}/readyz"
    argv = [sys.executable, "-m", "uvicorn", "--factory", f"instrumentation_apps:{variant}",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
            "--loop", "uvloop", "--http", "httptools"]  # fmt: skip
    return argv, {"PYTHONPATH": bench_dir}, f"http://127.0.0.1:{port}/items/1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; best counts")
    args = parser.parse_args()
    sink = start_otlp_sink()
    logs = tempfile.mkdtemp(prefix="hop-bench-")
    best: dict[str, tuple[float, float, float, float]] = {}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            port, management = free_ports(2)
            argv, env, ready = command(variant, port, management)
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink
            with process(argv, ready_url=ready, env=env, log=Path(logs) / f"{variant}.log") as proc:
                run_wrk(f"http://127.0.0.1:{port}/items/1", duration=2)  # warm up
                result = run_wrk(f"http://127.0.0.1:{port}/items/1", duration=args.duration)
                rss = rss_mib(proc.pid)
            if result.non_2xx_3xx:
                raise SystemExit(f"{variant}: {result.non_2xx_3xx} responses were not 2xx")
            if result.errors:  # e.g. wrk's 2 s timeouts when a server falls far behind
                print(f"{variant}: wrk saw {result.errors} socket errors", file=sys.stderr)
            row = (result.requests_per_second, result.p50_ms, result.p99_ms, rss)
            if variant not in best or row[0] > best[variant][0]:
                best[variant] = row
    report(best, args)


def report(best: dict[str, tuple[float, float, float, float]], args: argparse.Namespace) -> None:
    plain = best["plain"][0]
    row = "{:<62} {:>8} {:>9} {:>7} {:>7} {:>8}"
    print("\n" + row.format("server", "req/s", "vs plain", "p50 ms", "p99 ms", "RSS MiB"))
    for variant in VARIANTS:
        rps, p50, p99, rss = best[variant]
        cells = (f"{rps:.0f}", f"{rps / plain:.2f}", f"{p50:.2f}", f"{p99:.2f}", f"{rss:.1f}")
        print(row.format(LABELS[variant], *cells))
    cost = 1 - best["hop"][0] / plain
    middleware = 1 - best["hop"][0] / best["hop_serving_only"][0]
    print(f"\nhop_instrumentation: costs {cost:.1%} of plain FastAPI's throughput (target <= 10%)")
    print(f"its middleware alone (vs hop's serving without it): {middleware:.1%}")
    print(f"(wrk -t1 -c64 -d{args.duration}s, best of {args.rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
