"""A real hop-links process against hostile clients: big bodies, the internal port."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import (
    RunningProcess,
    free_ports,
    rss_bytes,
    running_process,
    send_raw,
)
from hop_links.accounts import AccountStore

pytestmark = pytest.mark.process
MB = 1024 * 1024


@dataclass
class Links:
    running: RunningProcess
    api: int
    internal: int
    key: str


def _create_key(database_url: str) -> str:
    async def create() -> str:
        engine = create_engine(database_url)
        try:
            accounts = AccountStore(engine)
            await accounts.create_owner("limits")
            return (await accounts.create_key("limits")).secret
        finally:
            await engine.dispose()

    return asyncio.run(create())


@pytest.fixture
def links(sqlite_url: str) -> Iterator[Links]:
    api, internal, management = free_ports(3)
    env = {
        "HOP_DATABASE_URL": sqlite_url,
        "HOP_HTTP_PORT": str(api),
        "HOP_INTERNAL_PORT": str(internal),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_PUBLIC_BASE_URL": "https://hop.test",
    }
    key = _create_key(sqlite_url)
    ready = f"http://127.0.0.1:{management}/readyz"
    with running_process(
        [sys.executable, "-m", "hop_links", "serve"], env=env, ready_url=ready
    ) as running:
        yield Links(running, api, internal, key)


def _chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = b'{"url":"https://example.com/' + b"x" * (size - 28)
    for _ in range(total // size):
        yield block


def test_unauthenticated_64_mb_create_gets_401_without_reading_the_body(links: Links) -> None:
    before = rss_bytes(links.running.process.pid)
    head = (
        b"POST /api/v1/links HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n" % (64 * MB)
    )
    response = send_raw(links.api, head, _chunks(64 * MB))
    assert response.status == 401
    assert b"www-authenticate: bearer" in response.head.lower()
    assert response.sent < 32 * MB
    assert rss_bytes(links.running.process.pid) - before < 16 * MB


def test_authenticated_oversize_create_gets_413_and_a_batch_fits_its_larger_cap(
    links: Links,
) -> None:
    head = (
        b"POST /api/v1/links HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer %s\r\ncontent-length: %d\r\n\r\n" % (links.key.encode(), 64 * MB)
    )
    assert send_raw(links.api, head, _chunks(64 * MB)).status == 413
    items = [{"url": f"https://example.com/{n}/" + "p" * 200} for n in range(1000)]
    batch = httpx.post(
        f"http://127.0.0.1:{links.api}/api/v1/links:batch",
        json={"items": items},
        headers={"Authorization": f"Bearer {links.key}"},
        timeout=30,
    )
    assert batch.status_code == 200, batch.text


def test_resolve_is_served_on_the_internal_port_only(links: Links) -> None:
    created = httpx.post(
        f"http://127.0.0.1:{links.api}/api/v1/links",
        json={"url": "https://example.com/a"},
        headers={"Authorization": f"Bearer {links.key}"},
        timeout=10,
    ).json()
    path = f"/internal/v1/links/{created['code']}"
    internal = httpx.get(f"http://127.0.0.1:{links.internal}{path}", timeout=10)
    public = httpx.get(f"http://127.0.0.1:{links.api}{path}", timeout=10)
    assert (internal.status_code, internal.json()["url"]) == (200, "https://example.com/a")
    assert (public.status_code, public.json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql://hop:s3cret-pw@127.0.0.1:1/hop",  # unreachable: readiness reports it
        "hop:s3cret-pw@127.0.0.1/hop",  # no scheme: the settings error quotes it
    ],
)
def test_database_password_never_appears_in_output_or_readiness(
    tmp_path: Path, database_url: str
) -> None:
    api, internal, management = free_ports(3)
    env = {
        "HOP_DATABASE_URL": database_url,
        "HOP_HTTP_PORT": str(api),
        "HOP_INTERNAL_PORT": str(internal),
        "HOP_MANAGEMENT_PORT": str(management),
    }
    log = tmp_path / "links.log"
    command = [sys.executable, "-m", "hop_links", "serve"]
    with running_process(command, env=env, log=log) as running:
        readiness = _readiness_report(management, running)
        running.stop()
    output = log.read_text() + readiness
    assert "s3cret-pw" not in output
    assert "[-]database failed" in output or "HOP_DATABASE_URL" in output  # still explained


def _readiness_report(port: int, running: RunningProcess) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and running.process.poll() is None:
        try:
            report = httpx.get(f"http://127.0.0.1:{port}/readyz?verbose", timeout=2).text
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if "[-]database failed" in report:
            return report
        time.sleep(0.2)
    return ""
