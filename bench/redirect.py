"""Benchmark: hop's redirect (fully instrumented, clicks on) against Express 5, side by side.

    make bench-redirect                      # or: uv run python bench/redirect.py --duration 10

Installs Debian's wrk and Express 5 (npm, into bench/express/) when missing. Starts a
clicks receiver (a real analytics process when ``hop_analytics`` can serve, else the
contract's sink), a links (the fake from ``hop_contracts.testing``), hop-redirect in one
process (http click transport, 1% trace sampling, metrics on, cache warmed) and the
Express server; runs wrk (1 thread, 64 connections) against both over the same codes
and prints ``redirect: X.XXx Express``. Then measures the cache-miss path (cache of one
entry) against the fake links and against hop-links on a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from _harness import ROOT, WrkResult, process, rss_mib, run_wrk

from hop_instrumentation.testing import free_port, free_ports

EXPRESS = ROOT / "bench" / "express"
CODES = 1000
ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    args = parser.parse_args()
    ensure_express()
    with tempfile.TemporaryDirectory(prefix="hop-bench-") as tmp:
        run(Path(tmp), args.duration)


def ensure_express() -> None:
    if (EXPRESS / "node_modules" / "express" / "package.json").exists():
        return
    if shutil.which("npm") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "npm"], check=True, capture_output=True)
    print("installing Express 5 from npm ...", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "express@5"],
        cwd=EXPRESS,
        check=True,
        capture_output=True,
    )


def run(tmp: Path, duration: int) -> None:
    codes = {f"c{i:05d}": f"https://example.com/page/{i}?ref=hop" for i in range(CODES)}
    (tmp / "links.json").write_text(json.dumps(codes))
    bodies = [_resolve_body(code, url) for code, url in codes.items()]
    (tmp / "bodies.json").write_text(json.dumps(bodies))
    script = _wrk_script(tmp, list(codes))
    with contextlib.ExitStack() as stack:
        links_url = stack.enter_context(fake_links(tmp))
        analytics_url, sink_kind = stack.enter_context(click_receiver(tmp))
        express_url, express = stack.enter_context(express_server(tmp))
        hop_url, hop, metrics_url = stack.enter_context(
            hop_redirect(tmp, links_url, analytics_url, cache_size=100_000)
        )
        warm(hop_url, codes)
        warm(express_url, codes)
        run_wrk(express_url + "/", duration=2, script=script)  # JIT and pools warm
        run_wrk(hop_url + "/", duration=2, script=script)
        # Alternate short rounds so a change of load on the machine hits both servers alike.
        rounds = [
            (
                run_wrk(express_url + "/", duration=duration, script=script),
                run_wrk(hop_url + "/", duration=duration, script=script),
            )
            for _ in range(ROUNDS)
        ]
        ratios = sorted(h.requests_per_second / e.requests_per_second for e, h in rounds)
        express_result, hop_result = sorted(
            rounds, key=lambda r: r[1].requests_per_second / r[0].requests_per_second
        )[ROUNDS // 2]
        rss = {"express": rss_mib(express.pid), "hop": rss_mib(hop.pid)}
        clicks = click_counts(metrics_url)
        print(
            f"wrk: 1 thread, 64 connections, {ROUNDS} rounds of {duration}s each, "
            f"{CODES} codes; clicks -> {sink_kind}"
        )
        report("express 5", express_result, rss["express"])
        report("hop redirect (hit)", hop_result, rss["hop"])
        print(f"hop clicks: {clicks}")
        print("ratio per round: " + ", ".join(f"{r:.2f}" for r in ratios) + " (median below)")
        print(f"redirect: {ratios[ROUNDS // 2]:.2f}x Express")
        miss = miss_path(tmp, links_url, analytics_url, script, duration)
        report("hop redirect (miss, fake links)", miss, float("nan"))
        miss = miss_path_postgres(tmp, codes, analytics_url, script, duration)
        report("hop redirect (miss, links+PostgreSQL)", miss, float("nan"))


def report(name: str, result: WrkResult, rss: float) -> None:
    print(
        f"{name:34s} {result.requests_per_second:10.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms  RSS {rss:6.1f} MiB  "
        f"non-3xx {result.non_2xx_3xx}  socket errors {result.errors}"
    )


def miss_path(
    tmp: Path, links_url: str, analytics_url: str, script: str, duration: int
) -> WrkResult:
    with hop_redirect(tmp, links_url, analytics_url, cache_size=1) as (url, _, _):
        return run_wrk(url + "/", duration=duration, script=script)


def miss_path_postgres(
    tmp: Path, codes: dict[str, str], analytics_url: str, script: str, duration: int
) -> WrkResult:
    """Every request resolves from a real hop-links on PostgreSQL (cache of one entry)."""
    from links import links_on_postgres

    with links_on_postgres() as (links_url, key, _, internal_url):
        items = [{"url": url, "code": code} for code, url in codes.items()]
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=links_url, headers=headers, timeout=60) as client:
            client.post("/api/v1/links:batch", json={"items": items}).raise_for_status()
        with hop_redirect(tmp, internal_url, analytics_url, cache_size=1) as (url, _, _):
            warm(url, dict(list(codes.items())[:10]))
            return run_wrk(url + "/", duration=duration, script=script)


@contextlib.contextmanager
def fake_links(tmp: Path) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "hop_contracts.testing", "links", "--port", str(port)]
    argv += ["--links", str(tmp / "bodies.json")]
    url = f"http://127.0.0.1:{port}"
    with process(argv, ready_url=f"{url}/internal/v1/links/c00000"):
        yield url


@contextlib.contextmanager
def click_receiver(tmp: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    argv = [sys.executable, "-m", "hop_contracts.testing", "sink", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with process(argv, ready_url=f"{url}/events"):
        yield url, "sink (hop_contracts.testing)"


@contextlib.contextmanager
def express_server(tmp: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {"PORT": str(port), "LINKS_FILE": str(tmp / "links.json")}
    url = f"http://127.0.0.1:{port}"
    with process(["node", str(EXPRESS / "server.js")], ready_url=url + "/", env=env) as proc:
        yield url, proc


@contextlib.contextmanager
def hop_redirect(
    tmp: Path, links_url: str, analytics_url: str, *, cache_size: int
) -> Iterator[tuple[str, subprocess.Popen[bytes], str]]:
    port, management = free_ports(2)
    env = {
        "HOP_HTTP_PORT": str(port),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_HOST": "127.0.0.1",
        "HOP_LINKS_URL": links_url,
        "HOP_ANALYTICS_URL": analytics_url,
        "HOP_CLICK_TRANSPORT": "http",
        "HOP_TRACE_SAMPLE_RATIO": "0.01",
        "HOP_ACCESS_LOG_SAMPLE_RATIO": "0.01",
        "HOP_CACHE_SIZE": str(cache_size),
        "HOP_WORKERS": "1",
        "HOP_LOG_FORMAT": "json",
    }
    argv = [sys.executable, "-m", "hop_redirect", "serve"]
    log = tmp / f"hop-{port}.log"
    with process(argv, ready_url=f"http://127.0.0.1:{management}/readyz", env=env, log=log) as proc:
        yield f"http://127.0.0.1:{port}", proc, f"http://127.0.0.1:{management}/metrics"


def warm(url: str, codes: dict[str, str]) -> None:
    with httpx.Client(base_url=url) as client:
        for code, target in codes.items():
            response = client.get(f"/{code}")
            if response.status_code != 302 or response.headers["location"] != target:
                raise RuntimeError(f"{url}/{code} answered {response.status_code}, not 302.")


def click_counts(metrics_url: str) -> dict[str, float]:
    time.sleep(1.5)  # one flush interval: what is buffered now is being sent
    text = httpx.get(metrics_url).text
    counts = {}
    for name in ("sent_total", "buffered", 'dropped_total{reason="buffer_full"}'):
        match = re.search(rf"^hop_redirect_clicks_{re.escape(name)} ([\d.e+]+)$", text, re.M)
        counts[name] = float(match.group(1)) if match else float("nan")
    return counts


def _resolve_body(code: str, url: str) -> dict[str, object]:
    return {"id": f"bench-{code}", "code": code, "url": url, "redirect_status": 302,
            "forward_query": False, "expires_at": None, "disabled": False}  # fmt: skip


def _wrk_script(tmp: Path, codes: list[str]) -> str:
    paths = ", ".join(f'"/{code}"' for code in codes)
    path = tmp / "codes.lua"
    path.write_text(
        f"local paths = {{{paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    return str(path)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
