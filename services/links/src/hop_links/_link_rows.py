"""Rows of the ``links`` table: a new row from a draft, a record from a row, the rows' tags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hop_links.records import LinkDraft, LinkRecord
from hop_links.tables import link_tags

__all__ = ["link_record", "link_row", "load_tags"]


def link_row(owner_id: int, code: str, draft: LinkDraft, now: datetime) -> dict[str, Any]:
    """Return the values of a new ``links`` row, with a fresh random stable id."""
    return {
        "uid": uuid.uuid4().hex,
        "code": code,
        "domain": draft.domain,
        "owner_id": owner_id,
        "url": draft.url,
        "redirect_status": draft.redirect_status,
        "forward_query": draft.forward_query,
        "expires_at": draft.expires_at,
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }


def link_record(row: Mapping[Any, Any], tags: list[str]) -> LinkRecord:
    """Return the record of a ``links`` row and its tags."""
    return LinkRecord(
        id=row["uid"],
        code=row["code"],
        url=row["url"],
        redirect_status=row["redirect_status"],
        forward_query=row["forward_query"],
        expires_at=row["expires_at"],
        disabled=row["disabled"],
        domain=row["domain"],
        tags=tags,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load_tags(connection: AsyncConnection, link_ids: list[int]) -> dict[int, list[str]]:
    """Return the sorted tags of each link in ``link_ids``."""
    if not link_ids:
        return {}
    query = (
        select(link_tags.c.link_id, link_tags.c.tag)
        .where(link_tags.c.link_id.in_(link_ids))
        .order_by(link_tags.c.link_id, link_tags.c.tag)
    )
    tags: dict[int, list[str]] = {}
    for link_id, tag in await connection.execute(query):
        tags.setdefault(link_id, []).append(tag)
    return tags
