from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from hop_instrumentation import ServiceSettings, create_app, get_instrumentation
from hop_instrumentation.testing import (
    SpanCapture,
    app_client,
    capture_logs,
    make_test_settings,
    management_client,
    metric_value,
)


class Thing(BaseModel):
    size: int


def build(spans: SpanCapture | None = None, **overrides: object) -> FastAPI:
    settings = make_test_settings(ServiceSettings, service_name="sample", **overrides)
    processors = (spans.processor,) if spans else ()
    app = create_app(settings, span_processors=processors)
    router = APIRouter(prefix="/things")

    @router.get("/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        return {"thing_id": thing_id}

    @router.post("")
    async def create_thing(thing: Thing) -> Thing:
        return thing

    app.include_router(router, prefix="/api")
    return app


async def test_request_is_counted_under_its_route_template() -> None:
    app = build()
    async with app_client(app) as client:
        response = await client.get("/api/things/7")
    assert response.status_code == 200
    assert response.json() == {"thing_id": 7}
    registry = get_instrumentation(app).metrics.registry
    labels = {"http_route": "/api/things/{thing_id}", "http_response_status_code": "200"}
    assert metric_value(registry, "http_server_request_duration_seconds_count", labels) == 1


async def test_request_yields_one_server_span_and_one_access_event() -> None:
    spans = SpanCapture()
    app = build(spans)
    async with app_client(app) as client:
        with capture_logs() as events:
            await client.get("/api/things/7")
    [span] = spans.spans
    assert span.name == "GET /api/things/{thing_id}"
    [access] = [e for e in events if e["logger"] == "hop.access"]
    assert access["http_route"] == "/api/things/{thing_id}"
    assert access["trace_id"] == format(span.context.trace_id, "032x")


async def test_readyz_passes_after_startup() -> None:
    app = build()
    async with app_client(app), management_client(app) as management:
        response = await management.get("/readyz")
    assert (response.status_code, response.text) == (200, "ok\n")


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("1e400", "inf"), ("-1e400", "-inf"), ("NaN", "nan"), ('"\\ud800"', "\\ud800")],
)
async def test_input_json_cannot_carry_gets_422_naming_the_field(sent: str, echoed: str) -> None:
    # Python's JSON parser reads 1e400 as infinity, accepts NaN and decodes "\ud800" to a
    # lone surrogate: FastAPI's own handler then failed to encode its 422 and answered 500.
    async with app_client(build()) as client:
        response = await client.post(
            "/api/things",
            content='{"size": ' + sent + "}",
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["input"]) == (["body", "size"], echoed)
