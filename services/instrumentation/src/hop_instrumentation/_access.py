"""Access events in JSON mode: queued on the request path, rendered in batches off it.

The request path appends one tuple to a deque (tens of nanoseconds); the log writer's
flush (every 200 ms, on warnings, at shutdown) renders the queued events as the JSON
formatter would and writes them in one go. An event's timestamp is its request's, so
a line may land up to 200 ms after lines logged later; log stores order by timestamp.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Final

import orjson
from opentelemetry import trace
from opentelemetry.trace import SpanContext

from hop_instrumentation._output import LineWriter

ACCESS_LOGGER: Final = "hop.access"
#: Render inline past this many queued events (a stalled flush thread must not grow memory).
_MAX_PENDING: Final = 8192

#: Only atomic values (no span objects): the garbage collector stops tracking such tuples,
#: so events waiting for the next flush cost the collector nothing.
Event = tuple[float, str, str, int, str, float, int, int, bool]


class AccessWriter:
    """Queue access events and render them as JSON lines when the writer flushes."""

    def __init__(self, writer: LineWriter, static: dict[str, str]) -> None:
        self._writer = writer
        self._static = static
        self._pending: deque[Event] = deque()
        writer.before_flush = self.drain

    def write(
        self,
        method: str,
        route: str,
        status: int,
        path: str,
        duration: float,
        context: SpanContext | None,
    ) -> None:
        """Queue one event; ``context`` defaults to the current span's."""
        if context is None:
            context = trace.get_current_span().get_span_context()
        trace_id, span_id = (context.trace_id, context.span_id) if context.is_valid else (0, 0)
        sampled = context.trace_flags.sampled
        pending = self._pending
        pending.append(
            (time.time(), method, route, status, path, duration, trace_id, span_id, sampled)
        )
        if len(pending) >= _MAX_PENDING:
            self.drain()

    def drain(self) -> None:
        """Render and write every queued event (safe from any thread)."""
        pending, write, static = self._pending, self._writer.write, self._static
        while pending:
            try:
                created, method, route, status, path, duration, trace_id, span_id, sampled = (
                    pending.popleft()
                )
            except IndexError:  # another thread drained it meanwhile
                return
            event = {
                "timestamp": timestamp(created),
                "level": "info",
                "logger": ACCESS_LOGGER,
                "message": f"{method} {route} {status}",
                **static,
                "trace_id": f"{trace_id:032x}" if trace_id else None,
                "span_id": f"{span_id:016x}" if span_id else None,
                "trace_sampled": sampled if trace_id else None,
                "http_request_method": method,
                "http_route": route,
                "http_response_status_code": status,
                "url_path": path,
                "duration_ms": round(duration * 1000, 3),
            }
            write(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))


_second_cache: dict[int, str] = {}


def timestamp(created: float) -> str:
    """Return ``created`` as an RFC 3339 UTC timestamp with milliseconds."""
    whole = int(created)
    second = _second_cache.get(whole)
    if second is None:
        if len(_second_cache) > 16:
            _second_cache.clear()
        second = _second_cache[whole] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{second}.{int((created - whole) * 1000):03d}Z"
