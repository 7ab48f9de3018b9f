"""Link bodies: store records from the API's request bodies, response bodies from records."""

from __future__ import annotations

from typing import cast

from hop_contracts import Link, RedirectStatus
from hop_links.errors import InvalidLinkError, LinksError
from hop_links.models import BatchItemResult, InvalidItem, LinkCreate, LinkUpdate
from hop_links.records import BatchOutcome, LinkChanges, LinkDraft, LinkRecord
from hop_links.settings import LinksSettings

__all__ = ["batch_result", "to_changes", "to_draft", "to_link"]


def to_draft(body: LinkCreate | InvalidItem) -> LinkDraft | LinksError:
    """Return the store's draft for a create body, or the error of an invalid batch item."""
    if isinstance(body, InvalidItem):
        return InvalidLinkError(body.field, body.message)
    return LinkDraft(
        url=body.url,
        code=body.code,
        domain=body.domain or "",
        redirect_status=body.redirect_status,
        forward_query=body.forward_query,
        expires_at=body.expires_at,
        tags=list(body.tags),
    )


def to_changes(body: LinkUpdate) -> LinkChanges:
    """Return the store's partial update for a PATCH body."""
    return LinkChanges(
        fields=frozenset(body.model_fields_set),
        url=body.url,
        domain=body.domain,
        redirect_status=body.redirect_status,
        forward_query=body.forward_query,
        expires_at=body.expires_at,
        tags=None if body.tags is None else list(body.tags),
        disabled=body.disabled,
    )


def to_link(record: LinkRecord, settings: LinksSettings) -> Link:
    """Return the API's view of a stored link.

    Built without validation: a record's fields are already the response's types (mypy
    checks this call; the store keeps only the four redirect statuses), and a batch
    answers up to 1,000 links.
    """
    return Link.model_construct(
        id=record.id,
        code=record.code,
        domain=record.domain or settings.platform_domain,
        short_url=settings.short_url(record.code, record.domain),
        url=record.url,
        redirect_status=cast(RedirectStatus, record.redirect_status),
        forward_query=record.forward_query,
        expires_at=record.expires_at,
        disabled=record.disabled,
        tags=record.tags,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def batch_result(outcome: BatchOutcome, settings: LinksSettings) -> BatchItemResult:
    """Return one item's result: 201 and its link, or its error's status and message."""
    if outcome.link is not None:
        link = to_link(outcome.link, settings)
        return BatchItemResult.model_construct(index=outcome.index, status=201, link=link)
    error = outcome.error or LinksError("The item was not created.")
    return BatchItemResult.model_construct(
        index=outcome.index, status=error.status, detail=error.message
    )
