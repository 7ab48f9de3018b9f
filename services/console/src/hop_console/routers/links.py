"""The owner's links: list (by tag, a page at a time), create, edit, disable, delete, QR codes."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from hop_console.dependencies import FormDep, OwnerDep, ServicesDep
from hop_console.errors import LinkNotFoundError, RejectedError
from hop_console.forms import create_body, update_body
from hop_console.models import Link
from hop_console.peers import Caller
from hop_console.qr import QR_FORMATS, qr_code
from hop_console.views import page, see_other
from hop_contracts import is_code

__all__ = ["router"]

router = APIRouter(prefix="/links")
CodePath = Annotated[str, Path(max_length=64)]
_NEW_LINK: Final = {"redirect_status": "302"}


@router.get("")
async def list_links(
    services: ServicesDep,
    owner: OwnerDep,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    deleted: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """List the owner's links, newest first, optionally only those with ``tag``."""
    tag = tag.strip() if tag else None
    links = await services.links.page(
        owner.caller, limit=services.settings.page_size, cursor=cursor, tag=tag or None
    )
    return page(
        services, "links.html", owner.session, page=links, tag=tag or "", cursor=cursor,
        deleted=deleted,
    )  # fmt: skip


@router.get("/new")
async def new_link(services: ServicesDep, owner: OwnerDep) -> Response:
    """Show the create form."""
    return page(services, "new.html", owner.session, values=_NEW_LINK)


@router.post("")
async def create_link(services: ServicesDep, owner: OwnerDep, form: FormDep) -> Response:
    """Create the link, then show it (or the form again, saying what was wrong)."""
    try:
        link = await services.links.create(owner.caller, create_body(form))
    except RejectedError as err:
        return page(
            services, "new.html", owner.session, status=err.status, values=form.values(),
            error=err.detail,
        )  # fmt: skip
    return see_other(services, f"/links/{link.code}?created=true")


@router.get("/{code}")
async def show_link(
    code: CodePath,
    services: ServicesDep,
    owner: OwnerDep,
    created: Annotated[bool, Query()] = False,
    saved: Annotated[bool, Query()] = False,
) -> Response:
    """Show one link: its short URL, QR code, and the forms that change it."""
    link = await _get(services, owner.caller, code)
    notice = "Link created." if created else "Changes saved." if saved else None
    return page(services, "link.html", owner.session, link=link, notice=notice)


@router.post("/{code}")
async def edit_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """Change the target, status, query forwarding, expiry and tags."""
    _check(code)
    try:
        await services.links.update(owner.caller, code, update_body(form))
    except RejectedError as err:
        link = await services.links.get(owner.caller, code)
        return page(
            services, "link.html", owner.session, status=err.status, link=link, error=err.detail
        )
    return see_other(services, f"/links/{code}?saved=true")


@router.post("/{code}/disable")
async def disable_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """Disable the link (it answers 404) or, with ``disabled=false``, enable it again."""
    _check(code)
    disabled = form.get("disabled") != "false"
    await services.links.update(owner.caller, code, {"disabled": disabled})
    return see_other(services, f"/links/{code}?saved=true")


@router.post("/{code}/delete")
async def delete_link(
    code: CodePath, services: ServicesDep, owner: OwnerDep, form: FormDep
) -> Response:
    """Delete the link for good."""
    _check(code)
    await services.links.delete(owner.caller, code)
    return see_other(services, f"/links?deleted={code}")


@router.get("/{code}/qr.{kind}")
async def link_qr(
    code: CodePath,
    kind: str,
    services: ServicesDep,
    owner: OwnerDep,
    download: Annotated[bool, Query()] = False,
) -> Response:
    """Return the QR code of the short URL as SVG or PNG; ``download`` saves it as a file."""
    if kind not in QR_FORMATS:
        raise RejectedError(404, f"QR codes come as {' or '.join(QR_FORMATS)}, not {kind!r}.")
    link = await _get(services, owner.caller, code)
    headers = {"Cache-Control": "private, max-age=300"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="hop-{code}.{kind}"'
    body = qr_code(link.short_url, kind)
    return Response(body, media_type=QR_FORMATS[kind], headers=headers)


async def _get(services: ServicesDep, caller: Caller, code: str) -> Link:
    _check(code)
    return await services.links.get(caller, code)


def _check(code: str) -> None:
    if not is_code(code):
        raise LinkNotFoundError(code)
