"""The spool as a StatefulSet pod sees it: killed with its transport down, on a small disk.

A redirect process SIGKILLed while Redis is unreachable leaves its clicks in the spool
directory; a new process on the same directory (what a StatefulSet's PersistentVolumeClaim
gives the pod's successor) delivers each of them exactly once. The analytics HTTP transport's
version of this proof is `test_process.py`'s SIGKILL test. A spool on a filesystem too small
for its configured budget exports the budget the disk really has, and a disk that fills up
under it counts its drops and never crashes the process.
"""

from __future__ import annotations

import json
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from hop_instrumentation.testing import free_ports, wait_until, wait_until_async

pytestmark = pytest.mark.process


def metric(management: int, name: str, **labels: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{management}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


class Redirect:
    """Start redirect processes on fixed ports, one at a time, over one spool directory."""

    def __init__(self, processes: Any, tmp_path: Path, spool: Path, **env: str) -> None:
        links, self.port, self.management = free_ports(3)
        processes.links(links, tmp_path)
        self._processes = processes
        self.env = {
            "HOP_HTTP_PORT": str(self.port),
            "HOP_MANAGEMENT_PORT": str(self.management),
            "HOP_LINKS_URL": f"http://127.0.0.1:{links}",
            "HOP_CLICK_FLUSH_INTERVAL": "0.2",
            "HOP_CLICK_SPOOL_DIR": str(spool),
            "HOP_CLICK_SHUTDOWN_TIMEOUT": "1",
            **env,
        }

    def start(self, log: Path | None = None, **env: str) -> Any:
        ready = f"http://127.0.0.1:{self.management}/readyz"
        argv = [sys.executable, "-m", "hop_redirect", "serve"]
        return self._processes.start(argv, ready_url=ready, env={**self.env, **env}, log=log)

    async def redirect(self, count: int) -> int:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as client:
            statuses = [(await client.get("/abc")).status_code for _ in range(count)]
        return statuses.count(302)

    def metric(self, name: str, **labels: str) -> float:
        return metric(self.management, name, **labels)


@pytest.mark.redis
async def test_process_sigkilled_with_redis_down_successor_on_the_spool_delivers_each_once(
    processes: Any, tmp_path: Path
) -> None:
    (closed,) = free_ports(1)  # nothing listens there: Redis is down for the first process
    stream = f"hop-test:clicks:{uuid.uuid4().hex}"
    redirect = Redirect(
        processes,
        tmp_path,
        tmp_path / "spool",
        HOP_CLICK_TRANSPORT="redis",
        HOP_CLICK_STREAM=stream,
    )
    first = redirect.start(HOP_REDIS_URL=f"redis://127.0.0.1:{closed}/0")
    answered = await redirect.redirect(60)
    wait_until(
        lambda: redirect.metric("hop_redirect_clicks_spool_events") == answered,
        what="every answered click to reach the spool",
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        redirect.start(HOP_REDIS_URL="redis://127.0.0.1:6379/0")
        assert redirect.metric("hop_redirect_clicks_spool_recovered_total") == answered

        async def delivered() -> bool:
            return int(await redis.xlen(stream)) >= answered

        await wait_until_async(delivered, what="the spooled clicks to reach the stream")
        entries = await redis.xrange(stream)
    finally:
        await redis.delete(stream)
        await redis.aclose()
    ids = [json.loads(fields[b"event"])["id"] for _, fields in entries]
    assert answered == 60
    assert len(ids) == len(set(ids)) == answered
    assert redirect.metric("hop_redirect_clicks_dropped_total") == 0


@pytest.mark.redis
async def test_process_sigtermed_with_redis_down_leaves_its_clicks_to_the_ordinals_next_pod(
    processes: Any, tmp_path: Path
) -> None:
    """A StatefulSet pod scaled away while Redis is down, then its ordinal scaled back.

    SIGTERM cannot hand the spool to a transport that is down: the process spools what it
    holds in memory, exits cleanly, and logs how many clicks it left in the persistent spool
    (nothing counted dropped). A new process on the same directory (the pod that takes the
    ordinal back, on the same claim) reports that many recovered and delivers each once.
    """
    (closed,) = free_ports(1)
    stream = f"hop-test:clicks:{uuid.uuid4().hex}"
    redirect = Redirect(
        processes,
        tmp_path,
        tmp_path / "spool",
        HOP_CLICK_TRANSPORT="redis",
        HOP_CLICK_STREAM=stream,
        HOP_CLICK_SPOOL_PERSISTENT="true",
    )
    first_log = tmp_path / "first.log"
    first = redirect.start(first_log, HOP_REDIS_URL=f"redis://127.0.0.1:{closed}/0")
    answered = await redirect.redirect(70)
    first.send_signal(signal.SIGTERM)  # at once: some clicks are still in memory
    assert first.wait(30) == 0
    logged = [
        json.loads(line) for line in first_log.read_text().splitlines() if line.startswith("{")
    ]
    left = [e for e in logged if e.get("message", "").startswith("clicks left in the persistent")]
    assert [entry["clicks"] for entry in left] == [answered]
    assert not [
        e for e in logged if "lost" in e.get("message", "") or "dropped" in e.get("message", "")
    ]
    redis = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        redirect.start(HOP_REDIS_URL="redis://127.0.0.1:6379/0")
        assert redirect.metric("hop_redirect_clicks_spool_recovered_total") == answered

        async def delivered() -> bool:
            return int(await redis.xlen(stream)) >= answered

        await wait_until_async(delivered, what="the left clicks to reach the stream")
        entries = await redis.xrange(stream)
    finally:
        await redis.delete(stream)
        await redis.aclose()
    ids = [json.loads(fields[b"event"])["id"] for _, fields in entries]
    assert answered == 70
    assert len(ids) == len(set(ids)) == answered
    wait_until(
        lambda: redirect.metric("hop_redirect_clicks_spool_events") == 0,
        what="the spool to be empty",
    )
    assert redirect.metric("hop_redirect_clicks_dropped_total") == 0


async def test_process_spool_on_a_small_full_disk_counts_its_drops_and_keeps_serving(
    processes: Any, tmp_path: Path, small_disk: Any
) -> None:
    (closed,) = free_ports(1)
    redirect = Redirect(
        processes, tmp_path, small_disk.path, HOP_ANALYTICS_URL=f"http://127.0.0.1:{closed}"
    )
    process = redirect.start()
    assert 0 < redirect.metric("hop_redirect_clicks_spool_capacity_bytes") <= 256 * 1024

    def accounted() -> float:
        spooled = redirect.metric("hop_redirect_clicks_spooled_total")
        return spooled + redirect.metric("hop_redirect_clicks_dropped_total")

    small_disk.fill()  # the budget has room, the disk has none: writes fail
    answered = await redirect.redirect(50)
    wait_until(lambda: accounted() == answered, what="the clicks past a full disk to be counted")
    assert redirect.metric("hop_redirect_clicks_dropped_total", reason="spool_write_failed") == 50
    small_disk.free()
    answered += await redirect.redirect(3000)  # ~470 bytes each: far more than 256 KiB
    wait_until(lambda: accounted() == answered, what="every click to be spooled or counted")
    assert redirect.metric("hop_redirect_clicks_dropped_total", reason="spool_full") > 0
    events = redirect.metric("hop_redirect_clicks_spool_events")
    assert 0 < events <= redirect.metric("hop_redirect_clicks_spool_capacity_events")
    assert process.poll() is None
    async with httpx.AsyncClient() as client:
        livez = await client.get(f"http://127.0.0.1:{redirect.management}/livez")
    assert livez.status_code == 200
    assert answered == 3050
