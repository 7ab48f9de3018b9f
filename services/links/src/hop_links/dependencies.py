"""FastAPI dependencies: the per-app services on ``app.state`` and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hop_links.accounts import AccountStore
from hop_links.errors import UnauthorizedError
from hop_links.metrics import LinksMetrics
from hop_links.records import Caller
from hop_links.settings import LinksSettings
from hop_links.store import LinkStore

__all__ = ["CallerDep", "LinksServices", "ServicesDep", "get_services"]


@dataclass(slots=True, frozen=True)
class LinksServices:
    """What the routes use, built once per app by `hop_links.app.create_app`."""

    settings: LinksSettings
    links: LinkStore
    accounts: AccountStore
    metrics: LinksMetrics


def get_services(request: Request) -> LinksServices:
    """Return the app's services."""
    services: LinksServices = request.app.state.links
    return services


ServicesDep = Annotated[LinksServices, Depends(get_services)]
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `hop-links keys create OWNER`, as `Bearer hop_...`.",
)


async def get_caller(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Return the caller the request's API key acts for, or answer 401."""
    secret = credentials.credentials if credentials is not None else None
    try:
        return await services.accounts.authenticate(secret)
    except UnauthorizedError:
        services.metrics.auth_failures.inc()
        raise


CallerDep = Annotated[Caller, Depends(get_caller)]
