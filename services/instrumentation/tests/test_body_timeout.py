"""The body deadline of `LimitsMiddleware`, driven through ASGI messages in the process."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.types import Message, Receive, Scope, Send

from hop_instrumentation.limits import LimitsMiddleware, RequestLimits

SCOPE: Scope = {
    "type": "http",
    "method": "POST",
    "path": "/api/v1/notes",
    "headers": [(b"content-length", b"2")],
}


def _client(*messages: Message, stall: float) -> Receive:
    """Deliver ``messages``, then wait ``stall`` seconds before the disconnect."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(stall)
        return {"type": "http.disconnect"}

    return receive


async def _reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body, "more_body": True})
    disconnect = await receive()  # as a streaming response listens for the client leaving
    await send({"type": "http.response.body", "body": disconnect["type"].encode()})


async def _run(receive: Receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = LimitsMiddleware(
        _reading_app, limits=RequestLimits(body_bytes=1024, body_timeout=0.1)
    )
    await middleware(SCOPE, receive, send)
    return sent


async def test_body_timeout_ends_with_the_body_not_bounding_later_reads() -> None:
    receive = _client({"type": "http.request", "body": b"ok"}, stall=0.3)
    sent = await _run(receive)
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.body", "body": b"ok", "more_body": True},
        {"type": "http.response.body", "body": b"http.disconnect"},
    ]


async def test_body_stalled_past_the_timeout_gets_408_and_close() -> None:
    receive = _client({"type": "http.request", "body": b"o", "more_body": True}, stall=5)
    sent = await asyncio.wait_for(_run(receive), timeout=2)
    start, body = sent
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    assert body["body"] == (
        b'{"detail":"The request body did not arrive within 0.1 seconds; '
        b'send the whole body without pausing."}'
    )


async def test_shutdown_cancelling_with_the_deadline_stays_a_cancellation() -> None:
    receive = _client({"type": "http.request", "body": b"o", "more_body": True}, stall=5)
    limits = RequestLimits(body_bytes=1024, body_timeout=0.05)
    task = asyncio.ensure_future(
        LimitsMiddleware(_reading_app, limits=limits)(SCOPE, receive, _discard)
    )
    await asyncio.sleep(0)  # the app reads the first byte and waits for the rest
    asyncio.get_running_loop().call_later(0.01, task.cancel)  # a shutdown
    # Block the loop: the shutdown and the deadline come due in one iteration.
    time.sleep(0.2)  # noqa: ASYNC251
    with pytest.raises(asyncio.CancelledError):
        await task


async def _discard(message: Message) -> None:
    return None
