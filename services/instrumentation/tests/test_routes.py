"""The http_route label across every way FastAPI routes a request (pinned FastAPI version)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from starlette.responses import PlainTextResponse

from hop_instrumentation import ServiceSettings, create_app, get_instrumentation
from hop_instrumentation.testing import app_client, make_test_settings, metric_value


def build() -> FastAPI:
    app = create_app(make_test_settings(ServiceSettings))
    inner = APIRouter(prefix="/items")

    @inner.get("/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    outer = APIRouter(prefix="/v1")
    outer.include_router(inner)
    app.include_router(outer, prefix="/api")

    @app.get("/plain/{name}")
    async def plain(name: str) -> dict[str, str]:
        return {"name": name}

    sub = FastAPI()

    @sub.get("/things/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        return {"thing": thing}

    app.mount("/sub", sub)

    async def raw(scope: object, receive: object, send: object) -> None:
        await PlainTextResponse("raw")(scope, receive, send)  # type: ignore[arg-type]

    app.mount("/raw", raw)
    return app


@pytest.mark.parametrize(
    ("method", "path", "route", "status"),
    [
        ("GET", "/api/v1/items/3", "/api/v1/items/{item_id}", "200"),
        ("GET", "/api/v1/items/abc", "/api/v1/items/{item_id}", "422"),
        ("POST", "/api/v1/items/3", "/api/v1/items/{item_id}", "405"),
        ("GET", "/plain/x", "/plain/{name}", "200"),
        ("DELETE", "/plain/x", "/plain/{name}", "405"),
        ("GET", "/sub/things/a", "/sub/things/{thing}", "200"),
        ("GET", "/sub/nothing", "/sub/{path}", "404"),
        ("GET", "/raw/anything/here", "/raw/{path}", "200"),
        ("GET", "/nope", "_unmatched", "404"),
        ("GET", "/api/v1/items/3/", "_unmatched", "307"),
        ("BREW", "/plain/x", "/plain/{name}", "405"),
    ],
)
async def test_route_label_is_the_template(method: str, path: str, route: str, status: str) -> None:
    app = build()
    async with app_client(app) as client:
        response = await client.request(method, path, follow_redirects=False)
    assert str(response.status_code) == status
    registry = get_instrumentation(app).metrics.registry
    method_label = method if method != "BREW" else "_OTHER"
    labels = {
        "http_request_method": method_label,
        "http_route": route,
        "http_response_status_code": status,
    }
    assert metric_value(registry, "http_server_request_duration_seconds_count", labels) == 1


async def test_route_label_never_holds_a_raw_path() -> None:
    app = build()
    async with app_client(app) as client:
        for n in range(20):
            await client.get(f"/random/{n}")
    registry = get_instrumentation(app).metrics.registry
    routes = {
        sample.labels["http_route"]
        for family in registry.collect()
        if family.name == "http_server_request_duration_seconds"
        for sample in family.samples
    }
    assert routes == {"_unmatched"}
