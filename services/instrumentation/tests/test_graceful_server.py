"""The server's startup moves startup's objects out of the collector's way."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import uvicorn

from hop_instrumentation._uvicorn import GracefulServer
from hop_instrumentation.health import Readiness


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """Give the process back its collector settings: the test changes them."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def test_startup_freezes_what_startup_made_and_collects_the_young_less_often(
    monkeypatch: pytest.MonkeyPatch, restored_gc: None
) -> None:
    started: list[bool] = []

    async def uvicorn_startup(self: uvicorn.Server, sockets: object = None) -> None:
        started.append(True)  # uvicorn's own startup binds sockets: not wanted here

    monkeypatch.setattr(uvicorn.Server, "startup", uvicorn_startup)
    older = gc.get_threshold()[1:]
    server = GracefulServer(uvicorn.Config(app="unused:app"), readiness=Readiness(), delay=0.0)
    await server.startup()
    assert started == [True]
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (10_000, *older)  # the young collection: 700 by default
