"""Inserting new links with their tags: through SQLAlchemy, or one asyncpg statement.

`LinkStore` decides the codes and what a clash means; these only write the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hop_links._link_rows import link_record, link_row
from hop_links.direct import INSERT_LINK, INSERT_LINKS, DirectPostgres, UniqueViolation
from hop_links.records import LinkDraft, LinkRecord
from hop_links.tables import link_tags, links

__all__ = ["insert_link_direct", "insert_links", "insert_links_direct", "insert_tags"]

#: The parameters of `hop_links.direct.INSERT_LINK`, in order.
_INSERT_COLUMNS: Final = (
    "uid",
    "code",
    "owner_id",
    "url",
    "redirect_status",
    "forward_query",
    "expires_at",
    "disabled",
    "created_at",
    "updated_at",
    "domain",
)


async def insert_links(
    connection: AsyncConnection, owner_id: int, pairs: list[tuple[str, LinkDraft]], now: datetime
) -> list[LinkRecord]:
    """Insert a link per (code, draft) and their tags; a taken code raises IntegrityError."""
    if not pairs:
        return []
    rows = [link_row(owner_id, code, draft, now) for code, draft in pairs]
    statement = insert(links).returning(links.c.id, sort_by_parameter_order=True)
    ids = list((await connection.execute(statement, rows)).scalars())
    await insert_tags(connection, {i: d.tags for i, (_, d) in zip(ids, pairs, strict=True)})
    for row, link_id in zip(rows, ids, strict=True):
        row["id"] = link_id
    return [link_record(row, draft.tags) for row, (_, draft) in zip(rows, pairs, strict=True)]


async def insert_link_direct(
    direct: DirectPostgres, owner_id: int, code: str, draft: LinkDraft, now: datetime
) -> LinkRecord:
    """Insert one link and its tags in one statement; a taken code raises UniqueViolation."""
    row = link_row(owner_id, code, draft, now)
    if not draft.tags:
        await direct.fetchrow(INSERT_LINK, *(row[name] for name in _INSERT_COLUMNS))
    elif not await direct.fetch(
        INSERT_LINKS, *_arrays(owner_id, {0: row}, {0: draft}, now)
    ):  # one statement for the link and its tags, as a batch of one
        raise UniqueViolation(f"The code {code!r} is taken.")
    return link_record(row, draft.tags)


async def insert_links_direct(
    direct: DirectPostgres,
    owner_id: int,
    rows: dict[int, dict[str, Any]],
    drafts: dict[int, LinkDraft],
    now: datetime,
) -> set[tuple[str, str]]:
    """Insert the rows whose code is free on their domain, with their tags.

    Returns the (domain, code) of the rows inserted.
    """
    arrays = _arrays(owner_id, rows, drafts, now)
    return {(row[0], row[1]) for row in await direct.fetch(INSERT_LINKS, *arrays)}


def _arrays(
    owner_id: int, rows: dict[int, dict[str, Any]], drafts: dict[int, LinkDraft], now: datetime
) -> tuple[Any, ...]:
    """Return the parameters of `hop_links.direct.INSERT_LINKS` for ``rows``."""
    values = list(rows.values())
    tagged = [
        (row["domain"], row["code"], tag)
        for index, row in rows.items()
        for tag in drafts[index].tags
    ]
    return (
        [row["uid"] for row in values],
        [row["code"] for row in values],
        owner_id,
        [row["url"] for row in values],
        [row["redirect_status"] for row in values],
        [row["forward_query"] for row in values],
        now,
        [row["expires_at"] for row in values],
        [code for _, code, _ in tagged],
        [tag for _, _, tag in tagged],
        [row["domain"] for row in values],
        [domain for domain, _, _ in tagged],
    )


async def insert_tags(connection: AsyncConnection, tags: dict[int, list[str]]) -> None:
    """Insert the tags of each link id."""
    rows = [{"link_id": link_id, "tag": tag} for link_id, names in tags.items() for tag in names]
    if rows:
        await connection.execute(insert(link_tags), rows)
