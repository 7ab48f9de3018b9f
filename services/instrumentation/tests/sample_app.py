"""A small service built on hop_instrumentation, started as a real process by the tests."""

from __future__ import annotations

import asyncio
import os
import sys

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Scope

from hop_instrumentation import (
    HealthCheck,
    ServiceSettings,
    create_app,
    get_instrumentation,
    load_settings,
    serve,
)


class SampleSettings(ServiceSettings):
    service_name: str = "sample"


items = APIRouter(prefix="/items")


@items.get("/{item_id}")
async def get_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


async def slow(seconds: float = 1.0) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


async def process() -> dict[str, int | str]:
    """Say which process answers, on which event loop (both modes must run uvloop)."""
    loop = asyncio.get_running_loop()
    return {"pid": os.getpid(), "loop": f"{type(loop).__module__}.{type(loop).__name__}"}


async def always_ok() -> None:
    return None


class Note(BaseModel):
    text: str


notes = APIRouter(prefix="/api/v1/notes")


@notes.post("")
async def post_note(note: Note) -> dict[str, int]:
    return {"length": len(note.text)}


@notes.post(":batch")
async def post_notes(batch: list[Note]) -> dict[str, int]:
    return {"count": len(batch)}


async def ping() -> dict[str, str]:
    return {"internal": "pong"}


async def bearer_good(scope: Scope) -> ASGIApp | None:
    if (b"authorization", b"Bearer good") in scope["headers"]:
        return None
    return JSONResponse({"detail": "Send a good key."}, status_code=401)


def app_from_environment() -> FastAPI:
    settings = load_settings(SampleSettings)
    app = create_app(settings, checks=(HealthCheck("always", always_ok),))
    api = APIRouter(prefix="/api/v1")
    api.include_router(items)
    app.include_router(api)
    app.add_api_route("/slow", slow)
    app.add_api_route("/process", process)
    app.include_router(notes)
    app.add_api_route("/internal/v1/ping", ping)
    limits = get_instrumentation(app).limits
    limits.route_body_bytes["/api/v1/notes:batch"] = settings.max_batch_body_bytes
    limits.authenticate = bearer_good
    limits.authenticated_prefixes = ("/api/v1/notes",)
    return app


if __name__ == "__main__":
    sys.exit(serve("sample_app:app_from_environment", load_settings(SampleSettings)))
