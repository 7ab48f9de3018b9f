"""Conformance with opentelemetry-instrumentation-fastapi: users lose nothing by hop's middleware.

The same requests go, over real HTTP on loopback (uvicorn), through one FastAPI app
instrumented by the upstream instrumentation (stable HTTP semantic conventions,
in-memory span exporter and metric reader) and through the same app built by
`create_app`. The server spans (name, kind, status, events, parent, attributes) and
the HTTP server duration metric (name, unit, attributes, bucket boundaries, counts)
are compared; every difference is pinned below and listed in the package README
("Conformance with the upstream instrumentation"), so a new one fails this test.
``HOP_TRACING_INSTRUMENTATION=upstream`` must leave no span difference at all.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from opentelemetry.instrumentation._semconv import _OpenTelemetrySemanticConventionStability
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Receive, Scope, Send

from hop_instrumentation import ServiceSettings, create_app, get_instrumentation
from hop_instrumentation.settings import SettingsError, TracingInstrumentation, load_settings
from hop_instrumentation.testing import (
    LOOPBACK,
    SpanCapture,
    app_client,
    capture_logs,
    free_port,
    make_test_settings,
    metric_value,
    wait_until_async,
)

TRACE_ID: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID: Final = "00f067aa0ba902b7"
USER_AGENT: Final = "conformance/1.0"
README: Final = Path(__file__).parents[1] / "README.md"
README_SECTION: Final = "## Conformance with the upstream instrumentation"
#: Attribute values that differ between two runs of the same request, not between the two
#: instrumentations: the ports of the two servers and of the client's connections.
PORT: Final = "<port>"


@dataclass(frozen=True)
class Case:
    """One request; its ``path`` is unique, so its span is found by ``url.path``."""

    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""
    sampled: bool = True


CASES: Final = (
    Case("matched", "GET", "/items/1"),
    Case("unmatched", "GET", "/nowhere"),
    Case("validation error", "GET", "/items/not-a-number"),
    Case("client error", "GET", "/teapot"),
    Case("server error", "GET", "/unavailable"),
    Case("exception", "GET", "/boom"),
    Case("streaming", "GET", "/stream"),
    Case("post", "POST", "/items"),
    Case("query string", "GET", "/items/2", query="colour=blue"),
    Case("sampled parent", "GET", "/items/3", {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}),
    Case(
        "unsampled parent",
        "GET",
        "/items/4",
        {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"},
        sampled=False,
    ),
    Case("unknown method", "PROPFIND", "/items/5"),
)
SAMPLED: Final = frozenset(case.name for case in CASES if case.sampled)

#: Span differences: (attribute or field, upstream's value, hop's value) -> the cases.
#: ``None`` is "absent". Each is explained in the README section under its name.
SPAN_DIFFERENCES: Final[dict[tuple[str, object, object], frozenset[str]]] = {
    ("client.address", LOOPBACK, None): SAMPLED,
    ("client.port", PORT, None): SAMPLED,
    ("server.address", f"{LOOPBACK}:{PORT}", LOOPBACK): SAMPLED,
    ("url.query", "colour=blue", None): frozenset({"query string"}),
}
#: Upstream's INTERNAL spans per ASGI message (``http send``, ``http receive``); hop has none.
INTERNAL_SPAN_NAMES: Final = frozenset({"http send", "http receive"})

#: Duration metric label differences: (label, upstream's value, hop's value).
METRIC_LABEL_DIFFERENCES: Final = frozenset(
    {
        ("url_scheme", "http", None),
        ("network_protocol_version", "1.1", None),
        ("error_type", "500", None),
        ("error_type", "503", None),
        ("http_route", None, "_unmatched"),
    }
)
#: hop's duration buckets are the advised ones plus these (sub-5 ms cached redirects).
EXTRA_BUCKETS: Final = frozenset({0.001, 0.0025})
ADVISED_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
#: Upstream OTel metrics hop does not export.
MISSING_METRICS: Final = frozenset(
    {"http.server.request.body.size", "http.server.response.body.size"}
)
#: Active requests: upstream's attributes that hop's gauge has no label for.
ACTIVE_LABEL_DIFFERENCES: Final = frozenset({"url_scheme"})


def add_routes(app: FastAPI) -> FastAPI:
    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.post("/items", status_code=201)
    async def create_item() -> dict[str, int]:
        return {"item_id": 1}

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "short and stout")

    @app.get("/unavailable")
    async def unavailable() -> None:
        raise HTTPException(503, "down for maintenance")

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in (b"one ", b"two ", b"three"):
                yield chunk

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


@dataclass
class Run:
    """What one instrumentation recorded for `CASES`."""

    spans: tuple[ReadableSpan, ...]
    statuses: dict[str, int]
    #: The duration histogram: name, unit, bucket boundaries, {labels: count}.
    duration_name: str = ""
    duration_unit: str = ""
    buckets: tuple[float, ...] = ()
    counts: dict[frozenset[tuple[str, str]], int] = field(default_factory=dict)
    active_labels: frozenset[str] = frozenset()
    metric_names: frozenset[str] = frozenset()

    def server_spans(self) -> dict[str, ReadableSpan]:
        by_path = {
            str((s.attributes or {})["url.path"]): s
            for s in self.spans
            if s.kind is SpanKind.SERVER
        }
        return {case.name: by_path[case.path] for case in CASES if case.path in by_path}


@pytest.fixture
def stable_semconv(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The upstream reads OTEL_SEMCONV_STABILITY_OPT_IN once per process; start it afresh.
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    monkeypatch.setattr(_OpenTelemetrySemanticConventionStability, "_initialized", False)
    monkeypatch.setattr(
        _OpenTelemetrySemanticConventionStability, "_OTEL_SEMCONV_STABILITY_SIGNAL_MAPPING", {}
    )
    yield
    monkeypatch.undo()


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Serve ``app`` with uvicorn on a loopback port; yield a client for it."""
    port = free_port()
    config = uvicorn.Config(
        app, host=LOOPBACK, port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()
        return server.started

    try:
        await wait_until_async(started, what="uvicorn serving the app")
        async with httpx.AsyncClient(
            base_url=f"http://{LOOPBACK}:{port}", headers={"user-agent": USER_AGENT}
        ) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def send_all(client: httpx.AsyncClient) -> dict[str, int]:
    statuses = {}
    for case in CASES:
        url = f"{case.path}?{case.query}" if case.query else case.path
        response = await client.request(case.method, url, headers=case.headers)
        statuses[case.name] = response.status_code
    return statuses


async def spans_of_all(spans: SpanCapture) -> None:
    # A server span ends after the last byte reached the client: wait for all of them.
    async def done() -> bool:
        return sum(s.kind is SpanKind.SERVER for s in spans.spans) == len(SAMPLED)

    await wait_until_async(done, what="a server span per sampled request")


def native_off(**options: Any) -> FastAPI:
    # FastAPI's own tracing into the global provider stays off, as `create_app` has it.
    off = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    return FastAPI(telemetry=off, **options)  # type: ignore[arg-type]


async def run_upstream() -> Run:
    """The reference: the upstream instrumentation, sampling everything, as documented."""
    spans = SpanCapture()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_ON))
    provider.add_span_processor(spans.processor)
    reader = InMemoryMetricReader()
    app = add_routes(native_off())
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    try:
        async with serving(app) as client:
            statuses = await send_all(client)
            await spans_of_all(spans)
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
    run = Run(spans=spans.spans, statuses=statuses)
    data = reader.get_metrics_data()
    assert data is not None
    metrics = [m for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics]
    run.metric_names = frozenset(m.name for m in metrics)
    for metric in metrics:
        if metric.name == "http.server.request.duration":
            run.duration_name, run.duration_unit = metric.name, metric.unit or ""
            for point in metric.data.data_points:
                assert isinstance(point, HistogramDataPoint)
                run.buckets = tuple(point.explicit_bounds)
                labels = frozenset(
                    (_prometheus_name(k), str(v)) for k, v in (point.attributes or {}).items()
                )
                run.counts[labels] = point.count
        elif metric.name == "http.server.active_requests":
            active = next(iter(metric.data.data_points))
            assert isinstance(active, NumberDataPoint)
            run.active_labels = frozenset(_prometheus_name(k) for k in active.attributes or {})
    return run


