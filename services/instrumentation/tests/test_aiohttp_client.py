"""aiohttp sessions: client spans when sampled, W3C propagation always, a bounded pool, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, StatusCode, TraceFlags
from prometheus_client import CollectorRegistry
from starlette.types import Receive, Scope, Send

from hop_instrumentation.aiohttp_client import CLIENT_ERRORS, create_aiohttp_session
from hop_instrumentation.metrics import CLIENT_REQUEST_DURATION, HttpClientMetrics
from hop_instrumentation.testing import LoopbackServers, SpanCapture, free_port, metric_value

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
PARENT_ID = 0x00F067AA0BA902B7


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServers]:
    async with LoopbackServers() as servers:
        yield servers


class Upstream:
    """Echo the request's traceparent; ``/fail`` answers 503, ``/slow`` waits ``delay``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.peers: set[tuple[str, int]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.peers.add(tuple(scope["client"]))
        if scope["path"] == "/slow":
            await asyncio.sleep(self.delay)
        headers = dict(scope["headers"])
        status = {"/fail": 503, "/missing": 404}.get(scope["path"], 200)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": headers.get(b"traceparent", b"")})


def _provider(spans: SpanCapture) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(spans.processor)
    return provider


def _parent(*, sampled: bool) -> trace.Span:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(SpanContext(TRACE_ID, PARENT_ID, is_remote=False, trace_flags=flags))


async def test_sampled_request_gets_a_client_span_whose_context_it_carries(
    loopback: LoopbackServers,
) -> None:
    spans = SpanCapture()
    url = loopback.serve(Upstream())
    session = create_aiohttp_session(url, tracer_provider=_provider(spans))
    with trace.use_span(_parent(sampled=True)):
        async with session.get("/next?q=1") as response:
            sent = (await response.read()).decode()
        async with session.get("/fail") as failed:
            await failed.read()
        async with session.get("/missing") as missing:
            await missing.read()
    await session.close()
    ok, error, not_found = spans.spans
    assert ok.kind is SpanKind.CLIENT
    assert ok.parent is not None
    assert ok.parent.span_id == PARENT_ID
    assert sent == f"00-{TRACE_ID:032x}-{ok.context.span_id:016x}-01"
    port = int(url.rsplit(":", 1)[1])
    assert dict(ok.attributes or {}) == {
        "http.request.method": "GET",
        "server.address": "127.0.0.1",
        "server.port": port,
        "url.full": f"{url}/next",
        "http.response.status_code": 200,
    }
    # Client spans: every 4xx and 5xx is an error, named by its status code.
    for span, status in ((error, "503"), (not_found, "404")):
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == status
    assert ok.status.status_code is StatusCode.UNSET


async def test_request_without_answer_names_the_exception_in_error_type() -> None:
    spans = SpanCapture()
    closed = f"http://127.0.0.1:{free_port()}"
    session = create_aiohttp_session(closed, tracer_provider=_provider(spans))
    with trace.use_span(_parent(sampled=True)), pytest.raises(aiohttp.ClientConnectionError):
        async with session.get("/next"):
            pass
    await session.close()
    (span,) = spans.spans
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == (
        "aiohttp.client_exceptions.ClientConnectorError"
    )


async def test_unsampled_request_records_no_span_and_propagates_its_trace(
    loopback: LoopbackServers,
) -> None:
    spans = SpanCapture()
    session = create_aiohttp_session(loopback.serve(Upstream()), tracer_provider=_provider(spans))
    with trace.use_span(_parent(sampled=False)):
        async with session.get("/next") as response:
            sent = (await response.read()).decode()
    await session.close()
    assert spans.spans == ()
    assert sent == f"00-{TRACE_ID:032x}-{PARENT_ID:016x}-00"


async def test_pool_never_opens_more_connections_than_its_size(loopback: LoopbackServers) -> None:
    upstream = Upstream(delay=0.05)
    session = create_aiohttp_session(
        loopback.serve(upstream), tracer_provider=TracerProvider(), pool_size=2
    )

    async def get() -> int:
        async with session.get("/slow") as response:
            await response.read()
            return response.status

    statuses = await asyncio.gather(*(get() for _ in range(10)))
    await session.close()
    assert statuses == [200] * 10
    assert len(upstream.peers) == 2  # kept alive and reused


async def test_request_slower_than_the_timeout_raises_a_client_error(
    loopback: LoopbackServers,
) -> None:
    session = create_aiohttp_session(
        loopback.serve(Upstream(delay=5.0)), tracer_provider=TracerProvider(), timeout=0.2
    )
    with pytest.raises(CLIENT_ERRORS):
        async with session.get("/slow") as response:
            await response.read()
    await session.close()


async def test_requests_are_timed_with_status_and_error_type_sampled_or_not(
    loopback: LoopbackServers,
) -> None:
    registry = CollectorRegistry()
    metrics = HttpClientMetrics(registry, multiprocess=False)
    url = loopback.serve(Upstream())
    session = create_aiohttp_session(url, tracer_provider=_provider(SpanCapture()), metrics=metrics)
    with trace.use_span(_parent(sampled=False)):  # unsampled: no span, timed all the same
        for path in ("/next", "/missing"):
            async with session.get(path) as response:
                await response.read()
    await session.close()
    closed_port = free_port()
    closed = create_aiohttp_session(
        f"http://127.0.0.1:{closed_port}", tracer_provider=_provider(SpanCapture()), metrics=metrics
    )
    with trace.use_span(_parent(sampled=True)), pytest.raises(aiohttp.ClientConnectionError):
        async with closed.get("/next"):
            pass
    await closed.close()
    count = f"{CLIENT_REQUEST_DURATION}_count"
    peer = {"http_request_method": "GET", "server_address": "127.0.0.1"}
    port = url.rsplit(":", 1)[1]
    for status, error in (("200", ""), ("404", "404")):
        labels = {**peer, "server_port": port, "http_response_status_code": status}
        assert metric_value(registry, count, {**labels, "error_type": error}) == 1
    refused = {**peer, "server_port": str(closed_port), "http_response_status_code": ""}
    error = "aiohttp.client_exceptions.ClientConnectorError"
    assert metric_value(registry, count, {**refused, "error_type": error}) == 1
