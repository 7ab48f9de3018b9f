"""ASGI apps served by uvicorn on loopback inside the test's own event loop."""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from hop_instrumentation._processes import LOOPBACK


class LoopbackServers:
    """Serve ASGI apps with uvicorn on free loopback ports, in the running event loop.

    Usage::

        async with LoopbackServers() as servers:
            links_url = servers.serve(FakeLinks())
            app = create_app(make_test_settings(RedirectSettings, links_url=links_url))

    `serve` is synchronous: the port listens when it returns and connections wait in
    its backlog until the server, started as a task, accepts them. The app runs in the
    caller's event loop, so it may share state and connections with the test (an
    app whose lifespan the test runs with `app_client`); lifespans are not run here.
    """

    def __init__(self) -> None:
        self._servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def serve(self, app: ASGIApp) -> str:
        """Start serving ``app``; return its base URL (``http://127.0.0.1:<port>``)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, 0))
        listener.listen(128)
        config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False)
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        task = asyncio.get_running_loop().create_task(server.startup(sockets=[listener]))
        self._servers.append((server, task))
        return f"http://{LOOPBACK}:{listener.getsockname()[1]}"

    async def aclose(self) -> None:
        """Stop every server: close its port and its connections."""
        servers, self._servers = self._servers, []
        for server, started in servers:
            await started
            server.force_exit = True  # no graceful drain: the test is over
            await server.shutdown()
