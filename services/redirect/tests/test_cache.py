from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from hop_instrumentation.testing import metric_value
from hop_redirect.cache import LinkCache, cache_key
from hop_redirect.errors import LinksUnavailableError, LookupsThrottledError
from hop_redirect.metrics import CacheMetrics
from hop_redirect.records import Link


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """links as a dict; ``gate`` holds resolves until released; ``down`` fails them."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.calls: list[str] = []
        self.gate: asyncio.Event | None = None
        self.down = False

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        key = cache_key(code, domain)
        self.calls.append(key)
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise LinksUnavailableError("down")
        url = self.urls.get(key)
        return None if url is None else Link(f"id-{code}", code, url, 302, False, None, False)


def build(
    source: Source, clock: Clock, *, size: int = 100, stale: float = 0.0
) -> tuple[LinkCache[str], CollectorRegistry]:
    registry = CollectorRegistry()
    cache: LinkCache[str] = LinkCache(
        resolver=source,
        build=lambda code, link: link.url if link else "unknown",
        metrics=CacheMetrics.register(registry),
        size=size,
        ttl=30.0,
        negative_ttl=5.0,
        stale_if_error=stale,
        clock=clock,
    )
    return cache, registry


def counts(cache: LinkCache[str], registry: CollectorRegistry) -> dict[str, float]:
    cache.publish_metrics()
    names = ("hits", "misses", "negative_hits", "evictions", "stale_served")
    values = {n: metric_value(registry, f"hop_redirect_cache_{n}_total") for n in names}
    values["size"] = metric_value(registry, "hop_redirect_cache_size")
    return values


async def test_cache_fresh_entry_is_served_without_calling_links() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    cache, registry = build(source, clock)
    assert cache.lookup("a") is None
    assert await cache.fetch("a") == "https://a/"
    clock.now += 29.9
    assert cache.lookup("a") == "https://a/"
    assert source.calls == ["a"]
    assert counts(cache, registry) == {
        "hits": 1, "misses": 1, "negative_hits": 0, "evictions": 0, "stale_served": 0, "size": 1
    }  # fmt: skip


async def test_cache_entry_past_ttl_is_resolved_again() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    cache, _ = build(source, clock)
    await cache.fetch("a")
    clock.now += 30.0
    assert cache.lookup("a") is None
    assert await cache.fetch("a") == "https://a/"
    assert source.calls == ["a", "a"]


async def test_cache_unknown_code_is_remembered_for_the_shorter_negative_ttl() -> None:
    source, clock = Source({}), Clock()
    cache, registry = build(source, clock)
    assert await cache.fetch("x") == "unknown"
    clock.now += 4.9
    assert cache.lookup("x") == "unknown"
    clock.now += 0.1
    assert cache.lookup("x") is None
    assert counts(cache, registry)["negative_hits"] == 1


async def test_cache_staleness_bound_changed_and_deleted_links_take_effect_within_ttl() -> None:
    source, clock = Source({"a": "https://old/", "b": "https://b/"}), Clock()
    cache, _ = build(source, clock)
    started = clock.now
    await cache.fetch("a")
    await cache.fetch("b")
    source.urls = {"a": "https://new/"}  # a changed, b deleted, at `started`
    seen: dict[float, tuple[str | None, str | None]] = {}
    for step in range(0, 61):
        clock.now = started + step * 0.5
        values = []
        for code in ("a", "b"):
            value = cache.lookup(code)
            values.append(value if value is not None else await cache.fetch(code))
        seen[clock.now - started] = (values[0], values[1])
    assert all(v == ("https://old/", "https://b/") for t, v in seen.items() if t < 30.0)
    assert all(v == ("https://new/", "unknown") for t, v in seen.items() if t >= 30.0)


async def test_cache_concurrent_misses_make_one_call_to_links() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    source.gate = asyncio.Event()
    cache, registry = build(source, clock)
    waiters = [asyncio.create_task(cache.fetch("a")) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiters) == ["https://a/"] * 50
    assert source.calls == ["a"]
    assert counts(cache, registry)["misses"] == 1


async def test_cache_cancelled_waiter_does_not_cancel_the_flight() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    source.gate = asyncio.Event()
    cache, _ = build(source, clock)
    first = asyncio.create_task(cache.fetch("a"))
    second = asyncio.create_task(cache.fetch("a"))
    await asyncio.sleep(0)
    first.cancel()
    source.gate.set()
    assert await second == "https://a/"
    assert cache.lookup("a") == "https://a/"


async def test_cache_over_its_bound_evicts_the_least_recently_used() -> None:
    source, clock = Source({c: f"https://{c}/" for c in "abcd"}), Clock()
    cache, registry = build(source, clock, size=3)
    for code in "abc":
        await cache.fetch(code)
    cache.lookup("a")  # a is now the most recent; b the least
    await cache.fetch("d")
    assert cache.lookup("b") is None
    assert [cache.lookup(c) for c in "acd"] == ["https://a/", "https://c/", "https://d/"]
    assert (counts(cache, registry)["evictions"], len(cache)) == (1, 3)


async def test_cache_links_down_serves_expired_entry_within_stale_if_error() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    cache, registry = build(source, clock, stale=60.0)
    await cache.fetch("a")
    source.down = True
    clock.now += 31.0
    assert await cache.fetch("a") == "https://a/"
    clock.now += 60.0
    with pytest.raises(LinksUnavailableError):
        await cache.fetch("a")
    assert counts(cache, registry)["stale_served"] == 1


async def test_cache_links_down_and_nothing_cached_raises_and_caches_nothing() -> None:
    source, clock = Source({"a": "https://a/"}), Clock()
    source.down = True
    cache, _ = build(source, clock)
    with pytest.raises(LinksUnavailableError):
        await cache.fetch("a")
    source.down = False
    assert cache.lookup("a") is None
    assert await cache.fetch("a") == "https://a/"


async def test_cache_unknown_codes_never_evict_known_links_and_lookups_are_capped() -> None:
    source, clock = Source({c: f"https://{c}/" for c in "abc"}), Clock()
    registry = CollectorRegistry()
    cache: LinkCache[str] = LinkCache(
        resolver=source,
        build=lambda code, link: link.url if link else "unknown",
        metrics=CacheMetrics.register(registry),
        size=3,
        ttl=30.0,
        negative_ttl=5.0,
        negative_size=10,
        unknown_lookup_rate=2.0,
        unknown_lookup_burst=20,
        clock=clock,
    )
    for code in "abc":
        await cache.fetch(code)
    answers = []
    for i in range(3000):
        try:
            answers.append(await cache.fetch(f"flood{i}"))
        except LookupsThrottledError:
            answers.append("throttled")
    assert answers == ["unknown"] * 20 + ["throttled"] * 2980
    assert [cache.lookup(c) for c in "abc"] == ["https://a/", "https://b/", "https://c/"]
    assert (len(cache), cache.negative_count) == (3, 10)
    assert len(source.calls) == 3 + 20
    assert metric_value(registry, "hop_redirect_cache_lookups_throttled_total") == 2980
    clock.now += 1.0  # two more tokens
    assert await cache.fetch("flood-late") == "unknown"
    assert await cache.fetch("d-unknown-too") == "unknown"
    with pytest.raises(LookupsThrottledError):
        await cache.fetch("one-too-many")


async def test_cache_lookups_of_existing_codes_never_run_out_of_tokens() -> None:
    source, clock = Source({f"k{i}": "https://k/" for i in range(100)}), Clock()
    registry = CollectorRegistry()
    cache: LinkCache[str] = LinkCache(
        resolver=source,
        build=lambda code, link: link.url if link else "unknown",
        metrics=CacheMetrics.register(registry),
        size=10,
        ttl=30.0,
        negative_ttl=5.0,
        unknown_lookup_rate=1.0,
        unknown_lookup_burst=1,
        clock=clock,
    )
    assert [await cache.fetch(f"k{i}") for i in range(100)] == ["https://k/"] * 100
