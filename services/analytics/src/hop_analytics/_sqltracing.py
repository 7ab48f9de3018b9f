"""Spans per SQL statement; a local stand-in for `hop_instrumentation.instrument_sqlalchemy`.

The shared helper passes ``connections_usage=None`` to the contrib ``EngineTracer``,
which then fails on every new pool connection (``'NoneType' object has no attribute
'add'``). This passes a no-op counter instead; drop it once the shared helper does.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.metrics import NoOpMeter

__all__ = ["trace_sql"]


def trace_sql(engine: Any, *, tracer_provider: trace.TracerProvider) -> None:
    """Emit a span per SQL statement of an async SQLAlchemy engine."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = NoOpMeter("hop_analytics").create_up_down_counter("db.client.connections.usage")
    EngineTracer(  # type: ignore[no-untyped-call]
        tracer_provider.get_tracer("hop_instrumentation"), engine.sync_engine, usage
    )
