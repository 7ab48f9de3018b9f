"""The HTTP protocol both serving modes run: coalesced writes, a bounded request head.

httptools (llhttp) accepts headers of any size and number, and uvicorn waits for a
request head forever once its first byte arrived, so one client can hold memory and a
connection with a slow trickle of header bytes (slow loris). This protocol answers a
head with too many headers or too many bytes 431 and closes, and closes a connection
whose request head is not complete within ``head_timeout`` seconds of its first byte
(or of the connection, for the first request).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from hop_instrumentation._coalescing import CoalescingHttpToolsProtocol
from hop_instrumentation.settings import ServiceSettings

_431: bytes = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
)


class BoundedHeadProtocol(CoalescingHttpToolsProtocol):
    """uvicorn's httptools protocol with header caps and a request-head deadline."""

    max_header_bytes: ClassVar[int] = 32_768
    max_headers: ClassVar[int] = 100
    head_timeout: ClassVar[float] = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._head_count = 0
        self._head_too_large = False
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the first request's head deadline with the connection."""
        super().connection_made(transport)
        self._start_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline of a connection that is gone."""
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """Reset the head's counters and start its deadline."""
        super().on_message_begin()
        self._head_bytes = self._head_count = 0
        if self._head_deadline is None:
            self._start_head_deadline()

    def on_url(self, url: bytes) -> None:
        """Count the URL into the head's bytes."""
        self._count_head(len(url), 0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count the header; refuse the head once it passes a cap."""
        self._count_head(len(name) + len(value) + 4, 1)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head arrived in time: stop its deadline."""
        self._cancel_head_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """Answer 431 instead when the parse failed because the head was too large."""
        if not self._head_too_large:
            super().send_400_response(msg)
            return
        detail = (
            f"The request head exceeds {self.max_headers} headers or "
            f"{self.max_header_bytes} bytes.\n"
        ).encode()
        content = b"content-length: " + str(len(detail)).encode() + b"\r\n\r\n" + detail
        self.transport.write(_431 + content)
        self.transport.close()

    def _count_head(self, size: int, count: int) -> None:
        self._head_bytes += size
        self._head_count += count
        if self._head_bytes > self.max_header_bytes or self._head_count > self.max_headers:
            self._head_too_large = True
            raise ValueError("request head too large")  # httptools turns it into a parse error

    def _start_head_deadline(self) -> None:
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def bounded_protocol(settings: ServiceSettings) -> type[BoundedHeadProtocol]:
    """Return the protocol class with ``settings``' head limits."""
    return type(
        "BoundedHeadProtocol",
        (BoundedHeadProtocol,),
        {
            "max_header_bytes": settings.max_header_bytes,
            "max_headers": settings.max_headers,
            "head_timeout": settings.request_head_timeout,
        },
    )
