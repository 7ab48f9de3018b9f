"""Click events: recorded on the hot path as raw tuples, turned into events at flush time.

The redirect only appends a tuple to a deque (no id, no parsing, no I/O);
the flusher later gives each event its id, timestamp text, decoded headers and bot
flag, off the hot path.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

import orjson

from hop_contracts import MAX_HEADER_LENGTH, is_bot

__all__ = ["ClickBuffer", "RawClick", "encode_events", "to_event", "to_events"]

#: link id, code, wall-clock time, referer, user agent, country, traceparent (header bytes
#: as sent). The link id is the one the serving cache entry holds, so a click on a link
#: deleted since stays with that link even if its code has been created again.
RawClick = tuple[str, str, float, bytes | None, bytes | None, bytes | None, str | None]

_VARIANT: Final = "89ab"


class ClickBuffer:
    """An unbounded FIFO of raw clicks that asks to be spilled to the spool past ``spill_at``.

    Recording never drops and never blocks: the pipeline moves clicks out, to the
    receiver or, when delivery falls behind, to the durable spool.
    """

    __slots__ = ("_batch_size", "_items", "_spill_at", "spill", "wakeup")

    def __init__(self, *, spill_at: int, batch_size: int) -> None:
        self._items: deque[RawClick] = deque()
        self._spill_at = spill_at
        self._batch_size = batch_size
        #: Set when a full batch is waiting, so the flusher does not wait for its timer.
        self.wakeup = asyncio.Event()
        #: Set when the buffer holds more than ``spill_at`` clicks: time to spill to disk.
        self.spill = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def oldest_at(self) -> float | None:
        """Return the wall-clock time of the oldest click held, None if empty."""
        items = self._items
        return items[0][2] if items else None

    @property
    def is_over(self) -> bool:
        """Return whether the buffer holds more than it should keep in memory."""
        return len(self._items) > self._spill_at

    def record(
        self,
        link_id: str,
        code: str,
        referrer: bytes | None,
        user_agent: bytes | None,
        country: bytes | None,
        traceparent: str | None,
    ) -> None:
        """Append one click. Never blocks, never drops."""
        items = self._items
        items.append((link_id, code, time.time(), referrer, user_agent, country, traceparent))
        size = len(items)
        if size == self._batch_size:
            self.wakeup.set()
        elif size == self._spill_at + 1:
            self.spill.set()

    def take(self, limit: int) -> list[RawClick]:
        """Remove and return up to ``limit`` of the oldest clicks."""
        items = self._items
        count = min(limit, len(items))
        return [items.popleft() for _ in range(count)]


def encode_events(raws: list[RawClick]) -> list[bytes]:
    """Return the contract's events for raw clicks, each encoded as JSON (CPU only: thread-safe)."""
    return [orjson.dumps(event) for event in to_events(raws)]


def to_events(raws: list[RawClick]) -> list[dict[str, Any]]:
    """Return the contract's JSON events for raw clicks, each with a fresh random UUID4 id."""
    random = os.urandom(16 * len(raws)).hex()
    return [to_event(raw, _uuid4_hex(random, 32 * i)) for i, raw in enumerate(raws)]


def to_event(raw: RawClick, event_id: str) -> dict[str, Any]:
    """Return the contract's JSON event for a raw click."""
    link_id, code, at, referrer, user_agent, country, traceparent = raw
    agent = _text(user_agent)
    event: dict[str, Any] = {
        "id": event_id,
        "link_id": link_id,
        "code": code,
        "timestamp": _timestamp(at),
        "referrer": _text(referrer),
        "user_agent": agent,
        "is_bot": is_bot(agent) if agent else False,
        "country": _country(country),
    }
    if traceparent is not None:
        event["traceparent"] = traceparent
    return event


def _text(value: bytes | None) -> str | None:
    if not value:
        return None
    return value.decode("utf-8", "replace")[:MAX_HEADER_LENGTH]


def _country(value: bytes | None) -> str | None:
    if value is None or len(value) != 2 or not value.isalpha():
        return None  # absent, or a CDN placeholder such as Cloudflare's "T1" (Tor)
    code = value.decode("ascii").upper()
    return None if code == "XX" else code


def _uuid4_hex(random: str, start: int) -> str:
    # A UUID4 is 122 random bits with the version nibble 4 and the variant bits 10.
    chunk = random[start : start + 32]
    variant = _VARIANT[int(chunk[16], 16) & 3]
    return f"{chunk[:12]}4{chunk[13:16]}{variant}{chunk[17:]}"


@lru_cache(maxsize=4)
def _second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _timestamp(at: float) -> str:
    whole, millis = divmod(int(at * 1000), 1000)
    return f"{_second(whole)}.{millis:03d}Z"
