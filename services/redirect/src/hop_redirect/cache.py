"""The link cache: in-process LRU with TTL, negative caching and single flight; optional L2.

Staleness bound: an entry is fresh for ``ttl`` seconds counted from the moment its
resolve *started*, so a link changed or deleted in links at time T is never served
from this cache after T + ``ttl`` (T + ``negative_ttl`` for a code created after it
was remembered as unknown). An entry read from the shared cache keeps the age it had
there, so the bound holds across both levels. Only while links is unreachable may an
expired entry be served, for at most ``stale_if_error`` seconds past its TTL.

Unknown codes cannot crowd known links out: they live in their own LRU
(``negative_size``), and lookups at links are paid from a token bucket refilled at
``unknown_lookup_rate`` per second that only unknown answers spend (a lookup takes a
token and gets it back if the code exists). A flood of unique unknown codes therefore
costs links at most ``unknown_lookup_burst`` lookups plus the rate; past that a miss
raises `LookupsThrottledError` (the front answers 429 with ``Retry-After``: the code
may exist, so 404 would be a lie; a client's scan is no outage, so no 503) until the
bucket refills. Cached codes, known or unknown, are answered as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from hop_redirect.errors import LinksUnavailableError, LookupsThrottledError
from hop_redirect.metrics import CacheMetrics
from hop_redirect.records import Link

__all__ = ["CacheMetricsPublisher", "LinkCache", "Resolver", "SharedCache", "cache_key"]

V = TypeVar("V")


def cache_key(code: str, domain: str = "") -> str:
    """Return the in-process key of ``code`` on ``domain`` ("": the platform's, the code alone)."""
    return f"{domain}/{code}" if domain else code


class Resolver(Protocol):
    """Resolve a code at the source of truth (links)."""

    async def resolve(self, code: str, domain: str = "") -> Link | None:
        """Return the link, None if unknown; raise `LinksUnavailableError` on failure."""
        ...


class SharedCache(Protocol):
    """A cache shared by every replica (L2); failures must not fail a redirect."""

    async def get(self, code: str, domain: str = "") -> tuple[Link | None, float] | None:
        """Return the cached link (None: known unknown) and its age in seconds, or None."""
        ...

    async def put(self, code: str, domain: str, link: Link | None, ttl: float) -> None:
        """Store the link (or its absence) for ``ttl`` seconds."""
        ...


class _Entry(Generic[V]):
    __slots__ = ("fresh_until", "negative", "stale_until", "value")

    def __init__(self, value: V, negative: bool, fresh_until: float, stale_until: float) -> None:
        self.value = value
        self.negative = negative
        self.fresh_until = fresh_until
        self.stale_until = stale_until


class TokenBucket:
    """Tokens refilled at ``rate`` per second up to ``burst``; spend one per unknown code."""

    __slots__ = ("_burst", "_clock", "_rate", "_tokens", "_updated")

    def __init__(self, *, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> bool:
        """Take one token if there is one; return whether it was taken."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def give_back(self) -> None:
        """Return a token taken for a lookup that found a link."""
        self._tokens = min(self._burst, self._tokens + 1.0)


class LinkCache(Generic[V]):
    """Map (domain, code) to what ``build`` makes of the link, resolving misses once each.

    Keys are `cache_key`'s: a platform code's is the code, a branded domain's
    ``<domain>/<code>`` (no code holds a ``/``).
    """

    def __init__(
        self,
        *,
        resolver: Resolver,
        build: Callable[[str, Link | None], V],
        metrics: CacheMetrics,
        size: int,
        ttl: float,
        negative_ttl: float,
        negative_size: int = 10_000,
        unknown_lookup_rate: float = 100.0,
        unknown_lookup_burst: int = 1000,
        stale_if_error: float = 0.0,
        shared: SharedCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolver = resolver
        self._build = build
        self._size = size
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._stale_if_error = stale_if_error
        self._shared = shared
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._negatives: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._negative_size = negative_size
        self._lookups = TokenBucket(
            rate=unknown_lookup_rate, burst=unknown_lookup_burst, clock=clock
        )
        self._flights: dict[str, asyncio.Future[V]] = {}
        self._metrics = metrics
        # Hits are counted in plain ints (a prometheus Counter takes a lock per inc) and
        # published by `publish_metrics`, which a `CacheMetricsPublisher` calls every second.
        self._hits = 0
        self._negative_hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def negative_count(self) -> int:
        """Return how many unknown codes are remembered."""
        return len(self._negatives)

    def lookup(self, key: str) -> V | None:
        """Return the fresh cached value for `cache_key` ``key``, or None (then call `fetch`)."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry.fresh_until <= self._clock():
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return entry.value
        entry = self._negatives.get(key)
        if entry is None or entry.fresh_until <= self._clock():
            return None
        self._negative_hits += 1
        return entry.value

    def publish_metrics(self) -> None:
        """Move the hit counts gathered since the last call into the Prometheus counters."""
        hits, negative_hits = self._hits, self._negative_hits
        self._hits = self._negative_hits = 0
        if hits:
            self._metrics.hits.inc(hits)
        if negative_hits:
            self._metrics.negative_hits.inc(negative_hits)

    def count_unknown_host(self, *, remembered: bool) -> None:
        """Count an unknown host's answer as an unknown code's; raise if throttled.

        A host seen for the first time spends a lookup token as an unknown code does
        (no call to links, but the same budget for a client's scan); a remembered one is
        a negative hit. Raise `LookupsThrottledError` when no token is left.
        """
        if remembered:
            self._negative_hits += 1
        elif not self._lookups.take():
            self._metrics.lookups_throttled.inc()
            raise LookupsThrottledError("Too many lookups of unknown hosts lately.")

    async def fetch(self, code: str, domain: str = "") -> V:
        """Resolve ``code`` on ``domain`` (one call to links however many wait) and cache it."""
        key = cache_key(code, domain)
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._load(key, code, domain))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(flight)

    def _landed(self, key: str, flight: asyncio.Future[V]) -> None:
        self._flights.pop(key, None)
        if not flight.cancelled():
            flight.exception()  # retrieved here: every waiter may have gone away

    async def _load(self, key: str, code: str, domain: str) -> V:
        self._metrics.misses.inc()
        started = self._clock()
        if self._shared is not None:
            shared = await self._shared.get(code, domain)
            if shared is not None:
                link, age = shared
                return self._store(key, code, link, started - age)
        try:
            link = await self._resolve(code, domain)
        except LinksUnavailableError as err:
            return self._stale_or_raise(key, err)
        value = self._store(key, code, link, started)
        if self._shared is not None:
            await self._shared.put(code, domain, link, self._ttl_of(link))
        return value

    async def _resolve(self, code: str, domain: str) -> Link | None:
        if not self._lookups.take():
            self._metrics.lookups_throttled.inc()
            raise LookupsThrottledError(
                f"Too many lookups of unknown codes; {code!r} is not looked up right now."
            )
        try:
            link = await self._resolver.resolve(code, domain)
        except LinksUnavailableError:
            self._lookups.give_back()  # only answers that a code is unknown spend tokens
            raise
        if link is not None:
            self._lookups.give_back()
        return link

    def _stale_or_raise(self, key: str, err: LinksUnavailableError) -> V:
        entry = self._entries.get(key)
        if entry is None or entry.stale_until <= self._clock():
            raise err
        self._metrics.stale_served.inc()
        return entry.value

    def _ttl_of(self, link: Link | None) -> float:
        return self._negative_ttl if link is None else self._ttl

    def _store(self, key: str, code: str, link: Link | None, resolved_at: float) -> V:
        value = self._build(code, link)
        fresh_until = resolved_at + self._ttl_of(link)
        if link is None:
            self._entries.pop(key, None)
            self._put(self._negatives, key, _Entry(value, True, fresh_until, fresh_until))
            while len(self._negatives) > self._negative_size:
                self._negatives.popitem(last=False)  # unknown codes evict only each other
        else:
            self._negatives.pop(key, None)
            stale_until = fresh_until + self._stale_if_error
            self._put(self._entries, key, _Entry(value, False, fresh_until, stale_until))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
                self._metrics.evictions.inc()
        self._metrics.size.set(len(self._entries))
        self._metrics.negative_size.set(len(self._negatives))
        return value

    @staticmethod
    def _put(entries: OrderedDict[str, _Entry[V]], key: str, entry: _Entry[V]) -> None:
        entries[key] = entry
        entries.move_to_end(key)


class CacheMetricsPublisher:
    """Call a cache's `LinkCache.publish_metrics` every ``interval`` seconds while started."""

    def __init__(self, cache: LinkCache[Any], *, interval: float = 1.0) -> None:
        self._cache = cache
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start publishing in the background."""
        self._task = asyncio.create_task(self._run(), name="cache-metrics-publisher")

    async def stop(self) -> None:
        """Stop publishing, then publish what was counted since the last round."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._cache.publish_metrics()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self._cache.publish_metrics()
