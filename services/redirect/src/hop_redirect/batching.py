"""Concurrent cache misses of different codes, sent to links as one batch resolve.

Every miss used to be one request to links and one query there; under load most of
both processes' CPU went to the per-request cost of HTTP and of the query. Here the
misses of one event-loop iteration go out together at the end of it, while fewer than
``in_flight`` requests to links are open; past that they wait, and every miss pending
when a request comes back leaves in the next one (up to ``batch_size`` codes each). No
timer: at low load a miss costs one request, as before, and the batches grow with the
load, in step with links' answer time. A batch of one code goes to links' one-code route
(``GET``, answered by its pure ASGI front), quicker than the batch route for a lone miss.
A batch asks for codes of one domain (`hop_contracts.ResolveRequest`): pending misses are
grouped by domain, the oldest miss's domain first.

A batch's request carries the trace context of a sampled miss in it if there is one
(else of its first miss), so a sampled click's trace still reaches links. A failed
request fails every miss in it with `LinksUnavailableError`, as one miss alone failed.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence
from typing import Protocol

from opentelemetry import context as otel_context
from opentelemetry import trace

from hop_redirect.errors import LinksUnavailableError
from hop_redirect.records import Link

__all__ = ["BatchResolver", "ManyResolver"]


class ManyResolver(Protocol):
    """Resolve one code or many in one call (`hop_redirect.links_client.LinksClient`)."""

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        """Return the link, None if unknown; raise `LinksUnavailableError` on failure."""
        ...

    async def resolve_many(self, codes: Sequence[str], domain: str = "") -> dict[str, Link | None]:
        """Return each code's link (None: unknown); raise `LinksUnavailableError` on failure."""
        ...


class _Miss:
    __slots__ = ("code", "context", "domain", "waiter")

    def __init__(self, code: str, domain: str, waiter: asyncio.Future[Link | None]) -> None:
        self.code = code
        self.domain = domain
        self.waiter = waiter
        self.context = otel_context.get_current()


class BatchResolver:
    """Resolve codes one at a time for the cache, many per request to links."""

    def __init__(self, links: ManyResolver, *, batch_size: int, in_flight: int) -> None:
        self._links = links
        self._batch_size = batch_size
        self._max_in_flight = in_flight
        self._in_flight = 0
        self._scheduled = False
        self._pending: list[_Miss] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        """Return the link, None if unknown; raise `LinksUnavailableError` on failure."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Link | None] = loop.create_future()
        self._pending.append(_Miss(code, domain, waiter))
        if not self._scheduled and self._in_flight < self._max_in_flight:
            self._scheduled = True
            loop.call_soon(self._dispatch)  # after this iteration's other misses
        return await waiter

    def _dispatch(self) -> None:
        self._scheduled = False
        while self._pending and self._in_flight < self._max_in_flight:
            batch = self._take_batch()
            self._in_flight += 1
            task = asyncio.create_task(self._send(batch), context=_context_of(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _take_batch(self) -> list[_Miss]:
        """Take up to ``batch_size`` pending misses on the oldest pending miss's domain."""
        pending = self._pending
        domain = pending[0].domain
        batch: list[_Miss]
        if all(miss.domain == domain for miss in pending):  # the usual case: one domain
            batch = pending[: self._batch_size]
            del pending[: self._batch_size]
            return batch
        batch = []
        rest: list[_Miss] = []
        for miss in pending:
            fits = miss.domain == domain and len(batch) < self._batch_size
            (batch if fits else rest).append(miss)
        self._pending = rest
        return batch

    async def _send(self, batch: list[_Miss]) -> None:
        domain = batch[0].domain
        try:
            codes = list(dict.fromkeys(miss.code for miss in batch))
            if len(codes) == 1:  # links' one-code route skips its FastAPI routing: faster alone
                answered = {codes[0]: await self._links.resolve(codes[0], domain)}
            else:
                answered = await self._links.resolve_many(codes, domain)
        except LinksUnavailableError as err:
            for miss in batch:
                _fail(miss.waiter, type(err)(*err.args))
        except BaseException:
            for miss in batch:
                _fail(miss.waiter, LinksUnavailableError("The resolve was cancelled."))
            raise
        else:
            for miss in batch:
                if miss.code in answered:
                    _succeed(miss.waiter, answered[miss.code])
                else:
                    _fail(miss.waiter, LinksUnavailableError(f"links left out {miss.code!r}."))
        finally:
            self._in_flight -= 1
            self._dispatch()


def _context_of(batch: list[_Miss]) -> contextvars.Context:
    """Return a context for the batch's task: a sampled miss's trace, else the first's."""
    chosen = batch[0].context
    for miss in batch:
        if trace.get_current_span(miss.context).get_span_context().trace_flags.sampled:
            chosen = miss.context
            break
    context = contextvars.copy_context()
    context.run(otel_context.attach, chosen)  # lives and dies with the task: no detach
    return context


def _succeed(waiter: asyncio.Future[Link | None], link: Link | None) -> None:
    if not waiter.done():  # a waiter cancelled meanwhile is done
        waiter.set_result(link)


def _fail(waiter: asyncio.Future[Link | None], err: BaseException) -> None:
    if not waiter.done():
        waiter.set_exception(err)
