"""Concurrent misses of different codes leave for links together: one request per batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from hop_contracts.testing import link_body
from hop_instrumentation.testing import app_client
from hop_redirect.batching import BatchResolver
from hop_redirect.errors import LinksUnavailableError
from hop_redirect.records import Link

from .conftest import AppFactory


def _link(code: str) -> Link:
    return Link(id=f"id-{code}", code=code, url=f"https://example.com/{code}",
                redirect_status=302, forward_query=False, expires_at=None,
                disabled=False)  # fmt: skip


class HeldLinks:
    """Answer each batch when the test releases it; known codes start with ``k``."""

    def __init__(self, *, failing: bool = False, leave_out: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.domains: list[str] = []
        self.singles: list[str] = []
        self.contexts: list[SpanContext] = []
        self.release = asyncio.Event()
        self.failing = failing
        self.leave_out = leave_out

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        self.singles.append(code)
        return (await self.resolve_many([code], domain))[code]

    async def resolve_many(self, codes: Sequence[str], domain: str = "") -> dict[str, Link | None]:
        self.batches.append(list(codes))
        self.domains.append(domain)
        self.contexts.append(trace.get_current_span().get_span_context())
        await self.release.wait()
        if self.failing:
            raise LinksUnavailableError("links answered 503 for a batch.")
        answer = {code: _link(code) if code.startswith("k") else None for code in codes}
        answer.pop(self.leave_out or "", None)
        return answer


async def _started(resolver: BatchResolver, codes: list[str]) -> list[asyncio.Task[Link | None]]:
    tasks = [asyncio.create_task(resolver.resolve(code)) for code in codes]
    await _settled()
    return tasks


async def _settled() -> None:
    """Let every ready callback run: misses queue, batches leave, requests start."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_batch_resolver_sends_a_lone_miss_at_once() -> None:
    links = HeldLinks()
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    [task] = await _started(resolver, ["k1"])
    assert links.batches == [["k1"]]  # asked before any answer came: no timer, no wait
    assert links.singles == ["k1"]  # alone, on the one-code route
    links.release.set()
    assert await task == _link("k1")


async def test_batch_resolver_misses_pending_while_a_request_is_out_leave_together() -> None:
    links = HeldLinks()
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    first = await _started(resolver, ["k1"])
    rest = await _started(resolver, ["k2", "u3", "k4"])
    assert links.batches == [["k1"]]
    links.release.set()
    answers = await asyncio.gather(*first, *rest)
    assert links.batches == [["k1"], ["k2", "u3", "k4"]]
    assert links.singles == ["k1"]
    assert answers == [_link("k1"), _link("k2"), None, _link("k4")]


async def test_batch_resolver_splits_pending_misses_by_batch_size_and_in_flight() -> None:
    links = HeldLinks()
    resolver = BatchResolver(links, batch_size=2, in_flight=2)
    tasks = await _started(resolver, ["k1", "k2", "k3", "k4", "k5"])
    assert links.batches == [["k1", "k2"], ["k3", "k4"]]  # two out, k5 waits
    links.release.set()
    await asyncio.gather(*tasks)
    assert links.batches == [["k1", "k2"], ["k3", "k4"], ["k5"]]


async def test_batch_resolver_groups_pending_misses_by_domain_oldest_domain_first() -> None:
    links = HeldLinks()
    resolver = BatchResolver(links, batch_size=2, in_flight=1)
    first = await _started(resolver, ["k0"])
    misses = [("k1", "a.test"), ("k1", ""), ("k2", "a.test"), ("k3", "a.test"), ("k4", "")]
    rest = [asyncio.create_task(resolver.resolve(code, domain)) for code, domain in misses]
    await _settled()
    links.release.set()
    answers = await asyncio.gather(*first, *rest)
    assert list(zip(links.domains, links.batches, strict=True)) == [
        ("", ["k0"]),
        ("a.test", ["k1", "k2"]),
        ("", ["k1", "k4"]),
        ("a.test", ["k3"]),
    ]
    assert answers == [_link(code) for code in ("k0", "k1", "k1", "k2", "k3", "k4")]