async def run_hop(instrumentation: TracingInstrumentation) -> Run:
    spans = SpanCapture()
    settings = make_test_settings(
        ServiceSettings, trace_sample_ratio=1.0, tracing_instrumentation=instrumentation
    )
    app = add_routes(create_app(settings, span_processors=(spans.processor,)))
    hop = get_instrumentation(app)
    try:
        async with serving(hop.api_app) as client:
            statuses = await send_all(client)
            await spans_of_all(spans)
            body, _ = hop.metrics.render(None)
    finally:
        if instrumentation is TracingInstrumentation.UPSTREAM:
            FastAPIInstrumentor.uninstrument_app(app)
    run = Run(spans=spans.spans, statuses=statuses)
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "http_server_request_duration_seconds":
            run.duration_name, run.duration_unit = family.name, family.unit or "seconds"
            bounds = set()
            for sample in family.samples:
                labels = dict(sample.labels)
                if sample.name.endswith("_bucket"):
                    bounds.add(float(labels["le"]))
                elif sample.name.endswith("_count"):
                    run.counts[frozenset(labels.items())] = int(sample.value)
            run.buckets = tuple(sorted(b for b in bounds if b != float("inf")))
        elif family.name == "http_server_active_requests":
            run.active_labels = frozenset(family.samples[0].labels)
    return run


