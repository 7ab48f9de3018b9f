"""A small service built on hop_instrumentation, started as a real process by the tests."""

from __future__ import annotations

import asyncio
import sys

from fastapi import APIRouter, FastAPI

from hop_instrumentation import HealthCheck, ServiceSettings, create_app, load_settings, serve


class SampleSettings(ServiceSettings):
    service_name: str = "sample"


items = APIRouter(prefix="/items")


@items.get("/{item_id}")
async def get_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


async def slow(seconds: float = 1.0) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


async def always_ok() -> None:
    return None


def app_from_environment() -> FastAPI:
    settings = load_settings(SampleSettings)
    app = create_app(settings, checks=(HealthCheck("always", always_ok),))
    api = APIRouter(prefix="/api/v1")
    api.include_router(items)
    app.include_router(api)
    app.add_api_route("/slow", slow)
    return app


if __name__ == "__main__":
    sys.exit(serve("sample_app:app_from_environment", load_settings(SampleSettings)))
