"""The Redis stream consumer: read with a group, commit, then acknowledge.

A batch is acknowledged only after its transaction committed, so a consumer killed
mid-batch leaves its entries pending; a live consumer reclaims them with XAUTOCLAIM
once they have been idle ``claim_idle_ms``. Ingestion is idempotent on the event id,
so redelivery never counts a click twice. Entries outside the click contract (reason
``invalid``) and events the database refuses on their own (``refused``, found by
splitting the batch) go to ``<stream>:dead`` with the reason and are acknowledged: no
entry can stall the stream. A consumer that makes no progress for ``stall_after``
seconds (the database down, Redis failing) reports itself stalled to ``/readyz``.
Once a second (``backlog_every``) a poll also reads the group's backlog (XINFO GROUPS:
entries not delivered yet, and delivered but not acknowledged) into two gauges, and
the time of the stream's first entry (`StreamConsumer.oldest_at`): committed entries are
deleted, so the first one left is the oldest click waiting there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from hop_analytics.errors import MalformedEventError
from hop_analytics.events import Click, EventParser
from hop_analytics.ingestion import Ingestor
from hop_analytics.metrics import ConsumerState
from hop_contracts import dead_letter_stream

__all__ = ["ConsumerOptions", "StreamConsumer", "oldest_waiting"]

logger = logging.getLogger("hop.analytics.consumer")
Entry = tuple[bytes, dict[bytes, bytes] | None]
#: An entry to move to the dead-letter stream: its id, its event, the metric reason, why.
DeadEntry = tuple[bytes, bytes, str, str]
_MAX_BACKOFF: Final = 5.0
_CLAIM_ROUNDS: Final = 10


@dataclass(slots=True, frozen=True, kw_only=True)
class ConsumerOptions:
    """Where and how the consumer reads."""

    stream: str
    group: str
    consumer: str
    batch_size: int = 1000
    block_ms: int = 1000
    claim_idle_ms: int = 30_000
    stall_after: float = 60.0
    #: Seconds between two readings of the group's backlog (one round trip each).
    backlog_every: float = 1.0

    @property
    def dead_stream(self) -> str:
        """Return the stream malformed entries are moved to."""
        return dead_letter_stream(self.stream)


class StreamConsumer:
    """Consume click events from a Redis stream until stopped."""

    def __init__(
        self, redis: Redis, ingestor: Ingestor, parser: EventParser, options: ConsumerOptions
    ) -> None:
        self._redis = redis
        self._ingestor = ingestor
        self._parser = parser
        self._options = options
        self._progress_at = time.monotonic()
        self._last_error = "none yet"
        self._metrics = ingestor.metrics
        self._stopping = asyncio.Event()
        self._backlog = True
        self._next_claim = 0.0
        self._next_backlog = 0.0
        #: When the oldest entry still in the stream was added (its id's milliseconds),
        #: None while the stream is empty, as the last backlog reading saw it.
        self.oldest_at: float | None = None
        self.state = ConsumerState.STARTING
        self._set_state(ConsumerState.STARTING)

    async def ensure_group(self) -> None:
        """Create the stream and the consumer group if they do not exist yet."""
        try:
            await self._redis.xgroup_create(
                self._options.stream, self._options.group, id="0", mkstream=True
            )
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise

    async def run(self) -> None:
        """Consume until `stop`; back off on errors and pick the backlog up again."""
        failures = 0
        while not self._stopping.is_set():
            try:
                if self.state is ConsumerState.STARTING or failures:
                    await self.ensure_group()
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                failures += 1
                self._backlog = True
                self._last_error = repr(err)[:300]
                self._set_state(ConsumerState.BACKOFF)
                logger.warning("stream consumer failed", extra={"error": self._last_error})
                await self._sleep(min(_MAX_BACKOFF, 0.1 * 2**failures))
            else:
                failures = 0
                self._progress_at = time.monotonic()
                self._set_state(ConsumerState.RUNNING)
        self._set_state(ConsumerState.STOPPED)

    def stop(self) -> None:
        """Ask `run` to return after the batch in hand."""
        self._stopping.set()

    @property
    def is_healthy(self) -> bool:
        """Tell whether the consumer made progress within the last ``stall_after`` seconds."""
        return self.stalled_for < self._options.stall_after

    @property
    def stalled_for(self) -> float:
        """Return the seconds since the last step that succeeded (read, stored, acked)."""
        return time.monotonic() - self._progress_at

    def describe_stall(self) -> str:
        """Return a sentence saying how long the consumer has stalled, and why."""
        return (
            f"Stream consumer {self._options.consumer} made no progress for "
            f"{self.stalled_for:.0f} s ({self.state.value}); last error: {self._last_error}."
        )

    async def step(self) -> int:
        """Claim idle entries of dead consumers, then read and handle one batch."""
        handled = 0
        if time.monotonic() >= self._next_backlog:
            await self._measure_backlog()
            self._next_backlog = time.monotonic() + self._options.backlog_every
        if time.monotonic() >= self._next_claim:
            handled += await self._claim()
            self._next_claim = time.monotonic() + self._options.claim_idle_ms / 2000
        entries: list[Entry] = []
        if self._backlog:  # our own pending entries first (after a restart or a failure)
            entries = await self._read("0")
            self._backlog = bool(entries)
        if not entries:
            entries = await self._read(">")
        return handled + await self.handle(entries)

    async def _read(self, start: str) -> list[Entry]:
        options = self._options
        block = None if start == "0" else options.block_ms
        response: list[Any] | None = await self._redis.xreadgroup(  # type: ignore[assignment]
            options.group, options.consumer, {options.stream: start}, options.batch_size, block
        )
        return [entry for _stream, entries in response or [] for entry in entries]

    async def _measure_backlog(self) -> None:
        options = self._options
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(options.stream)
            pipe.xinfo_groups(options.stream)
            pipe.xrange(options.stream, count=1)
            length, groups, first = await pipe.execute()
        self.oldest_at = _added_at(first[0][0]) if first else None
        names = (options.group, options.group.encode())
        group = next((g for g in groups if g["name"] in names), None)
        if group is None:
            return
        pending = int(group["pending"])
        lag = group.get("lag")  # Redis 7; None when deleted entries hide it
        if lag is None:
            # Committed entries are deleted, so the stream holds exactly the pending
            # entries and those not delivered yet.
            lag = max(0, length - pending)
        self._metrics.observe_backlog(int(lag), pending)

    async def _claim(self) -> int:
        options = self._options
        cursor: bytes | str = "0-0"
        handled = 0
        for _round in range(_CLAIM_ROUNDS):
            reply: list[Any] = await self._redis.xautoclaim(
                options.stream,
                options.group,
                options.consumer,
                options.claim_idle_ms,
                start_id=cursor,
                count=options.batch_size,
            )
            cursor, entries = reply[0], reply[1]
            if entries:
                logger.info("reclaimed pending clicks", extra={"entries": len(entries)})
            handled += await self.handle(entries)
            if cursor in (b"0-0", "0-0"):
                break
        return handled

    async def handle(self, entries: Sequence[Entry]) -> int:
        """Store the valid events, move the malformed aside, then acknowledge every entry."""
        if not entries:
            return 0
        clicks: list[Click] = []
        sources: list[tuple[bytes, bytes]] = []
        dead: list[DeadEntry] = []
        raws = [(fields or {}).get(b"event", b"") for _entry_id, fields in entries]
        for (entry_id, _fields), raw, parsed in zip(
            entries, raws, self._parser.events(raws), strict=True
        ):
            if isinstance(parsed, MalformedEventError):
                dead.append((entry_id, raw, "invalid", parsed.message))
            else:
                clicks.append(parsed)
                sources.append((entry_id, raw))
        self._metrics.received.labels("redis").inc(len(entries))
        if clicks:
            report = await self._ingestor.ingest(clicks, transport="redis")
            for refused in report.refused:
                entry_id, raw = sources[refused.index]
                dead.append((entry_id, raw, "refused", refused.reason))
        await self._settle([entry_id for entry_id, _ in entries], dead)
        return len(entries)

    async def _settle(self, ids: list[bytes], dead: list[DeadEntry]) -> None:
        options = self._options
        async with self._redis.pipeline(transaction=True) as pipe:
            for entry_id, raw, _kind, reason in dead:
                fields = {"event": raw, "reason": reason, "source_id": entry_id}
                pipe.xadd(options.dead_stream, fields)  # type: ignore[arg-type]
            pipe.xack(options.stream, options.group, *ids)
            # analytics is the stream's only reader: a committed entry is never needed
            # again, so deleting it keeps the stream as long as the backlog, not forever.
            pipe.xdel(options.stream, *ids)
            await pipe.execute()
        for _entry_id, _raw, kind, _reason in dead:
            self._metrics.dead_lettered.labels(kind).inc()
        if dead:
            self._metrics.rejected.labels("redis").inc(len(dead))
            logger.warning("malformed clicks moved aside", extra={"entries": len(dead)})

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return

    def _set_state(self, state: ConsumerState) -> None:
        if state is not self.state or state is ConsumerState.STARTING:
            self._metrics.set_consumer_state(state)
        self.state = state


def oldest_waiting(consumers: Sequence[StreamConsumer]) -> float | None:
    """Return when the oldest entry any of ``consumers`` saw in the stream was added."""
    return min((c.oldest_at for c in consumers if c.oldest_at is not None), default=None)


def _added_at(entry_id: bytes | str) -> float:
    """Return the wall-clock time of a stream entry id (``<milliseconds>-<sequence>``)."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.partition("-")[0]) / 1000
