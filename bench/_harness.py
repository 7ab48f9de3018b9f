"""What the benchmarks share: tools, server processes, load generators, CPU, metrics, tables.

Tools install themselves when missing (Debian's ``wrk`` and ``h2load``, the npm packages of
``bench/express`` from its lock file), the way the tests install prometheus.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hop_instrumentation.testing import free_port, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
EXPRESS = ROOT / "bench" / "express"
#: wrk's and the reference numbers' shape: one thread, 64 connections.
CONNECTIONS = 64
#: h2load's connections: enough that a stall queues requests instead of pausing the offer.
OPEN_LOOP_CONNECTIONS = 256


def stop_on_sigterm() -> None:
    """Make SIGTERM raise `SystemExit`, so a stopped benchmark still stops its servers."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def ensure_tool(binary: str, package: str) -> str:
    """Return the path of ``binary``, installing Debian's ``package`` first if it is missing."""
    found = shutil.which(binary)
    if found:
        return found
    print(f"installing Debian's {package} ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, capture_output=True)
    return shutil.which(binary) or binary


def ensure_express() -> None:
    """Install bench/express's pinned npm packages (``npm ci``) unless they are there."""
    modules = EXPRESS / "node_modules"
    if all((modules / name / "package.json").exists() for name in ("express", "pg")):
        return
    ensure_tool("npm", "npm")
    print("installing Express 5 and node-postgres (npm ci) ...", file=sys.stderr)
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=EXPRESS, check=True, capture_output=True
    )


def start_process(
    argv: Sequence[str],
    *,
    ready_url: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a server process and wait until ``ready_url`` answers 200.

    Its stdout and stderr (the access log and errors) go to ``log``, or nowhere.
    """
    out = log.open("ab") if log else subprocess.DEVNULL
    internal = {
        "HOP_INTERNAL_PORT": str(free_port()),  # hop services bind one more port
        # One client at full speed is the point of a benchmark, not abuse to refuse.
        "HOP_RATE_LIMIT_PER_ADDRESS": "0",
        "HOP_RATE_LIMIT_PER_KEY": "0",
    }
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env={**os.environ, **internal, **(env or {})}, stdout=out, stderr=out
    )
    try:
        wait_for_http(ready_url, process=proc, log=log, timeout=60)
    except BaseException:
        stop_process(proc)
        raise
    return proc


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Send SIGTERM, SIGKILL after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def process(argv: Sequence[str], **options: object) -> Iterator[subprocess.Popen[bytes]]:
    """Run `start_process` for the block, stop the process afterwards."""
    proc = start_process(argv, **options)  # type: ignore[arg-type]
    try:
        yield proc
    finally:
        stop_process(proc)


@dataclass(slots=True)
class LoadResult:
    """What a load generator saw: rate, latency percentiles, answers and failures."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    #: Answers other than 2xx and 3xx.
    non_2xx_3xx: int
    #: Socket errors and timeouts.
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    url: str, *, duration: float = 10, connections: int = CONNECTIONS, script: str | None = None
) -> LoadResult:
    """Drive ``url`` closed-loop with wrk (one thread): the maximum rate."""
    argv = [
        ensure_tool("wrk", "wrk"),
        "-t1",
        f"-c{connections}",
        f"-d{round(duration)}s",
        "--latency",
    ]
    argv += ["-s", script] if script else []
    out = subprocess.run([*argv, url], check=True, capture_output=True, text=True).stdout
    non_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return LoadResult(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_wrk_latency(out, "50%"),
        p99_ms=_wrk_latency(out, "99%"),
        requests=int(_find(r"(\d+) requests in", out)),
        non_2xx_3xx=int(non_3xx.group(1)) if non_3xx else 0,
        errors=sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)),
    )


def run_h2load(
    urls_file: Path, *, rate: float, duration: float, connections: int = OPEN_LOOP_CONNECTIONS
) -> LoadResult:
    """Offer ``rate`` requests/s open-loop (h2load --h1 --rps) over the URLs in ``urls_file``.

    The rate is spread over ``connections`` HTTP/1.1 connections; a connection still waiting
    for an answer sends its due requests when the answer comes, timed from then (so keep
    ``connections`` well above rate x latency). Percentiles come from h2load's per-request
    log, so no request is left out; ``requests_per_second`` is the rate achieved.
    """
    log = urls_file.with_suffix(".h2load.log")
    log.unlink(missing_ok=True)
    argv = [ensure_tool("h2load", "nghttp2-client"), "--h1", "-t1", f"-c{connections}"]
    argv += [f"--rps={rate / connections:.3f}", f"-D{duration:g}", f"--log-file={log}"]
    argv += ["-i", str(urls_file)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    rows = [line.split("\t") for line in log.read_text().splitlines() if line]
    latencies = sorted(int(row[2]) / 1000 for row in rows)
    failed = sum(1 for row in rows if not 200 <= int(row[1]) < 400)
    errored = int(
        _find(
            r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, \d+ failed, (\d+) errored",
            out,
        )
    )
    return LoadResult(
        requests_per_second=len(rows) / duration,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        requests=len(rows),
        non_2xx_3xx=failed,
        errors=errored,
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """Return the ``share`` percentile of the sorted ``ordered`` (nearest rank)."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"{pattern!r} not found in the load generator's output:\n{text}")
    return match.group(1)


def _wrk_latency(out: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", out)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def cycling_script(directory: Path, paths: Sequence[str], name: str = "paths") -> str:
    """Write a wrk Lua script requesting ``paths`` in turn; return its file name."""
    listed = ", ".join(f'"{path}"' for path in paths)
    script = directory / f"{name}.lua"
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    return str(script)


def urls_file(directory: Path, base_url: str, paths: Sequence[str], name: str) -> Path:
    """Write ``paths`` under ``base_url``, one URL a line (h2load's ``-i``); return the file."""
    target = directory / f"{name}.urls"
    target.write_text("".join(f"{base_url}{path}\n" for path in paths))
    return target


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) of ``pid`` and its direct children so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for candidate in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return found


@contextlib.contextmanager
def cpu_meter(pid: int) -> Iterator[list[float]]:
    """Measure the CPU seconds ``pid`` spends in the block; read them from the list after."""
    spent: list[float] = []
    before = cpu_seconds(pid)
    yield spent
    spent.append(cpu_seconds(pid) - before)


def rss_mib(pid: int) -> float:
    """Return the resident memory of ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scrape(metrics_url: str, prefix: str) -> dict[str, float]:
    """Return every sample of a Prometheus text page whose name starts with ``prefix``."""
    import httpx

    samples = {}
    for line in httpx.get(metrics_url, timeout=10).text.splitlines():
        if line.startswith(prefix):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def median_round(ratios: Sequence[float]) -> int:
    """Return the index of the median of ``ratios`` (the upper one of an even count)."""
    median = statistics.median_high(ratios)
    return list(ratios).index(median)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render a markdown table; floats get thousands separators or two decimals."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """Describe the machine's load now (the noise every number carries)."""
    return f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def counting_script(directory: Path, *, prefix: str, start: int, name: str) -> str:
    """Write a wrk Lua script requesting ``/<prefix><n>`` for n = start+1, start+2, ...

    Every request names a different code (wrk with one thread shares one counter).
    """
    script = directory / f"{name}.lua"
    script.write_text(
        f"local n = {start}\nrequest = function()\n  n = n + 1\n"
        f'  return wrk.format("GET", "/{prefix}" .. n)\nend\n'
    )
    return str(script)
