"""Run a service: uvicorn in one process, or gunicorn with uvicorn workers (multicore mode).

Usage (a service's ``__main__``)::

    settings = load_settings(LinksSettings)
    serve("hop_links.app:app_from_environment", settings)

``factory`` is an import string of a zero-argument function returning the app built
by `create_app`; gunicorn workers import it after fork, so each worker builds its own
app, tracer provider and connection pools. Both modes serve the API on
``HOP_HTTP_PORT`` and the management endpoints on ``HOP_MANAGEMENT_PORT``.

Shutdown on SIGTERM (or Ctrl-C): ``/readyz`` fails at once; after
``HOP_SHUTDOWN_DELAY`` seconds the listeners close; in-flight requests get
``HOP_DRAIN_TIMEOUT`` seconds; the app's lifespan exit runs (flush buffers, close
pools); spans are flushed; the process exits 0.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any, Final

import uvicorn
from fastapi import FastAPI
from uvicorn.importer import import_from_string

from hop_instrumentation._management import PortDispatcher
from hop_instrumentation.app import get_instrumentation
from hop_instrumentation.health import Readiness
from hop_instrumentation.logging import configure_logging
from hop_instrumentation.settings import ServiceSettings

__all__ = ["build_asgi_app", "serve", "shutdown_budget"]

_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def serve(factory: str, settings: ServiceSettings) -> None:
    """Serve the app ``factory`` builds, in the mode ``settings.workers`` asks for."""
    configure_logging(settings)
    if settings.workers > 1:
        from hop_instrumentation._gunicorn import run_gunicorn

        _prepare_multiprocess_dir()
        run_gunicorn(factory, settings)
    else:
        _serve_single(factory, settings)


def shutdown_budget(settings: ServiceSettings) -> float:
    """Return the seconds a graceful shutdown may take; the pod's grace period must exceed it."""
    return settings.shutdown_delay + settings.drain_timeout + 5.0


def build_asgi_app(factory: str) -> PortDispatcher:
    """Import and call ``factory``, and put the app and its management app behind one dispatcher."""
    app = import_from_string(factory)()
    if not isinstance(app, FastAPI):
        raise TypeError(f"{factory} returned {type(app).__name__}, not a FastAPI app.")
    instrumentation = get_instrumentation(app)
    port = instrumentation.settings.management_port
    return PortDispatcher(app, instrumentation.api_app, instrumentation.management_app, port)


def uvicorn_config(app: PortDispatcher, settings: ServiceSettings, **extra: Any) -> uvicorn.Config:
    """Return the uvicorn configuration both modes share."""
    return uvicorn.Config(
        app,
        http=http_protocol(),
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
        timeout_keep_alive=max(1, int(settings.keepalive_timeout)),
        timeout_graceful_shutdown=max(1, int(settings.drain_timeout)),
        **extra,
    )


def http_protocol() -> type[asyncio.Protocol] | str:
    """Return the HTTP protocol both modes serve with: one write per response when possible."""
    try:
        from hop_instrumentation._coalescing import CoalescingHttpToolsProtocol
    except ImportError:  # httptools missing: uvicorn's pure-Python h11 protocol
        return "auto"
    return CoalescingHttpToolsProtocol


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
        them spares every later full collection from walking them again.
        """
        await super().startup(sockets=sockets)
        gc.collect()
        gc.freeze()

    async def on_tick(self, counter: int) -> bool:
        """Stop serving once the shutdown delay has passed."""
        if self._exit_at is not None and time.monotonic() >= self._exit_at:
            self.should_exit = True
        return await super().on_tick(counter)


def _serve_single(factory: str, settings: ServiceSettings) -> None:
    app = build_asgi_app(factory)
    readiness = get_instrumentation(app.app).readiness
    server = GracefulServer(
        uvicorn_config(app, settings), readiness=readiness, delay=settings.shutdown_delay
    )
    sockets = [
        _bind(settings.host, settings.http_port),
        _bind(settings.host, settings.management_port),
    ]
    server.run(sockets=sockets)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _prepare_multiprocess_dir() -> None:
    directory = os.environ.get(_MULTIPROC_ENV)
    if not directory:
        os.environ[_MULTIPROC_ENV] = tempfile.mkdtemp(prefix="hop-metrics-")
        return
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)  # samples of a previous run must not leak into this one
    path.mkdir(parents=True)