async def test_batch_resolver_asks_a_code_pending_twice_once() -> None:
    links = HeldLinks()
    links.release.set()
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    answers = await asyncio.gather(*await _started(resolver, ["k1", "k1"]))
    assert links.batches == [["k1"]]
    assert answers == [_link("k1"), _link("k1")]


async def test_batch_resolver_failure_fails_each_miss_of_the_batch_and_goes_on() -> None:
    links = HeldLinks(failing=True)
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    tasks = await _started(resolver, ["k1", "k2"])
    links.release.set()
    for task in tasks:
        with pytest.raises(LinksUnavailableError, match=r"^links answered 503 for a batch\.$"):
            await task
    links.failing = False
    assert await resolver.resolve("k3") == _link("k3")


async def test_batch_resolver_code_left_out_of_the_answer_fails_that_miss_only() -> None:
    links = HeldLinks(leave_out="k2")
    links.release.set()
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    first, second = await _started(resolver, ["k1", "k2"])
    assert await first == _link("k1")
    with pytest.raises(LinksUnavailableError, match=r"^links left out 'k2'\.$"):
        await second


async def test_batch_resolver_request_carries_a_sampled_misss_trace() -> None:
    links = HeldLinks()
    links.release.set()
    resolver = BatchResolver(links, batch_size=100, in_flight=1)
    unsampled = SpanContext(1, 1, is_remote=True, trace_flags=TraceFlags(0))
    sampled = SpanContext(2, 2, is_remote=True, trace_flags=TraceFlags(1))

    async def miss(code: str, span: SpanContext) -> Link | None:
        otel_context.attach(trace.set_span_in_context(NonRecordingSpan(span)))
        return await resolver.resolve(code)

    await asyncio.gather(miss("k1", unsampled), miss("k2", sampled), miss("k3", unsampled))
    assert links.batches == [["k1", "k2", "k3"]]
    assert links.contexts == [sampled]


async def test_redirect_concurrent_misses_of_different_codes_become_one_request(
    make_app: AppFactory,
) -> None:
    codes = [f"c{n}" for n in range(20)]
    known = {code: link_body(code, f"https://example.com/{code}") for code in codes[:15]}
    app, fake, _ = make_app(known, links_batches_in_flight=1)
    async with app_client(app) as client:
        answers = await asyncio.gather(*(client.get(f"/{code}") for code in codes))
    assert [answer.status_code for answer in answers] == [302] * 15 + [404] * 5
    assert [answer.headers.get("location") for answer in answers[:15]] == [
        f"https://example.com/{code}" for code in codes[:15]
    ]
    assert sorted(code for batch in fake.batches for code in batch) == sorted(codes)
    assert len(fake.batches) < len(codes)  # one request per miss without batching


async def test_redirect_links_down_fails_every_miss_of_a_batch_with_503(
    make_app: AppFactory,
) -> None:
    app, fake, _ = make_app(links_batches_in_flight=1)
    fake.down = True
    async with app_client(app) as client:
        answers = await asyncio.gather(*(client.get(f"/d{n}") for n in range(8)))
    assert [answer.status_code for answer in answers] == [503] * 8
    assert {answer.headers["retry-after"] for answer in answers} == {"5"}


async def test_redirect_batch_size_1_resolves_each_miss_on_the_one_code_route(
    make_app: AppFactory,
) -> None:
    app, fake, _ = make_app(links_batch_size=1)
    async with app_client(app) as client:
        answers = await asyncio.gather(client.get("/abc"), client.get("/zzz"))
    assert [answer.status_code for answer in answers] == [302, 404]
    assert fake.batches == []
    assert (fake.calls["abc"], fake.calls["zzz"]) == (1, 1)
