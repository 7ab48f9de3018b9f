"""Traces: one server span per request, parent-based sampling, propagation, client spans."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from hop_instrumentation import ServiceSettings, create_app, create_http_client, get_instrumentation
from hop_instrumentation.testing import (
    SpanCapture,
    app_client,
    capture_logs,
    make_test_settings,
    metric_value,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def build(
    spans: SpanCapture, ratio: float = 1.0, trusted: tuple[str, ...] = ("127.0.0.0/8",)
) -> FastAPI:
    settings = make_test_settings(
        ServiceSettings, trace_sample_ratio=ratio, trusted_proxies=trusted
    )
    app = create_app(settings, span_processors=(spans.processor,))

    @app.get("/echo")
    async def echo(request: Request) -> dict[str, str | None]:
        client = create_http_client(
            "http://upstream",
            tracer_provider=get_instrumentation(request.app).tracer_provider,
            transport=httpx.MockTransport(
                lambda r: httpx.Response(200, json={"traceparent": r.headers.get("traceparent")})
            ),
        )
        async with client:
            upstream = await client.get("/next")
        return {"sent": upstream.json()["traceparent"]}

    return app


async def test_one_server_span_even_with_a_global_tracer_provider() -> None:
    # FastAPI traces by itself, into the global provider, once one exists; hop turns that
    # off. The global provider gets a capture of its own: FastAPI's spans would land there.
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(TracerProvider())
    global_provider = trace.get_tracer_provider()
    assert isinstance(global_provider, TracerProvider)
    global_spans = SpanCapture()
    global_provider.add_span_processor(global_spans.processor)
    spans = SpanCapture()
    app = build(spans)
    async with app_client(app) as client:
        await client.get("/echo")
    global_spans.processor.shutdown()
    servers = [s for s in spans.spans if s.kind is SpanKind.SERVER]
    assert [s.name for s in servers] == ["GET /echo"]
    assert len(spans.spans) == 2  # the server span and its client span, nothing per message
    assert global_spans.spans == ()


async def test_incoming_context_is_continued_and_propagated() -> None:
    spans = SpanCapture()
    app = build(spans, ratio=0.0)
    async with app_client(app) as client:
        response = await client.get(
            "/echo", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
        )
    server = next(s for s in spans.spans if s.kind is SpanKind.SERVER)
    client_span = next(s for s in spans.spans if s.kind is SpanKind.CLIENT)
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_ID
    assert client_span.parent is not None
    assert client_span.parent.span_id == server.context.span_id
    assert response.json() == {
        "sent": f"00-{TRACE_ID}-{format(client_span.context.span_id, '016x')}-01"
    }
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/echo"


async def test_unsampled_request_records_nothing_but_propagates_and_logs_its_trace_id() -> None:
    spans = SpanCapture()
    app = build(spans, ratio=0.0)
    async with app_client(app) as client:
        with capture_logs() as events:
            response = await client.get("/echo")
    assert spans.spans == ()
    version, trace_id, _, flags = response.json()["sent"].split("-")
    assert (version, flags) == ("00", "00")
    [access] = [e for e in events if e["logger"] == "hop.access"]
    assert access["trace_id"] == trace_id


async def test_sampled_flag_from_an_untrusted_client_does_not_force_recording() -> None:
    spans = SpanCapture()
    app = build(spans, ratio=0.0, trusted=("10.0.0.0/8",))  # the test client is 127.0.0.1
    async with app_client(app) as client:
        for _ in range(20):
            response = await client.get(
                "/echo", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
            )
    assert spans.spans == ()
    version, trace_id, _, flags = response.json()["sent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "00")  # the trace id still flows


async def test_untrusted_client_parent_is_sampled_by_the_ratio_keeping_its_trace() -> None:
    spans = SpanCapture()
    app = build(spans, ratio=1.0, trusted=())
    async with app_client(app) as client:
        await client.get("/echo", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"})
    server = next(s for s in spans.spans if s.kind is SpanKind.SERVER)
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_ID


async def test_unsampled_parent_is_respected() -> None:
    spans = SpanCapture()
    app = build(spans, ratio=1.0)
    async with app_client(app) as client:
        response = await client.get(
            "/echo", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"}
        )
    assert spans.spans == ()
    assert response.json()["sent"].startswith(f"00-{TRACE_ID}-")


async def test_sampling_ratio_applies_to_new_traces() -> None:
    spans = SpanCapture()
    app = create_app(
        make_test_settings(ServiceSettings, trace_sample_ratio=0.25),
        span_processors=(spans.processor,),
    )

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    async with app_client(app) as client:
        for _ in range(800):
            await client.get("/ping")
    assert 120 <= len(spans.spans) <= 280  # 200 expected; bounds are > 5 sigma wide


async def test_sampled_request_leaves_an_exemplar_with_its_trace_id() -> None:
    spans = SpanCapture()
    app = build(spans)
    async with app_client(app) as client:
        await client.get("/echo")
    [server] = [s for s in spans.spans if s.kind is SpanKind.SERVER]
    body, content_type = get_instrumentation(app).metrics.render("application/openmetrics-text")
    assert content_type.startswith("application/openmetrics-text")
    assert f'# {{trace_id="{format(server.context.trace_id, "032x")}"}}' in body.decode()


async def test_failing_endpoint_answers_json_500_and_marks_the_span() -> None:
    spans = SpanCapture()
    app = create_app(make_test_settings(ServiceSettings), span_processors=(spans.processor,))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaboom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal server error; the error was logged with this request's trace id."
    }
    [server] = spans.spans
    assert server.status.status_code.name == "ERROR"
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 500


async def test_sqlalchemy_engine_emits_a_span_per_statement() -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from hop_instrumentation import configure_tracing, instrument_sqlalchemy

    spans = SpanCapture()
    provider = configure_tracing(make_test_settings(ServiceSettings), processors=(spans.processor,))
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    instrument_sqlalchemy(engine, tracer_provider=provider)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    await engine.dispose()
    names = [span.name for span in spans.spans]
    assert names[-1] == "request"
    assert any(name.startswith("SELECT") for name in names)


async def test_sqlalchemy_spans_carry_the_current_database_attribute_names() -> None:
    # The duration metric reads db_system_name/db_operation_name: the spans say the same.
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from hop_instrumentation import configure_tracing, instrument_sqlalchemy

    spans = SpanCapture()
    provider = configure_tracing(make_test_settings(ServiceSettings), processors=(spans.processor,))
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    instrument_sqlalchemy(engine, tracer_provider=provider)
    with provider.get_tracer("test").start_as_current_span("request"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    await engine.dispose()
    [select] = [span for span in spans.spans if span.name.startswith("SELECT")]
    attributes = dict(select.attributes or {})
    assert attributes["db.system.name"] == "sqlite"
    assert attributes["db.query.text"] == "SELECT 1"
    assert attributes["db.operation.name"] == "SELECT"
    assert not {"db.system", "db.statement", "db.operation", "db.name"} & set(attributes)


def test_db_span_attributes_name_the_system_query_operation_and_collection() -> None:
    from hop_instrumentation.database import db_span_attributes

    statement = "SELECT uid FROM links WHERE code = $1"
    assert db_span_attributes("postgresql", statement, collection="links") == {
        "db.system.name": "postgresql",
        "db.query.text": statement,
        "db.operation.name": "SELECT",
        "db.collection.name": "links",
    }
    assert db_span_attributes("sqlite", "PRAGMA foreign_keys=ON") == {
        "db.system.name": "sqlite",
        "db.query.text": "PRAGMA foreign_keys=ON",
    }


def test_span_linked_to_a_sampled_span_is_sampled_whatever_its_parent_and_the_ratio() -> None:
    # analytics' ingest span links the traces of the clicks it stores: with the ratio alone
    # (1% in production) only 1% of sampled clicks could be followed into ingestion.
    spans = SpanCapture()
    app = create_app(
        make_test_settings(ServiceSettings, trace_sample_ratio=0.0),
        span_processors=(spans.processor,),
    )
    tracer = get_instrumentation(app).tracer_provider.get_tracer("test")
    sampled = trace.SpanContext(
        int(TRACE_ID, 16), int(PARENT_ID, 16), True, trace.TraceFlags(trace.TraceFlags.SAMPLED)
    )
    unsampled = trace.SpanContext(int(TRACE_ID, 16), int(PARENT_ID, 16), True)
    unsampled_parent = trace.set_span_in_context(trace.NonRecordingSpan(unsampled))
    for context in (None, unsampled_parent):
        with tracer.start_as_current_span("linked", context, links=[trace.Link(sampled)]):
            pass
        with tracer.start_as_current_span("unlinked", context, links=[trace.Link(unsampled)]):
            pass
    assert [span.name for span in spans.spans] == ["linked", "linked"]


async def test_client_span_error_semantics_4xx_5xx_and_no_answer() -> None:
    spans = SpanCapture()
    provider = TracerProvider()
    provider.add_span_processor(spans.processor)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(int(request.url.path.strip("/")))

    parent = trace.NonRecordingSpan(
        trace.SpanContext(
            int(TRACE_ID, 16), int(PARENT_ID, 16), True, trace.TraceFlags(trace.TraceFlags.SAMPLED)
        )
    )
    client = create_http_client(
        "http://peer", tracer_provider=provider, transport=httpx.MockTransport(answer)
    )
    async with client:
        with trace.use_span(parent):
            for path in ("/200", "/404", "/503"):
                await client.get(path)
            with pytest.raises(httpx.ConnectError):
                await client.get("/down")
    outcomes = [
        (s.status.status_code.name, (s.attributes or {}).get("error.type")) for s in spans.spans
    ]
    assert outcomes == [
        ("UNSET", None),
        ("ERROR", "404"),
        ("ERROR", "503"),
        ("ERROR", "httpx.ConnectError"),
    ]


async def test_client_requests_are_timed_with_status_and_error_type_sampled_or_not() -> None:
    from prometheus_client import CollectorRegistry

    from hop_instrumentation.metrics import CLIENT_REQUEST_DURATION, HttpClientMetrics

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(int(request.url.path.strip("/")))

    registry = CollectorRegistry()
    client = create_http_client(
        "http://peer:8001",
        tracer_provider=TracerProvider(),
        transport=httpx.MockTransport(answer),
        metrics=HttpClientMetrics(registry, multiprocess=False),
    )
    async with client:
        for path in ("/200", "/200", "/404", "/503"):
            await client.get(path)
        with pytest.raises(httpx.ConnectError):
            await client.post("/down")
    peer = {"server_address": "peer", "server_port": "8001"}
    counts = {
        (labels["http_request_method"], labels["http_response_status_code"], labels["error_type"])
        for labels in (
            s.labels
            for family in registry.collect()
            for s in family.samples
            if s.name == f"{CLIENT_REQUEST_DURATION}_count"
            and s.labels["server_address"] == peer["server_address"]
            and s.labels["server_port"] == peer["server_port"]
        )
    }
    assert counts == {
        ("GET", "200", ""),
        ("GET", "404", "404"),
        ("GET", "503", "503"),
        ("POST", "", "httpx.ConnectError"),
    }
    ok = {
        **peer,
        "http_request_method": "GET",
        "http_response_status_code": "200",
        "error_type": "",
    }
    assert metric_value(registry, f"{CLIENT_REQUEST_DURATION}_count", ok) == 2
