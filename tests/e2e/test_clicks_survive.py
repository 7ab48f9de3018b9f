"""Every answered redirect is counted exactly once, under full load and through an analytics outage.

The `make run` stack (real links and analytics on SQLite, clicks over HTTP) with redirect
restarted in production settings (1% access log, 1% traces), driven by wrk at its
maximum rate straight on its port. After the drain, the stats API's total equals the
redirects redirect answered (its own request counter). The outage variant stops
analytics for 30 s in the middle of the load: redirect spools, then drains oldest first.
The 60 s version with timings is `make bench`'s; this one proves the count. Both runs
share one stack, each on a link of its own, and count what happened during the run.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import httpx
import pytest
from hop_e2e_flow import create_link, stats
from hop_e2e_stack import RunningStack, hermetic_env, running_stack
from hop_e2e_tools import debian_tool
from prometheus_client.parser import text_string_to_metric_families

from hop_instrumentation.testing import eventually, wait_for_http

pytestmark = [pytest.mark.process, pytest.mark.timeout(600)]

PRODUCTION = {
    "HOP_ACCESS_LOG_SAMPLE_RATIO": "0.01",
    "HOP_TRACE_SAMPLE_RATIO": "0.01",
    "HOP_CLICK_FLUSH_INTERVAL": "1.0",
}


def scrape(hop: RunningStack, service: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{hop.stack.management_url(service)}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= set(found))


def restart(hop: RunningStack, service: str, **settings: str) -> None:
    process = hop.processes[service]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    start(hop, service, **settings)


def start(hop: RunningStack, service: str, **settings: str) -> None:
    env = {**hermetic_env(), **hop.stack.env(service), **settings}
    with hop.logs[service].open("ab") as log:
        hop.processes[service] = subprocess.Popen(
            hop.stack.serve_command(service), env=env, stdout=log, stderr=subprocess.STDOUT
        )
    wait_for_http(f"{hop.stack.management_url(service)}/readyz", process=hop.processes[service])


@contextmanager
def analytics_outage(hop: RunningStack, after: float, outage: float) -> Iterator[None]:
    """Stop analytics ``after`` s into the block for ``outage`` s; leave with it running.

    When the block fails, the outage ends at once, so the stack stops every process.
    """
    failed = threading.Event()

    def run() -> None:
        if failed.wait(after):
            return
        process = hop.processes["analytics"]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        failed.wait(outage)
        start(hop, "analytics")

    thread = threading.Thread(target=run, name="analytics-outage")
    thread.start()
    try:
        yield
    except BaseException:
        failed.set()
        raise
    finally:
        thread.join()


@pytest.fixture(scope="module")
def production_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """One stack for both runs: redirect in production settings, its spool on disk."""
    root = tmp_path_factory.mktemp("clicks-survive")
    with running_stack(root, settings={"HOP_CLICK_SPOOL_DIR": str(root / "spool")}) as hop:
        restart(hop, "redirect", **PRODUCTION)
        yield hop


def answered_redirects(hop: RunningStack) -> float:
    """Return the redirects redirect answered so far (its own request counter)."""
    samples = scrape(hop, "redirect")
    return total(
        samples,
        "http_server_request_duration_seconds_count",
        http_route="/{code}",
        http_response_status_code="302",
    )


@pytest.mark.parametrize(("load", "outage"), [(12, 0), (38, 30)], ids=["steady", "outage-30s"])
def test_clicks_every_answered_redirect_is_counted_once(
    production_stack: RunningStack, load: int, outage: int
) -> None:
    hop = production_stack
    code = create_link(hop)["code"]  # a link of this run's own: its stats are this run's clicks
    url = f"{hop.stack.api_url('redirect')}/{code}"
    before = answered_redirects(hop)
    spooled_before = total(scrape(hop, "redirect"), "hop_redirect_clicks_spooled_total")
    with analytics_outage(hop, 4.0, outage) if outage else nullcontext():
        wrk = subprocess.run(
            [debian_tool("wrk", "wrk"), "-t1", "-c64", f"-d{load}s", url],
            capture_output=True,
            text=True,
            timeout=load + 60,
            check=True,
        )
    answered = answered_redirects(hop) - before
    completed = int(re.search(r"(\d+) requests in", wrk.stdout)[1])  # type: ignore[index]
    assert "Non-2xx" not in wrk.stdout, wrk.stdout
    assert completed <= answered <= completed + 64
    drain_started = time.monotonic()
    body = eventually(
        lambda: stats(hop, code),
        lambda body: body["total_clicks"] >= answered,
        timeout=300,
        interval=1.0,
    )
    drained = time.monotonic() - drain_started
    samples = scrape(hop, "redirect")
    print(f"answered {answered:.0f} in {load} s, outage {outage} s, drained in {drained:.1f} s")
    assert body["total_clicks"] == answered
    assert total(samples, "hop_redirect_clicks_dropped_total") == 0
    assert total(samples, "hop_redirect_clicks_spool_events") == 0
    if outage:
        assert total(samples, "hop_redirect_clicks_spooled_total") > spooled_before
