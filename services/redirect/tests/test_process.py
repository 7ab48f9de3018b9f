from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from hop_contracts.testing import FakeLinks, link_body
from hop_instrumentation.testing import (
    LoopbackServers,
    app_client,
    free_ports,
    make_test_settings,
    management_client,
    wait_until,
    wait_until_async,
)
from hop_redirect.app import create_app
from hop_redirect.settings import RedirectSettings

pytestmark = pytest.mark.process


def start_redirect(processes: Any, tmp_path: Path, **env: str) -> tuple[Any, str]:
    port, management = free_ports(2)
    variables = {
        "HOP_HOST": "127.0.0.1",
        "HOP_HTTP_PORT": str(port),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_CLICK_FLUSH_INTERVAL": "0.2",
        "HOP_DRAIN_TIMEOUT": "5",
        **env,
    }
    proc = processes.start(
        [sys.executable, "-m", "hop_redirect", "serve"],
        ready_url=f"http://127.0.0.1:{management}/readyz",
        env=variables,
    )
    return proc, f"http://127.0.0.1:{port}"


async def test_process_sigterm_under_load_flushes_every_click(
    processes: Any, tmp_path: Path
) -> None:
    links_port, sink_port = free_ports(2)
    processes.links(links_port, tmp_path)
    processes.sink(sink_port)
    proc, url = start_redirect(
        processes,
        tmp_path,
        HOP_LINKS_URL=f"http://127.0.0.1:{links_port}",
        HOP_ANALYTICS_URL=f"http://127.0.0.1:{sink_port}",
        HOP_CLICK_BATCH_SIZE="1000",
        HOP_CLICK_FLUSH_INTERVAL="30",
    )
    redirected = 0
    stop = asyncio.Event()

    async def load(client: httpx.AsyncClient) -> None:
        nonlocal redirected
        while not stop.is_set():
            try:
                response = await client.get("/abc")
            except httpx.HTTPError:
                return
            if response.status_code == 302:
                redirected += 1

    async with httpx.AsyncClient(base_url=url) as client:
        workers = [asyncio.create_task(load(client)) for _ in range(8)]

        async def loaded() -> bool:
            return redirected >= 300

        await wait_until_async(loaded, what="300 redirects under load")
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*workers)
    assert await asyncio.to_thread(proc.wait, 30) == 0
    async with httpx.AsyncClient() as probe:
        body = (await probe.get(f"http://127.0.0.1:{sink_port}/events")).json()
    assert len(body["events"]) == redirected
    assert len({e["id"] for e in body["events"]}) == redirected


@pytest.mark.redis
async def test_process_shared_cache_serves_a_second_replica_without_links(
    loopback: LoopbackServers,
) -> None:
    prefix = f"hop-test:redirect:{uuid.uuid4().hex}:"
    overrides = {"redis_cache": True, "redis_cache_prefix": prefix, "analytics_url": "http://a"}
    first_links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    second_links = FakeLinks({})
    first = create_app(
        make_test_settings(RedirectSettings, links_url=loopback.serve(first_links), **overrides)
    )
    second = create_app(
        make_test_settings(RedirectSettings, links_url=loopback.serve(second_links), **overrides)
    )
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        async with app_client(first) as one, app_client(second) as two:
            assert (await one.get("/abc")).status_code == 302
            response = await two.get("/abc")
        assert response.headers["location"] == "https://example.com/"
        assert second_links.calls["abc"] == 0
    finally:
        keys = await redis.keys(prefix + "*")
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_process_readyz_stays_ready_with_links_and_analytics_down() -> None:
    settings = make_test_settings(
        RedirectSettings, links_url="http://127.0.0.1:9", analytics_url="http://127.0.0.1:9"
    )
    app = create_app(settings)
    async with app_client(app), management_client(app) as management:
        ready = await management.get("/readyz")
        verbose = await management.get("/readyz?verbose")
    assert (ready.status_code, ready.text) == (200, "ok\n")
    lines = verbose.text.splitlines()
    assert lines[0] == "[+]lifecycle running"
    assert lines[1].startswith("[-]links failed: ")
    assert lines[1].endswith("(non-critical)")
    assert lines[2].startswith("[-]analytics failed: ")
    assert lines[-1] == "readyz check passed"


