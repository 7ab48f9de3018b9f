"""A raw HTTP/1.1 client for tests of hostile clients: streamed bodies, trickled heads.

Public through `hop_instrumentation.testing`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_HEAD_END: Final = b"\r\n\r\n"


@dataclass(slots=True)
class RawResponse:
    """What a raw request got back: the status, the head and the body bytes sent."""

    status: int | None
    head: bytes
    sent: int


def send_raw(
    port: int, head: bytes, body: Iterable[bytes] = (), *, timeout: float = 10.0
) -> RawResponse:
    """Send ``head`` then ``body`` chunks until the server answers; return its response head.

    A reader thread collects the response while the chunks go out, so a server that
    answers early (413, 401) and closes is seen even if it never reads the body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        received = bytearray()
        done = threading.Event()

        def read() -> None:
            try:
                while _HEAD_END not in received:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    received.extend(chunk)
            except OSError:
                pass
            finally:
                done.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        sent = 0
        try:
            sock.sendall(head)
            for chunk in body:
                if done.is_set():
                    break
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server answered and closed: what the caller wants to see
        done.wait(timeout)
        reader.join(timeout)
    response = bytes(received)
    return RawResponse(_status(response), response.partition(_HEAD_END)[0], sent)


def _status(response: bytes) -> int | None:
    parts = response.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"Process {pid} has no VmRSS.")