def _prometheus_name(attribute: str) -> str:
    return attribute.replace(".", "_")


def _normalise(key: str, value: object) -> object:
    """Hide the ports, which differ between runs (two servers, new client connections)."""
    if key in ("client.port", "server.port"):
        return PORT
    if key == "server.address" and isinstance(value, str):
        return re.sub(r":\d+$", f":{PORT}", value)
    return value


def _span_view(span: ReadableSpan) -> dict[str, object]:
    view: dict[str, object] = {
        "name": span.name,
        "kind": span.kind.name,
        "status.code": span.status.status_code.name,
        "status.description": span.status.description,
        "events": tuple(event.name for event in span.events),
        "trace_id": format(span.context.trace_id, "032x") if span.parent else "<new>",
        "parent": format(span.parent.span_id, "016x") if span.parent else None,
    }
    for key, value in (span.attributes or {}).items():
        view[key] = _normalise(key, value)
    return view


def span_differences(reference: Run, other: Run) -> dict[tuple[str, object, object], set[str]]:
    """Return (field, reference value, other value) -> cases, over the server spans."""
    differences: dict[tuple[str, object, object], set[str]] = {}
    theirs, ours = reference.server_spans(), other.server_spans()
    assert set(theirs) == set(ours) == SAMPLED
    for case in sorted(SAMPLED):
        a, b = _span_view(theirs[case]), _span_view(ours[case])
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                differences.setdefault((key, a.get(key), b.get(key)), set()).add(case)
    return differences


def metric_label_differences(reference: Run, other: Run) -> set[tuple[str, str | None, str | None]]:
    """Pair each series by method and status; return the labels that differ."""

    def key(labels: frozenset[tuple[str, str]]) -> tuple[str, str, str]:
        found = dict(labels)
        return (
            found["http_request_method"],
            found["http_response_status_code"],
            found.get("http_route", "_unmatched"),
        )

    theirs = {key(labels): (dict(labels), n) for labels, n in reference.counts.items()}
    ours = {key(labels): (dict(labels), n) for labels, n in other.counts.items()}
    assert theirs.keys() == ours.keys()
    differences = set()
    for series, (a, count_a) in theirs.items():
        b, count_b = ours[series]
        assert count_a == count_b, series  # every request counted once in both, sampled or not
        for label in a.keys() | b.keys():
            if a.get(label) != b.get(label):
                differences.add((label, a.get(label), b.get(label)))
    return differences


@pytest.fixture
async def upstream(stable_semconv: None) -> Run:
    return await run_upstream()


async def test_the_same_requests_answer_the_same(upstream: Run) -> None:
    hop = await run_hop(TracingInstrumentation.HOP)
    assert hop.statuses == upstream.statuses
    assert upstream.statuses["exception"] == 500
    assert upstream.statuses["unknown method"] == 405


