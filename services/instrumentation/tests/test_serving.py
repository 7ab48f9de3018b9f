"""Real processes: both ports, graceful shutdown, and gunicorn's multicore mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from hop_instrumentation.testing import (
    RunningProcess,
    free_ports,
    running_process,
    wait_for_http,
    wait_until,
)

pytestmark = pytest.mark.process
HERE = Path(__file__).parent


@dataclass
class Service:
    running: RunningProcess
    api: str
    management: str

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.running.process

    def stop(self, timeout: float = 30.0) -> int:
        return self.running.stop(timeout)


def start(tmp_path: Path, **env: str) -> Iterator[Service]:
    http, management = free_ports(2)
    environment = {
        "HOP_HTTP_PORT": str(http),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_SHUTDOWN_DELAY": "1",
        "HOP_DRAIN_TIMEOUT": "10",
        **env,
    }
    # No PROMETHEUS_MULTIPROC_DIR: gunicorn mode must work without it (serve() makes one).
    with running_process(
        [sys.executable, "sample_app.py"],
        env=environment,
        cwd=HERE,
        log=tmp_path / "service.log",
        ready_url=f"http://127.0.0.1:{management}/readyz",
    ) as running:
        yield Service(running, f"http://127.0.0.1:{http}", f"http://127.0.0.1:{management}")


def request_count(management: str, route: str) -> float:
    text = httpx.get(management + "/metrics", timeout=5).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "http_server_request_duration_seconds_count"
                and sample.labels["http_route"] == route
            ):
                total += sample.value
    return total


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


@pytest.fixture
def single(tmp_path: Path) -> Iterator[Service]:
    yield from start(tmp_path)


@pytest.fixture
def multicore(tmp_path: Path) -> Iterator[Service]:
    yield from start(tmp_path, HOP_WORKERS="2")


def test_single_process_serves_api_and_management_on_separate_ports(single: Service) -> None:
    item = httpx.get(single.api + "/api/v1/items/5")
    assert (item.status_code, item.json()) == (200, {"item_id": 5})
    assert httpx.get(single.api + "/metrics").status_code == 404
    assert httpx.get(single.api + "/readyz").status_code == 404
    assert httpx.get(single.management + "/api/v1/items/5").status_code == 404
    assert request_count(single.management, "/api/v1/items/{item_id}") == 1
    assert request_count(single.management, "/metrics") == 0
    assert httpx.get(single.api + "/process").json()["loop"] == "uvloop.Loop"
    build = httpx.get(single.management + "/metrics").text
    assert 'hop_build_info{commit="unknown",service="sample",version="0.1.0"} 1.0' in build


def test_sigterm_fails_readiness_drains_in_flight_and_exits_zero(single: Service) -> None:
    with ThreadPoolExecutor(4) as pool:
        slow = [
            pool.submit(httpx.get, single.api + "/slow?seconds=2", timeout=10) for _ in range(3)
        ]
        wait_until(lambda: _active(single) == 3, what="three requests in flight")
        single.process.send_signal(signal.SIGTERM)
        wait_until(
            lambda: httpx.get(single.management + "/readyz", timeout=1).status_code == 503,
            what="/readyz to fail",
            timeout=0.9,
        )
        started = time.monotonic()
        code = single.process.wait(timeout=20)
        results = [future.result() for future in slow]
    assert code == 0
    assert [r.status_code for r in results] == [200, 200, 200]
    assert time.monotonic() - started < 15


def _active(service: Service) -> float:
    text = httpx.get(service.management + "/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        if family.name == "http_server_active_requests":
            return sum(s.value for s in family.samples)
    return 0.0


def test_multicore_aggregates_metrics_across_workers_and_survives_a_killed_worker(
    multicore: Service,
) -> None:
    with httpx.Client() as client:
        for n in range(40):
            assert client.get(multicore.api + f"/api/v1/items/{n}").status_code == 200
    route = "/api/v1/items/{item_id}"
    wait_until(  # each worker copies its counts to the shared files every second
        lambda: request_count(multicore.management, route) == 40,
        what="both workers' counts to add up to the 40 requests sent",
    )
    workers = children(multicore.process.pid)
    assert len(workers) == 2
    answers = [httpx.get(multicore.api + "/process").json() for _ in range(20)]
    assert {answer["loop"] for answer in answers} == {"uvloop.Loop"}  # as in one process
    os.kill(workers[0], signal.SIGKILL)
    wait_until(
        lambda: (
            len(children(multicore.process.pid)) == 2
            and workers[0] not in children(multicore.process.pid)
        ),
        what="gunicorn to replace the killed worker",
    )
    running = multicore.running
    wait_for_http(multicore.management + "/readyz", process=running.process, log=running.log)
    assert request_count(multicore.management, route) == 40  # the dead worker's samples stay
    assert _active(multicore) == 0  # ...but not its live gauge
    assert multicore.stop() == 0


@pytest.fixture
def sampled_multicore(tmp_path: Path) -> Iterator[Service]:
    yield from start(tmp_path, HOP_WORKERS="2", HOP_TRACE_SAMPLE_RATIO="1")


def test_multicore_scrape_carries_the_workers_exemplars(
    sampled_multicore: Service,
) -> None:
    # prometheus_client's shared files hold no exemplars: hop's workers write their own.
    service = sampled_multicore
    with httpx.Client() as client:
        for n in range(40):
            assert client.get(service.api + f"/api/v1/items/{n}").status_code == 200

    def exemplar_trace_ids() -> set[str]:
        text = httpx.get(
            service.management + "/metrics",
            headers={"Accept": "application/openmetrics-text; version=1.0.0"},
            timeout=5,
        ).text
        return {
            sample.exemplar.labels["trace_id"]
            for family in openmetrics_families(text)
            for sample in family.samples
            if sample.name == "http_server_request_duration_seconds_bucket" and sample.exemplar
        }

    wait_until(lambda: bool(exemplar_trace_ids()), what="exemplars in the aggregated scrape")
    assert all(len(trace_id) == 32 for trace_id in exemplar_trace_ids())
    assert service.stop() == 0


def test_multicore_opens_no_control_socket(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # gunicorn's default control socket is $XDG_RUNTIME_DIR/gunicorn.ctl, else
    # $HOME/.gunicorn/gunicorn.ctl: one path shared by every service of a user.
    multicore = contextmanager(start)
    with multicore(tmp_path, HOP_WORKERS="2", HOME=str(home), XDG_RUNTIME_DIR=str(home)) as service:
        assert httpx.get(service.api + "/api/v1/items/1").status_code == 200
        assert sorted(p.name for p in home.rglob("*")) == []
        assert service.stop() == 0
