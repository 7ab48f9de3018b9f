"""`TtlCache`: entries live the TTL, the oldest go first, a TTL of 0 keeps nothing."""

from __future__ import annotations

import pytest

from hop_instrumentation.cache import TtlCache


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entry_lives_exactly_the_ttl() -> None:
    clock = _Clock()
    cache = TtlCache[str, int](ttl=1.0, max_entries=10, clock=clock)
    cache.put("a", 1)
    clock.now += 0.99
    assert cache.get("a") == 1
    clock.now += 0.01
    assert cache.get("a") is None
    assert len(cache) == 0


def test_over_max_entries_the_oldest_is_evicted() -> None:
    cache = TtlCache[str, int](ttl=1.0, max_entries=2, clock=_Clock())
    for index, key in enumerate("abc"):
        cache.put(key, index)
    assert [cache.get(key) for key in "abc"] == [None, 1, 2]


def test_put_drops_expired_entries_at_once_not_when_full() -> None:
    clock = _Clock()
    cache = TtlCache[str, int](ttl=1.0, max_entries=100, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    clock.now += 1.0
    cache.put("c", 3)
    assert len(cache) == 1


def test_ttl_0_keeps_nothing_and_says_so() -> None:
    cache = TtlCache[str, int](ttl=0.0, max_entries=10)
    cache.put("a", 1)
    assert (cache.get("a"), cache.is_enabled) == (None, False)


def test_max_entries_under_1_is_refused_naming_the_value() -> None:
    with pytest.raises(ValueError, match="max_entries is 0; a cache keeps at least 1 entry"):
        TtlCache[str, int](ttl=1.0, max_entries=0)