async def test_hop_spans_differ_from_upstream_only_as_documented(upstream: Run) -> None:
    hop = await run_hop(TracingInstrumentation.HOP)
    differences = {k: frozenset(v) for k, v in span_differences(upstream, hop).items()}
    assert differences == SPAN_DIFFERENCES
    internal = {
        " ".join(s.name.split()[-2:]) for s in upstream.spans if s.kind is SpanKind.INTERNAL
    }
    assert internal == INTERNAL_SPAN_NAMES
    assert [s for s in hop.spans if s.kind is not SpanKind.SERVER] == []


async def test_hop_spans_follow_the_stable_conventions(upstream: Run) -> None:
    # What both record, checked against the conventions rather than against each other.
    hop = (await run_hop(TracingInstrumentation.HOP)).server_spans()
    matched = _span_view(hop["matched"])
    assert matched["name"] == "GET /items/{item_id}"
    assert matched["kind"] == "SERVER"
    assert matched["status.code"] == "UNSET"
    for name, value in {
        "http.request.method": "GET",
        "url.path": "/items/1",
        "url.scheme": "http",
        "http.route": "/items/{item_id}",
        "http.response.status_code": 200,
        "server.address": LOOPBACK,
        "network.protocol.version": "1.1",
        "user_agent.original": USER_AGENT,
    }.items():
        assert matched[name] == value, name
    assert matched["server.port"] == PORT  # the one the client connected to, in the Host header
    unmatched = _span_view(hop["unmatched"])
    assert unmatched["name"] == "GET"
    assert "http.route" not in unmatched
    assert _span_view(hop["client error"])["status.code"] == "UNSET"  # 4xx: the client's fault
    server_error = _span_view(hop["server error"])
    assert (server_error["status.code"], server_error["error.type"]) == ("ERROR", "503")
    exception = _span_view(hop["exception"])
    assert (exception["status.code"], exception["error.type"]) == ("ERROR", "500")
    assert exception["events"] == ("exception",)
    unknown = _span_view(hop["unknown method"])
    assert unknown["name"] == "HTTP /items/{item_id}"
    assert (unknown["http.request.method"], unknown["http.request.method_original"]) == (
        "_OTHER",
        "PROPFIND",
    )
    parented = _span_view(hop["sampled parent"])
    assert (parented["trace_id"], parented["parent"]) == (TRACE_ID, PARENT_ID)


async def test_the_duration_metric_differs_only_as_documented(upstream: Run) -> None:
    hop = await run_hop(TracingInstrumentation.HOP)
    # OTel's Prometheus naming: dots to underscores, the unit ("s") as a "_seconds" suffix.
    assert (upstream.duration_name, upstream.duration_unit) == ("http.server.request.duration", "s")
    assert (hop.duration_name, hop.duration_unit) == (
        "http_server_request_duration_seconds",
        "seconds",
    )
    assert _prometheus_name(upstream.duration_name) + "_seconds" == hop.duration_name
    assert upstream.buckets == ADVISED_BUCKETS
    assert set(hop.buckets) - set(upstream.buckets) == EXTRA_BUCKETS
    assert set(upstream.buckets) <= set(hop.buckets)
    assert metric_label_differences(upstream, hop) == METRIC_LABEL_DIFFERENCES
    assert sum(upstream.counts.values()) == sum(hop.counts.values()) == len(CASES)
    assert upstream.active_labels - hop.active_labels == ACTIVE_LABEL_DIFFERENCES
    assert hop.active_labels <= upstream.active_labels
    hop_names = {"http.server.request.duration", "http.server.active_requests"}
    assert upstream.metric_names - hop_names == MISSING_METRICS


async def test_upstream_setting_gives_the_upstream_spans_and_hop_metrics(upstream: Run) -> None:
    hop = await run_hop(TracingInstrumentation.HOP)
    with capture_logs() as logs:
        chosen = await run_hop(TracingInstrumentation.UPSTREAM)
    assert span_differences(upstream, chosen) == {}
    internal = {s.name for s in chosen.spans if s.kind is SpanKind.INTERNAL}
    assert internal == {s.name for s in upstream.spans if s.kind is SpanKind.INTERNAL}
    assert chosen.statuses == upstream.statuses
    # Metrics stay hop's, the same series whoever makes the spans.
    assert chosen.counts == hop.counts
    assert chosen.buckets == hop.buckets
    # The access log carries the upstream span's trace context.
    spans = chosen.server_spans()
    access = {e["url_path"]: e for e in logs if e.get("logger") == "hop.access"}
    for case in CASES:
        event = access[case.path]
        if case.sampled:
            context = spans[case.name].context
            assert event["trace_id"] == format(context.trace_id, "032x"), case.name
            assert event["span_id"] == format(context.span_id, "016x"), case.name
        else:
            assert event["trace_id"] == TRACE_ID
        # Only a sampled trace id leads to a stored trace: the log says which it is.
        assert event["trace_sampled"] is case.sampled, case.name


