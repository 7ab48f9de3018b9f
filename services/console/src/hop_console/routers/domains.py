"""The owner's branded domains: list with their state, add, the records that prove one,
check now, delete with every link on it.

Deleting a domain deletes its links for good, so the form says how many and asks for a
ticked confirmation (``confirm``), checked here too: a page open in another tab, or a
browser without the script, never deletes without it.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from hop_console.dependencies import FormDep, OwnerDep, ServicesDep
from hop_console.errors import DomainNotFoundError, RejectedError
from hop_console.views import page, see_other
from hop_contracts import DOMAIN_NAME_MAX_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/domains")
NamePath = Annotated[str, Path(max_length=DOMAIN_NAME_MAX_LENGTH)]
#: A canonical name as links answers it (punycode, lower case): what the pages link to.
_CANONICAL: Final = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
_NOTICES: Final = {
    "added": "Domain added. Create the record below, then check it.",
    "checked": "Checked.",
}


@router.get("")
async def list_domains(
    services: ServicesDep,
    owner: OwnerDep,
    deleted: Annotated[str | None, Query(max_length=DOMAIN_NAME_MAX_LENGTH)] = None,
    links: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """List the owner's domains with their state, and the form that adds one."""
    domains = await services.links.domains(owner.caller)
    return page(
        services, "domains.html", owner.session, domains=domains.items, deleted=deleted,
        deleted_links=links, values={},
    )  # fmt: skip


@router.post("")
async def add_domain(services: ServicesDep, owner: OwnerDep, form: FormDep) -> Response:
    """Add the domain, then show what proves it (or the list again, saying what was wrong)."""
    try:
        domain = await services.links.add_domain(owner.caller, form.get("name"))
    except RejectedError as err:
        domains = await services.links.domains(owner.caller)
        return page(
            services, "domains.html", owner.session, status=err.status, domains=domains.items,
            values=form.values(), error=err.detail,
        )  # fmt: skip
    return see_other(services, f"/domains/{domain.name}?notice=added")


@router.get("/{name}")
async def show_domain(
    name: NamePath,
    services: ServicesDep,
    owner: OwnerDep,
    notice: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Show one domain: its state, the TXT record or HTTP URL that proves it, check, delete."""
    domain = await services.links.domain(owner.caller, _checked(name))
    return page(
        services, "domain.html", owner.session, domain=domain, notice=_NOTICES.get(notice or "")
    )


@router.post("/{name}/verify")
async def verify_domain(
    name: NamePath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """Check the domain's proof now; its page shows the outcome."""
    domain = await services.links.verify_domain(owner.caller, _checked(name))
    return see_other(services, f"/domains/{domain.name}?notice=checked")


@router.post("/{name}/delete")
async def delete_domain(
    name: NamePath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """Delete the domain and every link on it, once the owner ticked the confirmation."""
    _checked(name)
    if form.get("confirm") != "yes":
        domain = await services.links.domain(owner.caller, name)
        message = (
            f"Tick the box to confirm: deleting {name} also deletes its {domain.links} "
            "link(s) for good."
        )
        return page(
            services, "domain.html", owner.session, status=422, domain=domain, error=message
        )
    deleted = await services.links.delete_domain(owner.caller, name)
    return see_other(services, f"/domains?deleted={deleted.name}&links={deleted.deleted_links}")


def _checked(name: str) -> str:
    if not _CANONICAL.match(name):
        raise DomainNotFoundError(name)
    return name
