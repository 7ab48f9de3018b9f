"""What the benchmarks share: servers as real processes, wrk runs and RSS."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hop_instrumentation.testing import free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing Debian's wrk ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


@contextlib.contextmanager
def process(
    argv: list[str],
    *,
    ready_url: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until ``ready_url`` answers 200, stop it afterwards.

    Its stdout (the access log) goes to ``log`` or nowhere; stderr is kept for errors.
    """
    out = log.open("wb") if log else subprocess.DEVNULL
    internal = {
        "HOP_INTERNAL_PORT": str(free_port()),  # hop services bind one more port
        # One client at full speed is the point of a benchmark, not abuse to refuse.
        "HOP_RATE_LIMIT_PER_ADDRESS": "0",
        "HOP_RATE_LIMIT_PER_KEY": "0",
    }
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **internal, **(env or {})},
        stdout=out,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_http(ready_url, process=proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass(slots=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    url: str,
    *,
    duration: int = 10,
    connections: int = 64,
    threads: int = 1,
    script: str | None = None,
) -> WrkResult:
    argv = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        argv += ["-s", script]
    out = subprocess.run([*argv, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return WrkResult(
        requests_per_second=rps,
        p50_ms=_latency(out, "50%"),
        p99_ms=_latency(out, "99%"),
        non_2xx_3xx=int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0,
        errors=sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)),
    )


def _latency(out: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", out)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
