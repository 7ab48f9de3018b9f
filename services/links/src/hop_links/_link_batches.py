"""Creating a batch of links: codes unique per domain within it, then one insert.

`hop_links.store.LinkStore` creates batches with these methods (a mixin, so the store's
module keeps to one concept per screen): aliases first, random codes for the rest, the
taken ones answered 409 alone and random ones drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from sqlalchemy import false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_links._link_inserts import insert_links, insert_links_direct
from hop_links._link_rows import link_record, link_row
from hop_links.direct import DirectPostgres
from hop_links.errors import AliasTakenError, InvalidLinkError, LinksError
from hop_links.records import BatchOutcome, LinkDraft, LinkRecord
from hop_links.tables import PLATFORM_DOMAIN, domains, links

__all__ = [
    "ATTEMPTS",
    "TAKE_WRITE_LOCK",
    "BatchInserts",
    "foreign_domain",
    "hold_domain",
    "no_free_code",
]

#: Codes tried for one link before giving up.
ATTEMPTS: Final = 5
#: A write that changes nothing: on SQLite it begins the transaction with the write lock.
TAKE_WRITE_LOCK: Final = update(links).where(false()).values(disabled=links.c.disabled)


def no_free_code() -> LinksError:
    """Return the error of a link no free random code was found for."""
    return LinksError(f"No free code was found in {ATTEMPTS} attempts; try again.")


def foreign_domain(domain: str) -> InvalidLinkError:
    """Return the error of a link on a domain that is not its owner's."""
    return InvalidLinkError(
        "domain",
        f"The domain {domain!r} is not one of this API key's domains; add it with "
        "POST /api/v1/domains first.",
    )


async def hold_domain(connection: AsyncConnection, owner_id: int, domain: str) -> None:
    """Hold the owner's branded ``domain`` until commit, or raise `InvalidLinkError`.

    PostgreSQL: the row is locked FOR SHARE (`DomainStore.delete` locks it FOR UPDATE
    before it deletes the domain's links). SQLite: the write lock is taken first, so no
    delete runs between this read and the insert.
    """
    if connection.dialect.name == "sqlite":
        await connection.execute(TAKE_WRITE_LOCK)
    query = (
        select(domains.c.id)
        .where(domains.c.name == domain, domains.c.owner_id == owner_id)
        .with_for_update(read=True)
    )
    if (await connection.execute(query)).first() is None:
        raise foreign_domain(domain)