async def test_upstream_setting_leaves_hop_spans_to_a_front_app(stable_semconv: None) -> None:
    # A pure ASGI front answers before FastAPI: the upstream never sees its requests.
    spans = SpanCapture()
    settings = make_test_settings(
        ServiceSettings,
        trace_sample_ratio=1.0,
        tracing_instrumentation=TracingInstrumentation.UPSTREAM,
    )
    app = create_app(settings, span_processors=(spans.processor,))
    hop = get_instrumentation(app)

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/fast":
            await app(scope, receive, send)
            return
        opened = hop.observer.start(scope)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        hop.observer.finish(scope, opened, "/fast", 204)

    hop.front = front
    try:
        async with app_client(app) as client:
            assert (await client.get("/fast")).status_code == 204
            assert (await client.get("/nowhere")).status_code == 404
            registry = hop.metrics.registry
            assert metric_value(registry, "http_server_request_duration_seconds_count") == 2
            exposition, _ = hop.metrics.render("application/openmetrics-text")
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
    servers = {
        s.name: s.instrumentation_scope.name if s.instrumentation_scope else None
        for s in spans.spans
        if s.kind is SpanKind.SERVER
    }
    assert servers == {
        "GET /fast": "hop_instrumentation",
        "GET": "opentelemetry.instrumentation.fastapi",
    }
    # Both kinds of span give the duration metric its exemplar.
    for span in spans.spans:
        if span.kind is SpanKind.SERVER:
            assert f'trace_id="{span.context.trace_id:032x}"'.encode() in exposition, span.name


async def test_upstream_setting_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.fastapi", None)
    settings = make_test_settings(
        ServiceSettings, tracing_instrumentation=TracingInstrumentation.UPSTREAM
    )
    with pytest.raises(RuntimeError, match=r"hop-instrumentation\[upstream\]"):
        create_app(settings)


def test_every_difference_is_listed_in_the_readme() -> None:
    names = {
        *(key for key, _, _ in SPAN_DIFFERENCES),
        *INTERNAL_SPAN_NAMES,
        *(label for label, _, _ in METRIC_LABEL_DIFFERENCES),
        *(str(bound) for bound in EXTRA_BUCKETS),
        *MISSING_METRICS,
        *ACTIVE_LABEL_DIFFERENCES,
    }
    text = README.read_text()
    assert README_SECTION in text
    section = text.split(README_SECTION, 1)[1].split("\n## ", 1)[0]
    assert sorted(name for name in names if f"`{name}`" not in section) == []


@pytest.mark.parametrize(
    ("host", "address", "port"),
    [
        ("hop.example", "hop.example", 80),
        ("hop.example:8443", "hop.example", 8443),
        ("[::1]:8443", "::1", 8443),
        ("[::1]", "::1", 80),
    ],
)
async def test_server_address_and_port_come_from_the_host_header(
    host: str, address: str, port: int
) -> None:
    spans = SpanCapture()
    settings = make_test_settings(ServiceSettings, trace_sample_ratio=1.0)
    app = add_routes(create_app(settings, span_processors=(spans.processor,)))
    async with app_client(app) as client:
        assert (await client.get("/items/1", headers={"host": host})).status_code == 200
    (span,) = spans.spans
    assert span.attributes is not None
    assert (span.attributes["server.address"], span.attributes["server.port"]) == (address, port)


def test_the_setting_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_TRACING_INSTRUMENTATION", "upstream")
    settings = load_settings(ServiceSettings)
    assert settings.tracing_instrumentation is TracingInstrumentation.UPSTREAM
    monkeypatch.setenv("HOP_TRACING_INSTRUMENTATION", "contrib")
    with pytest.raises(SettingsError, match=r"HOP_TRACING_INSTRUMENTATION: .*'hop' or 'upstream'"):
        load_settings(ServiceSettings)