def scrape(management: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{management}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise LookupError(f"{name} is not exported.")


async def test_process_sigkill_and_sigterm_with_analytics_down_lose_no_spooled_click(
    processes: Any, tmp_path: Path
) -> None:
    links_port, sink_port, port, management = free_ports(4)
    processes.links(links_port, tmp_path)
    env = {
        "HOP_HTTP_PORT": str(port),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_LINKS_URL": f"http://127.0.0.1:{links_port}",
        "HOP_ANALYTICS_URL": f"http://127.0.0.1:{sink_port}",  # nothing listens there yet
        "HOP_CLICK_FLUSH_INTERVAL": "0.2",
        "HOP_CLICK_SPOOL_DIR": str(tmp_path / "spool"),
        "HOP_CLICK_SHUTDOWN_TIMEOUT": "1",
    }

    def start() -> subprocess.Popen[bytes]:
        ready = f"http://127.0.0.1:{management}/readyz"
        return processes.start(
            [sys.executable, "-m", "hop_redirect", "serve"], ready_url=ready, env=env
        )

    async def redirect(count: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(count):
                assert (await client.get("/abc")).status_code == 302

    first = start()
    await redirect(40)
    # Delivery fails, so the spiller moves the clicks to disk within a flush interval.
    wait_until(
        lambda: scrape(management, "hop_redirect_clicks_spool_events") == 40,
        what="the 40 clicks to reach the spool",
    )
    first.kill()
    first.wait()
    second = start()
    assert scrape(management, "hop_redirect_clicks_spool_events") == 40
    await redirect(25)
    second.send_signal(signal.SIGTERM)  # analytics still down: the 25 go to the spool
    assert await asyncio.to_thread(second.wait, 30) == 0
    processes.sink(sink_port)
    start()
    async with httpx.AsyncClient() as probe:

        async def drained() -> bool:
            body = (await probe.get(f"http://127.0.0.1:{sink_port}/events")).json()
            return len(body["events"]) >= 65

        await wait_until_async(drained, what="the 65 spooled clicks to reach analytics")
        body = (await probe.get(f"http://127.0.0.1:{sink_port}/events")).json()
    assert len({event["id"] for event in body["events"]}) == len(body["events"]) == 65
    wait_until(
        lambda: scrape(management, "hop_redirect_clicks_spool_events") == 0,
        what="the spool to be empty",
    )


def metric_sum(management: int, name: str, **labels: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{management}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


async def test_process_gunicorn_two_workers_metrics_add_up_to_the_requests_sent(
    processes: Any, tmp_path: Path
) -> None:
    links_port, sink_port, port, management = free_ports(4)
    processes.links(links_port, tmp_path)
    processes.sink(sink_port)
    spool = tmp_path / "spool"
    processes.start(
        [sys.executable, "-m", "hop_redirect", "serve"],
        ready_url=f"http://127.0.0.1:{management}/readyz",
        env={
            "HOP_WORKERS": "2",
            "HOP_HTTP_PORT": str(port),
            "HOP_MANAGEMENT_PORT": str(management),
            "HOP_LINKS_URL": f"http://127.0.0.1:{links_port}",
            "HOP_ANALYTICS_URL": f"http://127.0.0.1:{sink_port}",
            "HOP_CLICK_FLUSH_INTERVAL": "0.2",
            "HOP_CLICK_SPOOL_DIR": str(spool),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        },
    )
    sent = 0

    async def load() -> None:
        nonlocal sent
        # A fresh connection per request (none kept alive), so the kernel spreads them over
        # both workers; one client, since each new one costs ~30 ms of CPU to load its CAs.
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=fresh) as client:
            for _ in range(50):
                assert (await client.get("/abc")).status_code == 302
                sent += 1

    await asyncio.gather(*(load() for _ in range(8)))
    route = {"http_route": "/{code}", "http_response_status_code": "302"}
    name = "http_server_request_duration_seconds_count"
    assert sent == 400
    wait_until(  # each worker copies its HTTP metrics to the shared files every second
        lambda: metric_sum(management, name, **route) == sent,
        what="both workers' redirect counts to add up to the requests sent",
    )
    wait_until(
        lambda: metric_sum(management, "hop_redirect_clicks_sent_total") == sent,
        what="every click to be delivered and counted across both workers",
    )
    async with httpx.AsyncClient() as probe:
        body = (await probe.get(f"http://127.0.0.1:{sink_port}/events")).json()
    assert len({event["id"] for event in body["events"]}) == sent
    assert sorted(p.name for p in spool.iterdir()) == ["0", "1"]  # one spool slot per worker
    capacity = metric_sum(management, "hop_redirect_clicks_spool_capacity_events")
    # Each worker's budget: the configured one, or its half of the disk's free space if less.
    assert 0 < capacity <= 2 * RedirectSettings().click_spool_max_events
