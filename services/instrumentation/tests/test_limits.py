"""Hostile clients against a real process: big bodies, big heads, slow heads, wrong ports."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hop_instrumentation.testing import (
    RunningProcess,
    eventually,
    free_ports,
    rss_bytes,
    running_process,
    send_raw,
)

pytestmark = pytest.mark.process
HERE = Path(__file__).parent
MB = 1024 * 1024


@dataclass
class Ports:
    running: RunningProcess
    http: int
    internal: int
    management: int


@pytest.fixture(scope="module", params=["1", "2"], ids=["uvicorn", "gunicorn"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ports]:
    tmp = tmp_path_factory.mktemp("limits")
    http, internal, management = free_ports(3)
    env = {
        "HOP_HTTP_PORT": str(http),
        "HOP_INTERNAL_PORT": str(internal),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_WORKERS": request.param,
        "HOP_REQUEST_HEAD_TIMEOUT": "1",
        "HOP_REQUEST_BODY_TIMEOUT": "1",
        "HOP_KEEPALIVE_TIMEOUT": "2",
        "HOP_MAX_HEADERS": "20",
        "HOP_MAX_HEADER_BYTES": "4096",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
    }
    if request.param == "1":
        del env["PROMETHEUS_MULTIPROC_DIR"]
    with running_process(
        [sys.executable, "sample_app.py"],
        env=env,
        cwd=HERE,
        log=tmp / "service.log",
        ready_url=f"http://127.0.0.1:{management}/readyz",
    ) as running:
        yield Ports(running, http, internal, management)


def serving_pid(service: Ports) -> int:
    pid = service.running.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid  # one gunicorn worker answers: close enough


def chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = b'{"text":"' + b"x" * (size - 9)
    for _ in range(total // size):
        yield block


def test_internal_routes_answer_on_the_internal_port_only(service: Ports) -> None:
    internal = httpx.get(f"http://127.0.0.1:{service.internal}/internal/v1/ping", timeout=5)
    public = httpx.get(f"http://127.0.0.1:{service.http}/internal/v1/ping", timeout=5)
    api_on_internal = httpx.get(f"http://127.0.0.1:{service.internal}/api/v1/items/1", timeout=5)
    assert (internal.status_code, internal.json()) == (200, {"internal": "pong"})
    assert (public.status_code, public.json()) == (404, {"detail": "Not Found"})
    assert api_on_internal.status_code == 404
    api = httpx.get(f"http://127.0.0.1:{service.http}/api/v1/items/1", timeout=5)
    assert api.status_code == 200
    # Both observed. gunicorn workers publish their HTTP counts every second, so poll.
    eventually(
        lambda: httpx.get(f"http://127.0.0.1:{service.management}/metrics", timeout=5).text,
        lambda metrics: 'status_code="404",http_route="_unmatched"} 2.0' in metrics,
        timeout=10.0,
    )


def test_unauthenticated_huge_body_gets_401_before_a_byte_of_it_is_read(service: Ports) -> None:
    pid = serving_pid(service)
    before = rss_bytes(pid)
    head = (
        b"POST /api/v1/notes HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n" % (64 * MB)
    )
    response = send_raw(service.http, head, chunks(64 * MB))
    assert response.status == 401
    # Answered before the client could send it all (how much it sent first depends on load).
    assert response.sent < 64 * MB
    assert rss_bytes(pid) - before < 16 * MB


def test_declared_oversize_body_gets_413_without_being_read(service: Ports) -> None:
    head = (
        b"POST /api/v1/notes HTTP/1.1\r\nhost: t\r\nauthorization: Bearer good\r\n"
        b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % (64 * MB)
    )
    response = send_raw(service.http, head, chunks(64 * MB))
    assert response.status == 413
    assert response.sent < 64 * MB


def test_chunked_body_is_cut_off_at_the_cap_with_413(service: Ports) -> None:
    pid = serving_pid(service)
    before = rss_bytes(pid)
    head = (
        b"POST /api/v1/notes HTTP/1.1\r\nhost: t\r\nauthorization: Bearer good\r\n"
        b"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    body = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks(64 * MB, 16 * 1024))
    response = send_raw(service.http, head, body)
    assert response.status == 413
    assert response.sent < 64 * MB
    assert rss_bytes(pid) - before < 16 * MB


def test_batch_route_accepts_a_body_above_the_single_item_cap(service: Ports) -> None:
    batch = [{"text": "x" * 1000}] * 200  # about 200 KB: over 64 KiB, under the batch cap
    url = f"http://127.0.0.1:{service.http}/api/v1/notes"
    headers = {"authorization": "Bearer good"}
    accepted = httpx.post(url + ":batch", json=batch, headers=headers, timeout=10)
    refused = httpx.post(url, json={"text": "x" * 200_000}, headers=headers, timeout=10)
    assert (accepted.status_code, accepted.json()) == (200, {"count": 200})
    assert refused.status_code == 413
    assert "limit of 65536 bytes" in refused.json()["detail"]


def test_too_many_headers_get_431(service: Ports) -> None:
    extra = b"".join(b"x-h%d: v\r\n" % n for n in range(30))
    head = b"GET /api/v1/items/1 HTTP/1.1\r\nhost: t\r\n" + extra + b"\r\n"
    response = send_raw(service.http, head)
    assert response.status == 431


def test_oversize_header_gets_431(service: Ports) -> None:
    head = b"GET /api/v1/items/1 HTTP/1.1\r\nhost: t\r\ncookie: " + b"c" * 8000 + b"\r\n\r\n"
    assert send_raw(service.http, head).status == 431


def test_half_sent_head_is_closed_after_the_head_timeout(service: Ports) -> None:
    with socket.create_connection(("127.0.0.1", service.http), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /api/v1/items/1 HTTP/1.1\r\nhost: t\r\n")
        for _ in range(20):  # slow loris: a header line now and then keeps nothing open
            sock.sendall(b"x-a: b\r\n")
            if _closed_within(sock, 0.3):
                break
        waited = time.monotonic() - started
    assert waited < 5  # HOP_REQUEST_HEAD_TIMEOUT=1; the loris would have gone on for 6 s


SLOW_HEADS = {
    "content-length": b"content-length: 10000\r\n",
    "chunked": b"transfer-encoding: chunked\r\n",
}


@pytest.mark.parametrize("framing", sorted(SLOW_HEADS))
def test_slowly_sent_body_gets_408_and_the_connection_closed(service: Ports, framing: str) -> None:
    head = (
        b"POST /api/v1/notes HTTP/1.1\r\nhost: t\r\nauthorization: Bearer good\r\n"
        b"content-type: application/json\r\n" + SLOW_HEADS[framing] + b"\r\n"
    )
    byte = b"1\r\nx\r\n" if framing == "chunked" else b"x"
    with socket.create_connection(("127.0.0.1", service.http), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head)
        answer = b""
        for _ in range(40):  # a body loris: 5 bytes a second of a 10 kB body would take 2,000 s
            sock.sendall(byte)
            answer += _read_for(sock, 0.2)
            if answer.endswith(b"}") or time.monotonic() - started > 8:
                break
        waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert b'"detail":"The request body did not arrive within 1 seconds' in answer
        assert _closed_within(sock, 2)
    assert waited < 5  # HOP_REQUEST_BODY_TIMEOUT=1: the loris would have gone on for 8 s


def test_body_sent_in_parts_within_the_body_timeout_is_served(service: Ports) -> None:
    body = b'{"text":"' + b"x" * 9990 + b'"}'
    head = (
        b"POST /api/v1/notes HTTP/1.1\r\nhost: t\r\nauthorization: Bearer good\r\n"
        b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", service.http), timeout=10) as sock:
        sock.sendall(head)
        for part in (body[:3000], body[3000:6000], body[6000:]):
            time.sleep(0.2)  # pauses, but the whole body arrives within 1 s
            sock.sendall(part)
        answer = _read_for(sock, 3)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b'{"length":9990}')


def test_idle_keep_alive_connection_is_closed(service: Ports) -> None:
    with socket.create_connection(("127.0.0.1", service.http), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/items/1 HTTP/1.1\r\nhost: t\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_within(sock, 6)  # HOP_KEEPALIVE_TIMEOUT=2


def test_event_loop_lag_is_exported(service: Ports) -> None:
    time.sleep(0.6)
    text = httpx.get(f"http://127.0.0.1:{service.management}/metrics", timeout=5).text
    assert "hop_event_loop_lag_seconds_count" in text
    count = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("hop_event_loop_lag_seconds_count")
    )
    assert count >= 1


def _read_for(sock: socket.socket, seconds: float) -> bytes:
    """Return what arrives within ``seconds`` (b"" if nothing, or the connection closed)."""
    sock.settimeout(seconds)
    try:
        return sock.recv(65536)
    except (TimeoutError, ConnectionResetError):
        return b""


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(65536) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
