"""The public domains API: ``/api/v1/domains...``, Bearer API key on every route.

An owner adds a name (pending), publishes the proof `Domain.verification` shows, and asks
for a check (``:verify``); hop re-checks verified domains on its own. Another owner's
domain answers 404 as if it did not exist; a name any owner has answers 409 on add.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from hop_contracts import (
    CHALLENGE_PATH,
    CHALLENGE_RECORD_PREFIX,
    CHALLENGE_VALUE_PREFIX,
    DOMAINS_PREFIX,
    Domain,
    DomainCreate,
    DomainPage,
    DomainVerification,
)
from hop_links.dependencies import CallerDep, ServicesDep
from hop_links.http_errors import ERROR_RESPONSES
from hop_links.models import DomainDeleted, ErrorMessage
from hop_links.records import DomainRecord

__all__ = ["router", "to_domain"]

_AUTH: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSES[401], 503: ERROR_RESPONSES[503]}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_AUTH,
    404: {"model": ErrorMessage, "description": "No such domain for this API key."},
}
router = APIRouter(prefix=DOMAINS_PREFIX, tags=["domains"], responses=_AUTH)
NamePath = Annotated[
    str,
    Path(
        max_length=1024,
        description="The domain's name, any spelling (Unicode or punycode, any case).",
        examples=["go.acme.com"],
    ),
]


def to_domain(record: DomainRecord) -> Domain:
    """Return the API's view of a stored domain, with the records that prove it."""
    value = CHALLENGE_VALUE_PREFIX + record.token
    path = CHALLENGE_PATH.replace("{token}", record.token)
    return Domain(
        name=record.name,
        status=record.status,  # the store keeps the three
        reason=record.reason,
        verification=DomainVerification(
            txt_name=CHALLENGE_RECORD_PREFIX + record.name,
            txt_value=value,
            http_url=f"http://{record.name}{path}",
        ),
        links=record.links,
        created_at=record.created_at,
        verified_at=record.verified_at,
        last_checked_at=record.last_checked_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a branded domain",
    responses={
        409: {
            "model": ErrorMessage,
            "description": "The name is already claimed (by any owner), or you have as many "
            "domains as this hop allows.",
        }
    },
)
async def add_domain(body: DomainCreate, caller: CallerDep, services: ServicesDep) -> Domain:
    """Add a domain, pending until a check proves you own it (see `verification`).

    The name is stored in its canonical form (punycode, lower case, no trailing dot). 422
    says why a name is refused: a port, an IP address, a label too long, one label only,
    a local or metadata name, this hop's own host, or a name the operator denies.
    """
    return to_domain(await services.domains.add(caller.owner_id, body.name))


@router.get("", summary="List your branded domains, oldest first")
async def list_domains(caller: CallerDep, services: ServicesDep) -> DomainPage:
    """List every domain of yours with its state and how many links live on it."""
    return DomainPage(
        items=[to_domain(d) for d in await services.domains.of_owner(caller.owner_id)]
    )


@router.get("/{name}", summary="Get one of your branded domains", responses=_NOT_FOUND)
async def get_domain(name: NamePath, caller: CallerDep, services: ServicesDep) -> Domain:
    """Return the domain; another owner's answers 404 as if it did not exist."""
    return to_domain(await services.domains.get(caller.owner_id, name))


@router.delete(
    "/{name}", summary="Delete a branded domain and every link on it", responses=_NOT_FOUND
)
async def delete_domain(name: NamePath, caller: CallerDep, services: ServicesDep) -> DomainDeleted:
    """Delete the domain and its links (as deleting each link does), in one transaction."""
    deleted, codes = await services.domains.delete(caller.owner_id, name)
    if services.shared_cache is not None:
        await services.shared_cache.forget(codes, deleted)
    return DomainDeleted(name=deleted, deleted_links=len(codes))


@router.post("/{name}:verify", summary="Check a branded domain now", responses=_NOT_FOUND)
async def verify_domain(name: NamePath, caller: CallerDep, services: ServicesDep) -> Domain:
    """Check now whether the TXT record or the HTTP token proves the domain; return it."""
    domain = await services.domains.get(caller.owner_id, name)
    outcome = await services.checker.check(domain)
    if outcome is None:
        return to_domain(domain)
    checked = await services.domains.record_check(
        domain.name, proved=outcome.proved, reason=outcome.reason, at=services.domains.now()
    )
    return to_domain(checked or domain)
