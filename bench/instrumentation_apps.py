"""The four apps `bench/instrumentation.py` compares: one JSON endpoint, differently observed."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from hop_instrumentation import ServiceSettings, create_app, load_settings

items = APIRouter(prefix="/items")
_NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


@items.get("/{item_id}")
async def get_item(item_id: int) -> dict[str, object]:
    return {"item_id": item_id, "name": "widget", "tags": ["a", "b"]}


class DiscardingExporter(SpanExporter):
    """Accept spans and drop them: the cost measured is recording, not shipping."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def plain() -> FastAPI:
    app = FastAPI(telemetry=_NO_TELEMETRY)  # type: ignore[arg-type]
    app.include_router(items)
    return app


def hop() -> FastAPI:
    app = create_app(load_settings(ServiceSettings, service_name="bench"))
    app.include_router(items)
    return app


def hop_serving_only() -> FastAPI:
    """Serve through hop's serving (one write per response) without its middleware."""
    app = hop()
    app.user_middleware.clear()
    return app


def prometheus_instrumentator() -> FastAPI:
    from prometheus_fastapi_instrumentator import Instrumentator

    app = plain()
    Instrumentator().instrument(app).expose(app)
    return app


def otel_contrib() -> FastAPI:
    from opentelemetry import trace
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DiscardingExporter()))
    trace.set_tracer_provider(provider)
    app = FastAPI()
    app.include_router(items)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    return app
