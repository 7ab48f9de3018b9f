"""What both serving modes share: the app behind one dispatcher, uvicorn's options, the server.

`serving` (one process) and `_gunicorn` (multicore mode) both build on this module and
never on each other's internals, so the import graph stays acyclic.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
import time
from types import FrameType
from typing import Any, Final

import uvicorn
from fastapi import FastAPI
from uvicorn.importer import import_from_string

from hop_instrumentation._management import PortDispatcher
from hop_instrumentation._middleware import InstrumentationMiddleware
from hop_instrumentation.app import get_instrumentation
from hop_instrumentation.health import Readiness
from hop_instrumentation.settings import ServiceSettings

#: Allocations between two collections of the youngest generation (Python's default: 700).
_YOUNG_COLLECTION_ALLOCATIONS: Final = 10_000


def build_asgi_app(factory: str) -> PortDispatcher:
    """Import and call ``factory``, and put the app and its management app behind one dispatcher."""
    app = import_from_string(factory)()
    if not isinstance(app, FastAPI):
        raise TypeError(f"{factory} returned {type(app).__name__}, not a FastAPI app.")
    hop = get_instrumentation(app)
    return PortDispatcher(
        app,
        hop.api_app,
        hop.management_app,
        management_port=hop.settings.management_port,
        internal_port=hop.settings.internal_port,
        wrap=lambda wrong_port: InstrumentationMiddleware(wrong_port, observer=hop.observer),
    )


def shutdown_budget(settings: ServiceSettings) -> float:
    """Return the seconds a graceful shutdown may take; the pod's grace period must exceed it."""
    return settings.shutdown_delay + settings.drain_timeout + 5.0


def uvicorn_options() -> dict[str, Any]:
    """Return the uvicorn options of both modes that no setting changes."""
    return {
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
        "lifespan": "on",
    }


def uvicorn_limits(settings: ServiceSettings) -> dict[str, Any]:
    """Return the uvicorn options ``settings`` set: timeouts and the bounded HTTP protocol."""
    return {
        "timeout_keep_alive": max(1, int(settings.keepalive_timeout)),
        "timeout_graceful_shutdown": max(1, int(settings.drain_timeout)),
        "http": http_protocol(settings),
    }


def http_protocol(settings: ServiceSettings) -> type[asyncio.Protocol]:
    """Return the HTTP protocol both modes serve with: one write per response, a bounded head."""
    from hop_instrumentation._protocol import bounded_protocol

    return bounded_protocol(settings)


class GracefulServer(uvicorn.Server):
    """A uvicorn server that fails readiness first, then stops, then exits 0 on SIGTERM."""

    def __init__(self, config: uvicorn.Config, *, readiness: Readiness, delay: float) -> None:
        super().__init__(config)
        self._readiness = readiness
        self._delay = delay
        self._exit_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Begin the shutdown sequence; a second Ctrl-C forces the exit."""
        if self._exit_at is not None or self.should_exit:
            if sig == signal.SIGINT:
                self.force_exit = True
            return
        self._readiness.mark_shutting_down()
        self._exit_at = time.monotonic() + self._delay

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start, then move everything startup allocated out of the collector's way.

        The app, its routes, models and pools live as long as the process; freezing
        them spares every later full collection from walking them again. The youngest
        generation is collected every 10,000 allocations instead of 700: each collection
        walks the live objects of the requests in flight, and at 700 that was 6% of a
        links create's CPU time (py-spy); refcounting frees a request's acyclic garbage
        either way.
        """
        await super().startup(sockets=sockets)
        gc.collect()
        gc.freeze()
        gc.set_threshold(_YOUNG_COLLECTION_ALLOCATIONS, *gc.get_threshold()[1:])

    async def on_tick(self, counter: int) -> bool:
        """Stop serving once the shutdown delay has passed."""
        if self._exit_at is not None and time.monotonic() >= self._exit_at:
            self.should_exit = True
        return await super().on_tick(counter)
