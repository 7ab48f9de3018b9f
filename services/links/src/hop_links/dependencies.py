"""The per-app services on ``app.state.services``, and the FastAPI dependencies of the routes."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Scope

from hop_instrumentation.bearer import BearerToken, bearer_token
from hop_instrumentation.errors import error_response
from hop_instrumentation.limits import Authenticator
from hop_instrumentation.services import services_of as shared_services_of
from hop_links.accounts import AccountStore
from hop_links.database import MIGRATIONS
from hop_links.domain_checks import DomainChecker, NotChecked
from hop_links.domain_store import DomainStore
from hop_links.errors import DatabaseUnavailableError, UnauthorizedError
from hop_links.metrics import LinksMetrics
from hop_links.rechecks import DomainRechecks
from hop_links.records import Caller
from hop_links.resolver import Resolver
from hop_links.settings import LinksSettings
from hop_links.shared_cache import SharedLinkCache
from hop_links.store import LinkStore

__all__ = [
    "CallerDep",
    "LinksServices",
    "ServicesDep",
    "authenticate_before_body",
    "decided_caller",
    "get_caller",
    "get_services",
    "services_of",
]

#: Where `authenticate_before_body` leaves the caller for `get_caller` (``scope["state"]``).
_CALLER = "hop_links.caller"


@dataclass(slots=True, frozen=True)
class LinksServices:
    """What the routes, the resolve front and the lifespan use, built once by `create_app`."""

    settings: LinksSettings
    engine: AsyncEngine
    links: LinkStore
    domains: DomainStore
    accounts: AccountStore
    metrics: LinksMetrics
    #: Resolves codes for redirect: on its own pool on PostgreSQL if sized, else the engine.
    resolver: Resolver
    #: redirect's shared Redis cache, written on create, change and delete (if configured).
    shared_cache: SharedLinkCache | None = None
    #: Checks a domain's proof for ``:verify`` (`hop_links.domain_checks`).
    checker: DomainChecker = field(default_factory=NotChecked)
    #: Re-checks domains periodically (`hop_links.rechecks`), when verification is on.
    rechecks: DomainRechecks | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Migrate the database (if the settings say so), open the resolver's pool and start
        the re-checks of domains."""
        if self.settings.run_migrations:
            await MIGRATIONS.upgrade(self.engine)
        await self.resolver.start()
        if self.rechecks is not None:
            self._tasks.append(asyncio.create_task(self.rechecks.run(), name="domain-rechecks"))

    async def aclose(self) -> None:
        """Stop the re-checks; close the resolver's pool, the engine and the shared cache."""
        if self.rechecks is not None:
            self.rechecks.stop()
        for task in self._tasks:
            task.cancel()  # a check in hand (DNS, HTTP) need not finish
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.resolver.aclose()
        await self.engine.dispose()
        if self.shared_cache is not None:
            await self.shared_cache.aclose()


def services_of(app: FastAPI) -> LinksServices:
    """Return the services of an app built by `hop_links.app.create_app`."""
    return shared_services_of(app, LinksServices)


async def get_services(request: Request) -> LinksServices:
    """Return the services of the request's app (async: no trip to the thread pool)."""
    return services_of(request.app)


ServicesDep = Annotated[LinksServices, Depends(get_services)]
_api_key = BearerToken(
    scheme_name="ApiKey",
    description="An API key from `hop-links keys create OWNER`, as `Bearer hop_...`.",
)


async def get_caller(
    request: Request,
    services: ServicesDep,
    secret: Annotated[str | None, Depends(_api_key)],
) -> Caller:
    """Return the caller the request's API key acts for, or answer 401."""
    decided = decided_caller(request.scope)
    if decided is not None:
        return decided
    return await _authenticate(services, secret)


CallerDep = Annotated[Caller, Depends(get_caller)]


def decided_caller(scope: Scope) -> Caller | None:
    """Return the caller `authenticate_before_body` decided for this request, if it did."""
    decided = scope.get("state", {}).get(_CALLER)
    return decided if isinstance(decided, Caller) else None


def authenticate_before_body(services: LinksServices) -> Authenticator:
    """Return the hook that decides the caller from the request head, before any body byte.

    FastAPI parses a route's body before its dependencies run; this hook runs first (see
    `hop_instrumentation.limits`), so an anonymous client cannot make links read a body.
    """

    async def authenticate(scope: Scope) -> ASGIApp | None:
        try:
            caller = await _authenticate(services, bearer_token(scope))
        except UnauthorizedError as err:
            return error_response(err)
        except (SQLAlchemyError, DatabaseUnavailableError):
            return None  # the route's own dependency meets the outage and answers 503
        scope.setdefault("state", {})[_CALLER] = caller
        return None

    return authenticate


async def _authenticate(services: LinksServices, secret: str | None) -> Caller:
    try:
        return await services.accounts.authenticate(secret)
    except UnauthorizedError:
        services.metrics.auth_failures.inc()
        raise
