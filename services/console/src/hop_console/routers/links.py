"""The owner's links: list (by tag or domain, a page at a time), create, edit, disable, delete,
QR codes.

A code is unique per domain: a link on a branded domain is addressed with ``?domain=<name>``
on every page of it (left out: the platform domain), as links' API addresses it.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from hop_console.dependencies import FormDep, Owner, OwnerDep, ServicesDep
from hop_console.errors import LinkNotFoundError, RejectedError
from hop_console.forms import create_body, update_body
from hop_console.models import Link
from hop_console.paths import link_path, platform_of
from hop_console.peers import Caller
from hop_console.qr import QR_FORMATS, qr_code
from hop_console.views import page, see_other
from hop_contracts import DOMAIN_NAME_MAX_LENGTH, is_code

__all__ = ["router"]

router = APIRouter(prefix="/links")
CodePath = Annotated[str, Path(max_length=64)]
#: The domain a code lives on ("": the platform domain).
DomainQuery = Annotated[str, Query(max_length=DOMAIN_NAME_MAX_LENGTH)]
_NEW_LINK: Final = {"redirect_status": "302"}


@router.get("")
async def list_links(
    request: Request,
    services: ServicesDep,
    owner: OwnerDep,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    deleted: Annotated[str | None, Query(max_length=64)] = None,
    domain: DomainQuery = "",
) -> Response:
    """List the owner's links, newest first, optionally only those with ``tag`` or on ``domain``.

    One call to links, as before domains: a link on another domain than the one the console
    is served on gets ``?domain=`` in its paths (`platform_of`).
    """
    tag = tag.strip() if tag else None
    links = await services.links.page(
        owner.caller, limit=services.settings.page_size, cursor=cursor, tag=tag or None,
        domain=domain or None,
    )  # fmt: skip
    return page(
        services, "links.html", owner.session, page=links, tag=tag or "", cursor=cursor,
        deleted=deleted, domain=domain, platform=platform_of(request),
    )  # fmt: skip


@router.get("/new")
async def new_link(services: ServicesDep, owner: OwnerDep, domain: DomainQuery = "") -> Response:
    """Show the create form (``domain``: picked in the domain picker)."""
    return await _new_form(services, owner, values={**_NEW_LINK, "domain": domain})


@router.post("")
async def create_link(services: ServicesDep, owner: OwnerDep, form: FormDep) -> Response:
    """Create the link, then show it (or the form again, saying what was wrong)."""
    try:
        link = await services.links.create(owner.caller, create_body(form))
    except RejectedError as err:
        return await _new_form(
            services, owner, status=err.status, values=form.values(), error=err.detail
        )
    on = form.get("domain") and link.domain
    return see_other(services, link_path(link.code, on, created="true"))


@router.get("/{code}")
async def show_link(
    code: CodePath,
    services: ServicesDep,
    owner: OwnerDep,
    created: Annotated[bool, Query()] = False,
    saved: Annotated[bool, Query()] = False,
    domain: DomainQuery = "",
) -> Response:
    """Show one link: its short URL, QR code, and the forms that change it."""
    link = await _get(services, owner.caller, code, domain)
    notice = "Link created." if created else "Changes saved." if saved else None
    return page(services, "link.html", owner.session, link=link, on=domain, notice=notice)


@router.post("/{code}")
async def edit_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep, domain: DomainQuery = ""
) -> Response:
    """Change the target, status, query forwarding, expiry and tags."""
    _check(code)
    try:
        await services.links.update(owner.caller, code, update_body(form), domain)
    except RejectedError as err:
        link = await services.links.get(owner.caller, code, domain)
        return page(
            services, "link.html", owner.session, status=err.status, link=link, on=domain,
            error=err.detail,
        )  # fmt: skip
    return see_other(services, link_path(code, domain, saved="true"))


@router.post("/{code}/disable")
async def disable_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep, domain: DomainQuery = ""
) -> Response:
    """Disable the link (it answers 404) or, with ``disabled=false``, enable it again."""
    _check(code)
    disabled = form.get("disabled") != "false"
    await services.links.update(owner.caller, code, {"disabled": disabled}, domain)
    return see_other(services, link_path(code, domain, saved="true"))


@router.post("/{code}/delete")
async def delete_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep, domain: DomainQuery = ""
) -> Response:
    """Delete the link for good."""
    _check(code)
    await services.links.delete(owner.caller, code, domain)
    return see_other(services, f"/links?deleted={code}")


@router.get("/{code}/qr.{kind}")
async def link_qr(
    code: CodePath,
    kind: str,
    services: ServicesDep,
    owner: OwnerDep,
    download: Annotated[bool, Query()] = False,
    domain: DomainQuery = "",
) -> Response:
    """Return the QR code of the short URL (the branded one on a domain) as SVG or PNG;
    ``download`` saves it as a file."""
    if kind not in QR_FORMATS:
        raise RejectedError(404, f"QR codes come as {' or '.join(QR_FORMATS)}, not {kind!r}.")
    link = await _get(services, owner.caller, code, domain)
    headers = {"Cache-Control": "private, max-age=300"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="hop-{code}.{kind}"'
    body = qr_code(link.short_url, kind)
    return Response(body, media_type=QR_FORMATS[kind], headers=headers)


async def _get(services: ServicesDep, caller: Caller, code: str, domain: str = "") -> Link:
    _check(code)
    return await services.links.get(caller, code, domain)


async def _new_form(
    services: ServicesDep, owner: Owner, *, status: int = 200, **context: Any
) -> Response:
    """Render the create form with the owner's domains in its picker."""
    domains = await services.links.domains(owner.caller)
    return page(
        services, "new.html", owner.session, status=status, domains=domains.items, **context
    )


def _check(code: str) -> None:
    if not is_code(code):
        raise LinkNotFoundError(code)
