"""A bounded in-process cache whose entries expire after one TTL.

Usage::

    recent = TtlCache[str, Caller](ttl=1.0, max_entries=10_000, clock=clock)
    caller = recent.get(digest)
    if caller is None:
        caller = await authenticate(secret)
        recent.put(digest, caller)

One TTL for every entry makes insertion order expiry order: the oldest entry expires
first, so `put` drops expired entries from the front (lists can be large: they go at
once, not when the cache is full) and then the oldest while over ``max_entries``. A TTL
of 0 keeps nothing. ``clock`` is monotonic seconds: tests move it instead of sleeping.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Keep values for ``ttl`` seconds, at most ``max_entries``, the oldest evicted first."""

    __slots__ = ("_clock", "_entries", "_max_entries", "_ttl")

    def __init__(
        self,
        *,
        ttl: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries is {max_entries}; a cache keeps at least 1 entry.")
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    @property
    def is_enabled(self) -> bool:
        """Tell whether the cache keeps anything (a TTL over 0)."""
        return self._ttl > 0

    def get(self, key: K) -> V | None:
        """Return the value kept for ``key``, or None if there is none or it expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` for the TTL (nothing with a TTL of 0)."""
        now = self._clock()
        while self._entries and next(iter(self._entries.values()))[0] <= now:
            self._entries.popitem(last=False)
        if self._ttl <= 0:
            return
        self._entries[key] = (now + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
