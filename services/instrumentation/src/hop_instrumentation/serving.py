"""Run a service: uvicorn in one process, or gunicorn with uvicorn workers (multicore mode).

Usage (a service's ``__main__``)::

    settings = load_settings(LinksSettings)
    serve("hop_links.app:app_from_environment", settings)

``factory`` is an import string of a zero-argument function returning the app built
by `create_app`; gunicorn workers import it after fork, so each worker builds its own
app, tracer provider and connection pools. Both modes serve the API on
``HOP_HTTP_PORT``, the service-to-service ``/internal/...`` routes on
``HOP_INTERNAL_PORT`` (and nowhere else) and the management endpoints on
``HOP_MANAGEMENT_PORT``. The HTTP protocol caps request heads (``HOP_MAX_HEADERS``,
``HOP_MAX_HEADER_BYTES``: 431) and closes a connection whose request head takes longer
than ``HOP_REQUEST_HEAD_TIMEOUT`` seconds.

Shutdown on SIGTERM (or Ctrl-C): ``/readyz`` fails at once; after
``HOP_SHUTDOWN_DELAY`` seconds the listeners close; in-flight requests get
``HOP_DRAIN_TIMEOUT`` seconds; the app's lifespan exit runs (flush buffers, close
pools); spans are flushed; the process exits 0.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Final

import uvicorn
from prometheus_client import values as prometheus_values

from hop_instrumentation._uvicorn import (
    GracefulServer,
    build_asgi_app,
    shutdown_budget,
    uvicorn_limits,
    uvicorn_options,
)
from hop_instrumentation.app import get_instrumentation
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


def _serve_single(factory: str, settings: ServiceSettings) -> None:
    app = build_asgi_app(factory)
    readiness = get_instrumentation(app.app).readiness
    config = uvicorn.Config(app, **uvicorn_options(), **uvicorn_limits(settings))
    server = GracefulServer(config, readiness=readiness, delay=settings.shutdown_delay)
    sockets = [
        _bind(settings.host, settings.http_port),
        _bind(settings.host, settings.internal_port),
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
    else:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)  # samples of a previous run must not leak into this one
        path.mkdir(parents=True)
    # prometheus_client picks its value class when it is imported, which happened before the
    # variable was set: pick again, so the workers' metrics are written to the directory.
    prometheus_values.ValueClass = prometheus_values.get_value_class()  # type: ignore[no-untyped-call]
