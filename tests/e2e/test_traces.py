"""One click is one trace: edge -> redirect -> links share it; analytics' ingestion links to it."""

from __future__ import annotations

import pytest
from hop_e2e_flow import Clicks, click, create_link
from hop_e2e_otlp import OtlpReceiver, ReceivedSpan
from hop_e2e_stack import RunningStack
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from hop_contracts import RESOLVE_BATCH_PATH
from hop_instrumentation.testing import eventually

pytestmark = pytest.mark.process


def _redirect_root(otlp: OtlpReceiver, code: str) -> ReceivedSpan | None:
    """Return redirect's server span of the first click on ``code`` (a cache miss)."""
    # The miss's call to links (in a batch its URL names no code) is a client span under it.
    spans = otlp.spans
    calling = {s.parent_span_id for s in spans
               if s.service == "redirect" and s.kind == Span.SPAN_KIND_CLIENT}  # fmt: skip
    for span in spans:
        if (span.service == "redirect" and span.kind == Span.SPAN_KIND_SERVER
                and span.attributes.get("url.path") == f"/{code}"
                and span.span_id in calling):  # fmt: skip
            return span
    return None


def _trace(otlp: OtlpReceiver, trace_id: str) -> list[ReceivedSpan]:
    return [span for span in otlp.spans if span.trace_id == trace_id]


def _click_new_link(hop: RunningStack, otlp: OtlpReceiver) -> tuple[str, ReceivedSpan]:
    """Click a new link once (a cache miss); return its code and redirect's server span."""
    code = create_link(hop)["code"]
    click(hop, code, Clicks(humans=1, bots=0))
    root = eventually(lambda: _redirect_root(otlp, code), lambda span: span is not None)
    assert root is not None
    return code, root


def test_cache_miss_click_is_one_trace_across_the_services(
    hop: RunningStack, otlp: OtlpReceiver
) -> None:
    _, root = _click_new_link(hop, otlp)
    trace = eventually(
        lambda: _trace(otlp, root.trace_id),
        lambda spans: {s.service for s in spans} >= {"edge", "links"},
    )
    by_id = {span.span_id: span for span in trace}
    client = next(s for s in trace if s.parent_span_id == root.span_id)
    links_server = next(
        s for s in trace if s.service == "links" and s.kind == Span.SPAN_KIND_SERVER
    )
    (top,) = [s for s in trace if not s.parent_span_id]
    assert (top.service, top.kind) == ("edge", Span.SPAN_KIND_SERVER)
    assert by_id[root.parent_span_id].service == "edge"
    assert (client.service, client.kind) == ("redirect", Span.SPAN_KIND_CLIENT)
    assert links_server.parent_span_id == client.span_id
    assert all(by_id[s.parent_span_id] for s in trace if s.parent_span_id)
    ingestion = eventually(
        lambda: [
            s
            for s in otlp.spans
            if s.service == "analytics" and (root.trace_id, root.span_id) in s.links
        ],
        bool,
    )
    assert [span.name for span in ingestion] == ["ingest clicks"]


def _access_event(
    hop: RunningStack, service: str, paths: tuple[str, ...], *, trace_id: str | None = None
) -> dict[str, object] | None:
    events = (e for e in hop.log_events(service) if e.get("url_path") in paths)
    return next((e for e in events if trace_id in (None, e.get("trace_id"))), None)


def test_request_logs_carry_the_trace_id_of_its_spans(
    hop: RunningStack, otlp: OtlpReceiver
) -> None:
    code, root = _click_new_link(hop, otlp)
    links_server = eventually(
        lambda: [
            s
            for s in _trace(otlp, root.trace_id)
            if s.service == "links" and s.kind == Span.SPAN_KIND_SERVER
        ],
        bool,
    )[0]
    redirect_log = eventually(lambda: _access_event(hop, "redirect", (f"/{code}",)), bool)
    # A lone miss asks the one-code route, concurrent ones share a batch (hop_redirect.batching).
    resolves = (f"/internal/v1/links/{code}", RESOLVE_BATCH_PATH)
    links_log = eventually(
        lambda: _access_event(hop, "links", resolves, trace_id=root.trace_id), bool
    )
    assert redirect_log is not None
    assert links_log is not None
    assert (redirect_log["trace_id"], redirect_log["span_id"]) == (root.trace_id, root.span_id)
    assert (links_log["trace_id"], links_log["span_id"]) == (root.trace_id, links_server.span_id)
