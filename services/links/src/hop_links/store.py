"""LinkStore: links, owner-scoped, on SQLite or PostgreSQL. No HTTP in here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hop_contracts import is_code
from hop_instrumentation.database import reader
from hop_links._cursor import decode_cursor, encode_cursor
from hop_links._link_batches import (
    ATTEMPTS,
    TAKE_WRITE_LOCK,
    BatchInserts,
    foreign_domain,
    hold_domain,
    no_free_code,
)
from hop_links._link_inserts import (
    insert_link_direct,
    insert_links,
    insert_tags,
)
from hop_links._link_rows import link_record, load_tags
from hop_links.codes import CodeGenerator, validate_alias
from hop_links.direct import (
    DirectPostgres,
    UniqueViolation,
)
from hop_links.domain_store import DomainStore, lookup_name
from hop_links.errors import AliasTakenError, InvalidLinkError, LinkNotFoundError, LinksError
from hop_links.records import (
    BatchOutcome,
    LinkChanges,
    LinkDraft,
    LinkPage,
    LinkRecord,
    LinkStateChange,
)
from hop_links.tables import PLATFORM_DOMAIN, link_state_changes, link_tags, links
from hop_links.validation import validate_expiry, validate_tags, validate_target

__all__ = ["LinkStore"]


#: Appends to the feed wait for each other's commit (SQLite's writes already do).
_SERIALISE_CHANGES: Final = "LOCK TABLE link_state_changes IN EXCLUSIVE MODE"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LinkStore(BatchInserts):
    """Create, read and change links; every read and write is scoped to an owner.

    A link lives on a domain: `PLATFORM_DOMAIN` ("") or the canonical name of one of its
    owner's branded domains (``domains``), and its code is unique on that domain. Methods
    that name a link take the domain as stored ("" unless given). Resolving a code (any
    owner's) is `hop_links.resolver`'s.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        public_host: str,
        allow_internal_targets: bool = False,
        domains: DomainStore | None = None,
        direct: DirectPostgres | None = None,
        now: Callable[[], datetime] = _utcnow,
        generate: Callable[[], str] | None = None,
    ) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._public_host = public_host
        self._platform = lookup_name(public_host) or public_host
        self._allow_internal = allow_internal_targets
        self._domains = domains
        self._direct = direct
        self._now = now
        self._generate = generate or CodeGenerator()

    async def create(self, owner_id: int, draft: LinkDraft) -> LinkRecord:
        """Create a link; raise `InvalidLinkError` or `AliasTakenError` when refused."""
        draft = self.validate(draft, await self._branded_hosts())
        if draft.domain != PLATFORM_DOMAIN:
            return await self._create_on_domain(owner_id, draft)
        for _ in range(ATTEMPTS):
            code = draft.code or self._generate()
            try:
                if self._direct is not None:
                    return await insert_link_direct(
                        self._direct, owner_id, code, draft, self._now()
                    )
                async with self._engine.begin() as connection:
                    pairs = [(code, draft)]
                    return (await insert_links(connection, owner_id, pairs, self._now()))[0]
            except (IntegrityError, UniqueViolation):
                if draft.code:
                    raise AliasTakenError(code, draft.domain) from None
        raise no_free_code()

    async def _create_on_domain(self, owner_id: int, draft: LinkDraft) -> LinkRecord:
        """Create a link on a branded domain, in one transaction with the domain held.

        The domain's row is read and held (`hop_links._link_batches.hold_domain`) where the
        link is inserted: a domain deleted meanwhile refuses the link rather than leave it
        behind, and a delete that comes after waits for the link and deletes it with the rest.
        """
        for _ in range(ATTEMPTS):
            code = draft.code or self._generate()
            try:
                async with self._engine.begin() as connection:
                    await hold_domain(connection, owner_id, draft.domain)
                    pairs = [(code, draft)]
                    return (await insert_links(connection, owner_id, pairs, self._now()))[0]
            except IntegrityError:
                if draft.code:
                    raise AliasTakenError(code, draft.domain) from None
        raise no_free_code()

    async def create_many(
        self, owner_id: int, items: Sequence[LinkDraft | LinksError]
    ) -> list[BatchOutcome]:
        """Create many links at once; a refused item does not stop the others."""
        outcomes: dict[int, BatchOutcome] = {}
        drafts: dict[int, LinkDraft] = {}
        branded = await self._branded_hosts()
        for index, item in enumerate(items):
            try:
                if isinstance(item, LinksError):
                    raise item
                drafts[index] = self.validate(item, branded)
            except LinksError as err:
                outcomes[index] = BatchOutcome(index, error=err)
        await self._refuse_foreign_domains(owner_id, drafts, outcomes)
        codes = self._assign_codes(drafts, outcomes)
        on_domains = any(draft.domain != PLATFORM_DOMAIN for draft in drafts.values())
        if self._direct is not None and not on_domains:  # a branded batch holds its domains
            await self._insert_many_direct(self._direct, owner_id, codes, drafts, outcomes)
        else:
            await self._insert_many(owner_id, codes, drafts, outcomes)
        return [outcomes[index] for index in range(len(items))]

    async def get(self, owner_id: int, code: str, domain: str = PLATFORM_DOMAIN) -> LinkRecord:
        """Return the owner's link ``code`` on ``domain`` or raise `LinkNotFoundError`."""
        async with self._reader.connect() as connection:
            return await self._load(connection, owner_id, code, domain)

    async def page(
        self,
        owner_id: int,
        *,
        limit: int,
        cursor: str | None = None,
        tag: str | None = None,
        domain: str | None = None,
    ) -> LinkPage:
        """Return one page of the owner's links, newest first, optionally with one tag or
        on one domain."""
        query = select(links).where(links.c.owner_id == owner_id)
        if domain is not None:
            query = query.where(links.c.domain == domain)
        if cursor is not None:
            query = query.where(links.c.id < decode_cursor(cursor))
        if tag is not None:
            tagged = select(link_tags.c.link_id).where(link_tags.c.tag == tag)
            query = query.where(links.c.id.in_(tagged))
        query = query.order_by(links.c.id.desc()).limit(limit + 1)
        async with self._reader.connect() as connection:
            rows = (await connection.execute(query)).all()
            tags = await load_tags(connection, [row.id for row in rows[:limit]])
        items = [link_record(row._mapping, tags.get(row.id, [])) for row in rows[:limit]]
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return LinkPage(items=items, next_cursor=next_cursor)

    async def owned(self, owner_id: int) -> list[tuple[str, str, str]]:
        """Return ``(id, code, domain)`` of every link the owner has now, oldest first."""
        query = (
            select(links.c.uid, links.c.code, links.c.domain)
            .where(links.c.owner_id == owner_id)
            .order_by(links.c.id)
        )
        async with self._reader.connect() as connection:
            return [(row.uid, row.code, row.domain) for row in await connection.execute(query)]

    async def update(
        self, owner_id: int, code: str, changes: LinkChanges, domain: str = PLATFORM_DOMAIN
    ) -> LinkRecord:
        """Apply ``changes`` to the owner's link ``code`` on ``domain`` and return it.

        A change of the ``disabled`` flag is appended to ``link_state_changes`` in the same
        transaction (the feed `state_changes` serves). A move to another domain keeps the
        code, which must be free there (`AliasTakenError`).
        """
        values = self._validated_changes(changes, await self._branded_hosts())
        if "domain" in values:
            await self._check_domain(owner_id, values["domain"])
        target = values.get("domain", domain)
        try:
            async with self._engine.begin() as connection:
                return await self._update(connection, owner_id, code, domain, values, target)
        except IntegrityError:
            raise AliasTakenError(code, target) from None

    async def _update(
        self,
        connection: AsyncConnection,
        owner_id: int,
        code: str,
        domain: str,
        values: dict[str, Any],
        target: str,
    ) -> LinkRecord:
        link_id, uid, disabled = await self._locked_state(connection, owner_id, code, domain)
        if target != domain and target != PLATFORM_DOMAIN:
            await hold_domain(connection, owner_id, target)  # a move races its deletion
        # Stamped once the row is ours: a change that waited for the lock must not carry
        # an earlier time than the one it waited for, or the feed would say it first.
        values["updated_at"] = self._now()
        tags = values.pop("tags", None)
        await connection.execute(update(links).where(links.c.id == link_id).values(values))
        if values.get("disabled", disabled) != disabled:
            await self._record_state(connection, uid, not disabled, values["updated_at"])
        if tags is not None:
            await connection.execute(delete(link_tags).where(link_tags.c.link_id == link_id))
            await insert_tags(connection, {link_id: tags})
        return await self._load(connection, owner_id, code, target)

    async def state_changes(self, *, after: int, limit: int) -> list[LinkStateChange]:
        """Return up to ``limit`` disable and enable transitions after ``seq`` ``after``."""
        table = link_state_changes
        query = select(table).where(table.c.seq > after).order_by(table.c.seq).limit(limit)
        async with self._reader.connect() as connection:
            rows = await connection.execute(query)
            return [LinkStateChange(row.seq, row.link_id, row.disabled, row.at) for row in rows]

    async def delete(self, owner_id: int, code: str, domain: str = PLATFORM_DOMAIN) -> None:
        """Delete the owner's link ``code`` on ``domain`` or raise `LinkNotFoundError`."""
        async with self._engine.begin() as connection:
            link_id = await self._link_id(connection, owner_id, code, domain)
            await connection.execute(delete(link_tags).where(link_tags.c.link_id == link_id))
            await connection.execute(delete(links).where(links.c.id == link_id))

    def validate(self, draft: LinkDraft, branded: frozenset[str] = frozenset()) -> LinkDraft:
        """Return ``draft`` normalised, or raise `InvalidLinkError` naming the bad field.

        ``branded``: the verified domains, which targets may not point at (loops).
        """
        self._validate_target(draft.url, branded)
        if draft.code is not None:
            validate_alias(draft.code)
        _check_status(draft.redirect_status)
        expires_at = validate_expiry(draft.expires_at, now=self._now())
        return replace(
            draft,
            domain=self.stored_domain(draft.domain),
            expires_at=expires_at,
            tags=validate_tags(draft.tags),
        )

    def stored_domain(self, written: str | None) -> str:
        """Return how a domain named by a caller is stored: "" for the platform's own host.

        Raises `InvalidLinkError` (field ``domain``) for a name no domain can have.
        """
        if not written:
            return PLATFORM_DOMAIN
        name = lookup_name(written)
        if name is None:
            raise InvalidLinkError(
                "domain", f"The domain {written[:100]!r} is not a valid domain name."
            )
        return PLATFORM_DOMAIN if name == self._platform else name

    def _validate_target(self, url: str, branded: frozenset[str]) -> None:
        validate_target(
            url,
            public_host=self._public_host,
            allow_internal=self._allow_internal,
            branded_hosts=branded,
        )

    async def _branded_hosts(self) -> frozenset[str]:
        return frozenset() if self._domains is None else await self._domains.verified()

    async def _check_domain(self, owner_id: int, domain: str) -> None:
        if domain == PLATFORM_DOMAIN:
            return
        if self._domains is None or await self._domains.status(owner_id, domain) is None:
            raise foreign_domain(domain)

    def _validated_changes(
        self, changes: LinkChanges, branded: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        values: dict[str, Any] = {"updated_at": self._now()}
        for name in sorted(changes.fields):
            value = getattr(changes, name)
            if value is None and name != "expires_at":
                continue  # null leaves a non-nullable field unchanged
            values[name] = value
        if "url" in values:
            self._validate_target(values["url"], branded)
        if "domain" in values:
            values["domain"] = self.stored_domain(values["domain"])
        if "redirect_status" in values:
            _check_status(values["redirect_status"])
        if "expires_at" in values:
            values["expires_at"] = validate_expiry(values["expires_at"], now=self._now())
        if "tags" in values:
            values["tags"] = validate_tags(values["tags"])
        return values

    async def _locked_state(
        self, connection: AsyncConnection, owner_id: int, code: str, domain: str
    ) -> tuple[int, str, bool]:
        """Return the link's row id, uid and ``disabled`` flag, its row locked until commit."""
        if not is_code(code):
            raise LinkNotFoundError(code, domain)
        if connection.dialect.name == "sqlite":
            # SQLite ignores FOR UPDATE, and its driver begins the transaction at the first
            # write only: a read first could see a flag another update then changes. This
            # no-op write takes the database's write lock before the flag is read.
            await connection.execute(TAKE_WRITE_LOCK)
        query = (
            select(links.c.id, links.c.uid, links.c.disabled)
            .where(links.c.domain == domain, links.c.code == code, links.c.owner_id == owner_id)
            .with_for_update()  # two concurrent changes of the flag record two transitions
        )
        row = (await connection.execute(query)).first()
        if row is None:
            raise LinkNotFoundError(code, domain)
        return int(row.id), str(row.uid), bool(row.disabled)

    async def _record_state(
        self, connection: AsyncConnection, uid: str, disabled: bool, at: datetime
    ) -> None:
        if connection.dialect.name == "postgresql":
            # seq must grow in commit order, or a reader past a later seq would skip an
            # earlier one committed after it: changes are appended one transaction at a
            # time (readers are not blocked; disables are rare).
            await connection.execute(text(_SERIALISE_CHANGES))
        row = {"link_id": uid, "disabled": disabled, "at": at}
        await connection.execute(insert(link_state_changes), row)

    async def _link_id(
        self, connection: AsyncConnection, owner_id: int, code: str, domain: str
    ) -> int:
        if not is_code(code):
            raise LinkNotFoundError(code, domain)
        query = select(links.c.id).where(
            links.c.domain == domain, links.c.code == code, links.c.owner_id == owner_id
        )
        link_id = (await connection.execute(query)).scalar()
        if link_id is None:
            raise LinkNotFoundError(code, domain)
        return int(link_id)

    async def _load(
        self, connection: AsyncConnection, owner_id: int, code: str, domain: str
    ) -> LinkRecord:
        if not is_code(code):
            raise LinkNotFoundError(code, domain)
        query = select(links).where(
            links.c.domain == domain, links.c.code == code, links.c.owner_id == owner_id
        )
        row = (await connection.execute(query)).first()
        if row is None:
            raise LinkNotFoundError(code, domain)
        tags = await load_tags(connection, [row.id])
        return link_record(row._mapping, tags.get(row.id, []))


def _check_status(status: int) -> None:
    if status not in (301, 302, 307, 308):
        raise InvalidLinkError(
            "redirect_status", f"The redirect_status must be 301, 302, 307 or 308 (got {status})."
        )
