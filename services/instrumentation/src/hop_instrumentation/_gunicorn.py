"""Multicore mode: gunicorn's arbiter with uvicorn workers built on `_uvicorn.GracefulServer`."""

from __future__ import annotations

import logging
import math
import os
import sys
from typing import Any, ClassVar

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger
from prometheus_client import multiprocess
from uvicorn_worker import UvicornWorker

from hop_instrumentation._multiprocess import exemplars_file
from hop_instrumentation._uvicorn import (
    GracefulServer,
    build_asgi_app,
    shutdown_budget,
    uvicorn_limits,
    uvicorn_options,
)
from hop_instrumentation.app import get_instrumentation
from hop_instrumentation.settings import ServiceSettings


class Worker(UvicornWorker):  # type: ignore[misc]
    """A uvicorn worker whose server fails readiness before it stops."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = uvicorn_options()

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        settings: ServiceSettings = self.app.settings
        for option, value in uvicorn_limits(settings).items():
            setattr(self.config, option, value)
        readiness = get_instrumentation(self.wsgi.app).readiness
        server = GracefulServer(self.config, readiness=readiness, delay=settings.shutdown_delay)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)

    # No `run` of its own: `UvicornWorker.run` runs `_serve` on the loop the config picks
    # (uvloop, as in the single-process mode); a plain `asyncio.run` here cost the workers
    # the selector loop's extra CPU per request.


class _Logger(Logger):  # type: ignore[misc]
    """Send gunicorn's own log through hop's handler instead of gunicorn's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.handlers = []
        self.error_log.propagate = True
        self.access_log.disabled = True


def _child_exit(server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        exemplars_file(directory, worker.pid).unlink(missing_ok=True)


class _Application(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: str, settings: ServiceSettings) -> None:
        self.factory = factory
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": [
                f"{s.host}:{port}" for port in (s.http_port, s.internal_port, s.management_port)
            ],
            "workers": s.workers,
            "worker_class": f"{Worker.__module__}.{Worker.__name__}",
            "keepalive": uvicorn_limits(s)["timeout_keep_alive"],
            "graceful_timeout": math.ceil(shutdown_budget(s)),
            "timeout": 30,
            "logger_class": f"{_Logger.__module__}.{_Logger.__name__}",
            "child_exit": _child_exit,
            "accesslog": None,
            "proc_name": f"hop-{s.service_name}",
            # gunicorn 25.1+ opens a control socket (worker count, reload, shutdown) at one
            # path per user ($XDG_RUNTIME_DIR/gunicorn.ctl, else $HOME/.gunicorn/gunicorn.ctl):
            # every service on a host would share it, and nothing in hop uses it.
            "control_socket_disable": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return build_asgi_app(self.factory)


def run_gunicorn(factory: str, settings: ServiceSettings) -> None:
    """Run gunicorn with ``settings.workers`` uvicorn workers until it is told to stop."""
    logging.getLogger("hop.serving").info("starting gunicorn", extra={"workers": settings.workers})
    _Application(factory, settings).run()
