"""Parent-based ratio sampling whose unsampled path skips the SDK entirely.

The SDK's ``start_span`` costs several microseconds even when its sampler drops the
span (context lookups, two sampler calls, id generation, attribute handling). The
middleware makes the same decision itself for new traces and for unsampled parents,
and builds a `NonRecordingSpan` directly: trace context still propagates and lands in
the logs, at a fraction of the cost. Only sampled requests reach the SDK, with a
context flag that tells `DecidedRootSampler` the ratio was already applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from random import getrandbits
from typing import Any, Final

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags, TraceState
from opentelemetry.util.types import Attributes

_DECIDED: Final = otel_context.create_key("hop.sampled-root")
_DECIDED_CONTEXT: Final = otel_context.set_value(_DECIDED, True, otel_context.Context())
_LOW_64: Final = (1 << 64) - 1
_UNSAMPLED: Final = TraceFlags(TraceFlags.DEFAULT)
_EMPTY_STATE: Final = TraceState()


class DecidedRootSampler(Sampler):
    """Sample a root span the middleware already chose; apply the ratio to any other root."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Return RECORD_AND_SAMPLE for pre-decided roots, else the ratio's decision."""
        if parent_context is not None and otel_context.get_value(_DECIDED, parent_context):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, trace_state)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        """Describe the sampler as the SDK's own would."""
        return f"DecidedRoot{{{self._ratio.get_description()}}}"


class LinkedSampler(Sampler):
    """Sample a span linked to a sampled span; leave any other span to ``decide``.

    A span that gathers work from other traces (analytics' ingest span links the clicks'
    traces) is worth keeping whenever one of them was kept, or a sampled click cannot be
    followed into ingestion; the parent's decision (or the ratio) alone would drop it.
    """

    def __init__(self, decide: Sampler) -> None:
        self._decide = decide

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Return RECORD_AND_SAMPLE when a link is sampled, else ``decide``'s decision."""
        if links and any(link.context.trace_flags.sampled for link in links):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, trace_state)
        return self._decide.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        """Describe the sampler and the one it defers to."""
        return f"Linked{{{self._decide.get_description()}}}"


def parent_based_ratio(ratio: float) -> Sampler:
    """Return hop's sampler: a sampled link or the parent's decision, else ``ratio`` of roots."""
    return LinkedSampler(ParentBased(DecidedRootSampler(ratio)))


class RootSampling:
    """Start server spans: through the SDK when sampled, as a bare span context otherwise."""

    def __init__(
        self,
        ratio: float,
        *,
        trusted: Sequence[IPv4Network | IPv6Network] = (),
        internal_port: int | None = None,
    ) -> None:
        # Same rule as TraceIdRatioBased: sample when the low 64 bits fall under the bound.
        self._bound = round(ratio * (_LOW_64 + 1))
        self._trusted = tuple(trusted)
        self._internal_port = internal_port

    def start_span(
        self,
        tracer: trace.Tracer,
        method: str,
        path: str,
        parent: otel_context.Context | None,
        scope: Mapping[str, Any] | None = None,
    ) -> trace.Span:
        """Return the request's server span, recording only if the request is sampled.

        A parent's sampling decision counts only if ``scope`` comes from a trusted peer.
        """
        if parent is not None:
            parent_span = trace.get_current_span(parent).get_span_context()
            if parent_span.is_valid:
                if scope is not None and not self.trusts(scope):
                    return self._untrusted_child(tracer, method, path, parent_span)
                if parent_span.trace_flags.sampled:
                    return _sdk_span(tracer, method, path, parent)
                return _bare_span(parent_span.trace_id, parent_span.trace_state)
        return self.start_root_span(tracer, method, path)

    def trusts(self, scope: Mapping[str, Any]) -> bool:
        """Tell whether the request's peer may decide sampling for hop."""
        server = scope.get("server")
        if server and server[1] == self._internal_port:
            return True
        client = scope.get("client")
        if not client or not self._trusted:
            return False
        try:
            address = ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self._trusted)

    def _untrusted_child(
        self, tracer: trace.Tracer, method: str, path: str, parent: SpanContext
    ) -> trace.Span:
        if (parent.trace_id & _LOW_64) >= self._bound:
            return _bare_span(parent.trace_id, parent.trace_state)
        sampled = SpanContext(
            parent.trace_id,
            parent.span_id,
            True,
            TraceFlags(TraceFlags.SAMPLED),
            parent.trace_state,
        )
        context = trace.set_span_in_context(trace.NonRecordingSpan(sampled))
        return _sdk_span(tracer, method, path, context)

    def start_root_span(self, tracer: trace.Tracer, method: str, path: str) -> trace.Span:
        """Return the server span of a request that starts a new trace."""
        trace_id = getrandbits(128) or 1
        if (trace_id & _LOW_64) < self._bound:
            return _sdk_span(tracer, method, path, _DECIDED_CONTEXT)
        context = SpanContext(trace_id, getrandbits(64) or 1, False, _UNSAMPLED, _EMPTY_STATE)
        return trace.NonRecordingSpan(context)


def _sdk_span(
    tracer: trace.Tracer, method: str, path: str, context: otel_context.Context
) -> trace.Span:
    name = method if method != "_OTHER" else "HTTP"
    attributes = {"http.request.method": method, "url.path": path}
    return tracer.start_span(name, context, trace.SpanKind.SERVER, attributes)


def _bare_span(trace_id: int, state: TraceState) -> trace.Span:
    context = SpanContext(trace_id, getrandbits(64) or 1, False, _UNSAMPLED, state)
    return trace.NonRecordingSpan(context)
