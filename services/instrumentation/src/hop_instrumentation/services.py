"""A service's parts on ``app.state.services``: find them, start them, close them.

Usage (a service's ``dependencies`` and ``app``)::

    @dataclass(slots=True, frozen=True)
    class LinksServices:
        settings: LinksSettings
        engine: AsyncEngine

        async def start(self) -> None:
            await MIGRATIONS.upgrade(self.engine)

        async def aclose(self) -> None:
            await self.engine.dispose()

    async def get_services(request: Request) -> LinksServices:
        return services_of(request.app, LinksServices)

    app = create_app(settings, lifespan=lifespan_of(LinksServices))
    app.state.services = LinksServices(settings=settings, engine=engine)

Dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool,
a trip per request for what is an attribute read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar

from fastapi import FastAPI

__all__ = ["Parts", "lifespan_of", "services_of"]

T = TypeVar("T")
P = TypeVar("P", bound="Parts")


class Parts(Protocol):
    """What a service's lifespan starts before serving and closes after it."""

    async def start(self) -> None:
        """Start background work (migrations, tasks, pools) before the first request."""

    async def aclose(self) -> None:
        """Stop the background work and close every pool and client, once serving ends."""


def services_of(app: FastAPI, cls: type[T]) -> T:
    """Return ``app.state.services``, checked to be a ``cls`` (the service's parts)."""
    services = getattr(app.state, "services", None)
    if not isinstance(services, cls):
        package, found = cls.__module__.partition(".")[0], type(services).__name__
        raise LookupError(
            f"This app was not built by the create_app of {package}: app.state.services is"
            f" {found}, not {cls.__name__}. Build the app with {package}'s create_app."
        )
    return services


def lifespan_of(cls: type[P]) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Return a lifespan that starts the app's ``cls`` parts and closes them at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        parts = services_of(app, cls)
        await parts.start()
        try:
            yield
        finally:
            await parts.aclose()

    return lifespan