class BatchInserts:
    """The batch half of `hop_links.store.LinkStore`."""

    _engine: AsyncEngine
    _now: Callable[[], datetime]
    _generate: Callable[[], str]

    async def create(self, owner_id: int, draft: LinkDraft) -> LinkRecord:
        """Create one link (`hop_links.store.LinkStore.create`)."""
        raise NotImplementedError

    async def _check_domain(self, owner_id: int, domain: str) -> None:
        raise NotImplementedError

    async def _refuse_foreign_domains(
        self, owner_id: int, drafts: dict[int, LinkDraft], outcomes: dict[int, BatchOutcome]
    ) -> None:
        names = {draft.domain for draft in drafts.values()} - {PLATFORM_DOMAIN}
        foreign: set[str] = set()
        for name in sorted(names):
            try:
                await self._check_domain(owner_id, name)
            except InvalidLinkError:
                foreign.add(name)
        for index in [index for index, draft in drafts.items() if draft.domain in foreign]:
            outcomes[index] = BatchOutcome(index, error=foreign_domain(drafts.pop(index).domain))

    def _assign_codes(
        self, drafts: dict[int, LinkDraft], outcomes: dict[int, BatchOutcome]
    ) -> dict[int, str]:
        """Give every draft a code unique on its domain within the batch: aliases first."""
        codes: dict[int, str] = {}
        used: set[tuple[str, str]] = set()
        for index, draft in drafts.items():
            if draft.code is None:
                continue
            if (draft.domain, draft.code) in used:
                error = AliasTakenError(draft.code, draft.domain)
                outcomes[index] = BatchOutcome(index, error=error)
                continue
            used.add((draft.domain, draft.code))
            codes[index] = draft.code
        for index, draft in drafts.items():
            if draft.code is None:
                codes[index] = self._unused_code(used, draft.domain)
        return dict(sorted(codes.items()))

    def _unused_code(self, used: set[tuple[str, str]], domain: str) -> str:
        code = self._generate()
        for _ in range(ATTEMPTS):
            if (domain, code) not in used:
                break
            code = self._generate()  # a clash left after this is the insert's to refuse
        used.add((domain, code))
        return code

    async def _insert_many_direct(
        self,
        direct: DirectPostgres,
        owner_id: int,
        codes: dict[int, str],
        drafts: dict[int, LinkDraft],
        outcomes: dict[int, BatchOutcome],
    ) -> None:
        """Insert the batch in one statement; give random codes that were taken new ones."""
        now = self._now()
        used = {(drafts[index].domain, code) for index, code in codes.items()}
        for _ in range(ATTEMPTS):
            if not codes:
                return
            rows = {
                index: link_row(owner_id, code, drafts[index], now) for index, code in codes.items()
            }
            inserted = await insert_links_direct(direct, owner_id, rows, drafts, now)
            retry: dict[int, str] = {}
            for index, row in rows.items():
                domain = drafts[index].domain
                if (domain, row["code"]) in inserted:
                    outcomes[index] = BatchOutcome(index, link=link_record(row, drafts[index].tags))
                elif drafts[index].code:
                    error = AliasTakenError(row["code"], domain)
                    outcomes[index] = BatchOutcome(index, error=error)
                else:
                    retry[index] = self._unused_code(used, domain)
            codes = retry
        for index in codes:
            outcomes[index] = BatchOutcome(index, error=no_free_code())

    async def _insert_many(
        self,
        owner_id: int,
        codes: dict[int, str],
        drafts: dict[int, LinkDraft],
        outcomes: dict[int, BatchOutcome],
    ) -> None:
        """Insert the batch through SQLAlchemy, after asking which codes are taken."""
        async with self._engine.connect() as connection:
            query = select(links.c.domain, links.c.code).where(
                links.c.code.in_(list(codes.values()))
            )
            taken = {(row.domain, row.code) for row in await connection.execute(query)}
        used = {(drafts[index].domain, code) for index, code in codes.items()} | taken
        for index in [i for i, code in codes.items() if (drafts[i].domain, code) in taken]:
            domain = drafts[index].domain
            if drafts[index].code:
                error = AliasTakenError(codes.pop(index), domain)
                outcomes[index] = BatchOutcome(index, error=error)
            else:
                codes[index] = self._unused_code(used, domain)
        branded = sorted({drafts[index].domain for index in codes} - {PLATFORM_DOMAIN})
        try:
            async with self._engine.begin() as connection:
                for name in branded:  # held until commit: a delete waits, or refuses these
                    await hold_domain(connection, owner_id, name)
                pairs = [(codes[index], drafts[index]) for index in codes]
                created = await insert_links(connection, owner_id, pairs, self._now())
        except (IntegrityError, InvalidLinkError):  # a code taken, a domain gone: one by one
            await self._create_each(owner_id, drafts, outcomes)
            return
        for index, record in zip(codes, created, strict=True):
            outcomes[index] = BatchOutcome(index, link=record)

    async def _create_each(
        self, owner_id: int, drafts: dict[int, LinkDraft], outcomes: dict[int, BatchOutcome]
    ) -> None:
        for index, draft in drafts.items():
            if index in outcomes:
                continue
            try:
                outcomes[index] = BatchOutcome(index, link=await self.create(owner_id, draft))
            except LinksError as err:
                outcomes[index] = BatchOutcome(index, error=err)
