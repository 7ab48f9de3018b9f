"""The click pipeline: buffer -> (spool when behind) -> sender, oldest first, none dropped.

Delivery is at least once: an event keeps its id across retries, restarts and the
spool, so receivers (idempotent on ``id``) count each click once. Two background
tasks share the work:

- the *flusher* sends batches: from the spool while it holds anything (it holds the
  oldest events), otherwise from the in-memory buffer, retrying with backoff;
- the *spiller* moves the whole buffer to the spool when it passes its memory bound
  or while delivery is failing, so an outage costs disk, not memory, and a restart
  or crash finds the clicks on disk.

Encoding and every file operation run in worker threads, so the event loop never waits
on a batch being built or a disk. While delivery keeps up, no click touches the disk.

Every loss is counted in ``hop_redirect_clicks_dropped_total`` with its reason: an
exhausted spool budget (``spool_full``), a disk that refused the write
(``spool_write_failed``), events the spool counts but cannot read back
(``spool_abandoned``), a batch analytics refused (``rejected``), and events left at
shutdown in a spool that does not outlive the pod (``shutdown``). At shutdown the buffer
goes to the spool first (durable in milliseconds), then the remaining grace drains the
spool; what a persistent spool still holds is the successor's (``spool_left``).

``hop_redirect_clicks_oldest_age_seconds`` is how long the oldest click still here has
waited (the batch in flight, else the spool's head, else the buffer's), refreshed every
``interval`` by a task of its own, so it grows while delivery is stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

import orjson

from hop_instrumentation.metrics import OldestWaitingAge
from hop_redirect._rate_limited_log import RateLimitedLog
from hop_redirect.clicks import ClickBuffer, encode_events
from hop_redirect.errors import BatchRejectedError, DeliveryFailedError
from hop_redirect.metrics import ClickMetrics, DropReason
from hop_redirect.senders import ClickSender
from hop_redirect.spool import ClickSpool, SpoolOpened

__all__ = ["ClickPipeline"]

logger = logging.getLogger("hop.redirect.clicks")
_FIRST_RETRY_DELAY = 0.05


class ClickPipeline:
    """Move clicks from the buffer to the sender in the background, through the spool."""

    def __init__(
        self,
        buffer: ClickBuffer,
        sender: ClickSender,
        spool: ClickSpool,
        metrics: ClickMetrics,
        *,
        batch_size: int,
        interval: float,
        max_retry_delay: float,
        persistent: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.buffer = buffer
        self.sender = sender
        self.spool = spool
        self._metrics = metrics
        self._batch_size = batch_size
        self._interval = interval
        self._max_retry_delay = max_retry_delay
        self._persistent = persistent
        #: The batch being delivered, and whether it is still in the spool.
        self._batch: list[bytes] | None = None
        self._batch_spooled = False
        #: When the spool's head click was made, once known (a spill into an empty spool,
        #: or a batch read from it): the batch in flight, when any, is older still.
        self._spool_head_at: float | None = None
        self._age = OldestWaitingAge(
            metrics.oldest_age, self._oldest_waiting, interval=interval, clock=clock
        )
        self._failing = False
        self._order = asyncio.Lock()  # a spill and the choice of the next batch exclude each other
        self._delivering = asyncio.Lock()
        self._spilling: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._failures = RateLimitedLog(logger, "click delivery failed; retrying")
        self._full = RateLimitedLog(logger, "click spool full; clicks dropped")
        self._write_failed = RateLimitedLog(logger, "click spool write failed; clicks dropped")

    async def start(self) -> None:
        """Open the spool (what a previous run left is delivered first), start the tasks."""
        try:
            opened = await asyncio.to_thread(self.spool.open)
        except OSError as err:
            # Serve anyway: while delivery keeps up no click needs the disk; spills count drops.
            logger.error(
                "click spool cannot be opened; clicks that need it will be dropped",
                extra={"error": str(err), "spool": str(self.spool.path)},
            )
            opened = SpoolOpened(recovered=0, adopted=0, over_budget=0)
            self.spool.max_events = self.spool.max_bytes = 0
        found = opened.recovered + opened.adopted
        self._metrics.spool_recovered.inc(found)
        if found:
            logger.info(
                "click spool holds clicks from a previous run; delivering them first",
                extra={"clicks": found, "adopted": opened.adopted, "spool": str(self.spool.path)},
            )
        if opened.over_budget:
            self._drop(DropReason.SPOOL_ABANDONED, opened.over_budget)
            logger.error(
                "clicks of an orphaned spool slot did not fit this spool's budget; dropped",
                extra={"clicks": opened.over_budget, "spool": str(self.spool.path)},
            )
        self._metrics.spool_capacity_events.set(self.spool.max_events)
        self._metrics.spool_capacity_bytes.set(self.spool.max_bytes)
        self._update_gauges()
        self._age.start()
        self._tasks = [
            asyncio.create_task(self._run_flusher(), name="click-flusher"),
            asyncio.create_task(self._run_spiller(), name="click-spiller"),
        ]

    async def stop(self, grace: float) -> None:
        """Stop, spool what is in memory, then deliver what the spool holds within ``grace``."""
        deadline = time.monotonic() + grace
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._spilling is not None:
            await asyncio.gather(self._spilling, return_exceptions=True)
        await self._spill(with_batch=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self.flush(deadline=deadline), max(deadline - time.monotonic(), 0)
            )
        self._report_left()
        self._update_gauges()
        await self._age.stop()
        await asyncio.to_thread(self.spool.close)

    def _report_left(self) -> None:
        left = len(self.spool)
        if not left:
            return
        fields = {"clicks": left, "spool": str(self.spool.path)}
        if self._persistent:
            self._metrics.spool_left.inc(left)
            logger.warning(
                "clicks left in the persistent spool at shutdown; "
                "the next process on this volume delivers them",
                extra=fields,
            )
        else:
            self._drop(DropReason.SHUTDOWN, left)
            logger.error(
                "clicks left at shutdown in a spool that does not outlive the pod; lost",
                extra=fields,
            )

    def _drop(self, reason: str, count: int) -> None:
        self._metrics.dropped.labels(reason).inc(count)

    async def flush(self, *, deadline: float | None = None) -> None:
        """Deliver every buffered and spooled click, batch by batch, retrying until ``deadline``."""
        async with self._delivering:
            while True:
                if self._batch is None:
                    async with self._order:
                        await self._next_batch()
                    if self._batch is None:
                        return
                if not await self._deliver(self._batch, deadline):
                    continue  # the batch went to the spool: it is read back from there
                if self._batch_spooled:
                    await asyncio.to_thread(self.spool.release, self._batch)
                self._batch = None
                self._update_gauges()

    async def _next_batch(self) -> None:
        if len(self.spool):
            records = await asyncio.to_thread(self.spool.read, self._batch_size)
            if records:
                self._batch, self._batch_spooled = records, True
                self._spool_head_at = _made_at(records[0])
                return
            lost = await asyncio.to_thread(self.spool.discard)
            self._drop(DropReason.SPOOL_ABANDONED, lost)
            self._update_gauges()
            logger.error(
                "click spool counts events it cannot read; discarded them",
                extra={"clicks": lost, "spool": str(self.spool.path)},
            )
        if len(self.buffer):
            raws = self.buffer.take(self._batch_size)
            encoding = asyncio.ensure_future(asyncio.to_thread(encode_events, raws))
            try:
                batch = await asyncio.shield(encoding)
            except asyncio.CancelledError:
                # Taken from the buffer: a flusher stopped while they are encoded keeps
                # them as the batch in flight, which `stop` spools, instead of losing them.
                self._batch, self._batch_spooled = await encoding, False
                raise
            self._batch, self._batch_spooled = batch, False

    async def _run_flusher(self) -> None:
        wakeup = self.buffer.wakeup
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), self._interval)
            wakeup.clear()
            try:
                await self.flush()
            except Exception:  # never let the flusher die; the batch stays for the next round
                logger.exception("click flusher failed")

    async def _run_spiller(self) -> None:
        spill = self.buffer.spill
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(spill.wait(), self._interval)
            spill.clear()
            if self.buffer.is_over or (self._failing and len(self.buffer)):
                # Shielded: a spill cancelled half-way would lose the clicks it took.
                self._spilling = asyncio.ensure_future(self._spill())
                try:
                    await asyncio.shield(self._spilling)
                except Exception:
                    logger.exception("click spiller failed")
                finally:
                    self._spilling = None

    async def _spill(self, *, with_batch: bool = False) -> None:
        async with self._order:
            raws = self.buffer.take(len(self.buffer))
            payloads = await asyncio.to_thread(encode_events, raws) if raws else []
            if with_batch and self._batch is not None and not self._batch_spooled:
                payloads = [*self._batch, *payloads]  # taken before these: older
                self._batch = None
            if not payloads:
                return
            was_empty = not len(self.spool)
            try:
                left = await asyncio.to_thread(self.spool.append, payloads)
            except OSError as err:
                self._drop(DropReason.SPOOL_WRITE_FAILED, len(payloads))
                self._write_failed.record(len(payloads), error=str(err), spool=str(self.spool.path))
                return
            self._metrics.spooled.inc(len(payloads) - len(left))
            if was_empty and len(left) < len(payloads):
                self._spool_head_at = _made_at(payloads[0])
            if left:
                self._drop(DropReason.SPOOL_FULL, len(left))
                self._full.record(len(left), events=self.spool.max_events)
            self._update_gauges()

    async def _deliver(self, batch: list[bytes], deadline: float | None) -> bool:
        """Send ``batch`` until it is delivered or rejected (True) or was moved to the spool."""
        delay = _FIRST_RETRY_DELAY
        while True:
            try:
                await self.sender.send(batch)
            except BatchRejectedError as err:
                self._drop(DropReason.REJECTED, len(batch))
                logger.error(
                    "click batch rejected", extra={"clicks": len(batch), "reason": str(err)}
                )
                return True
            except DeliveryFailedError as err:
                self._failing = True
                self._failures.record(reason=str(err), clicks=len(batch))
                if not self._batch_spooled:
                    # An outage: keep this batch (and what waits behind it) on disk, not in memory.
                    await self._spill(with_batch=True)
                    await asyncio.sleep(delay)
                    return False
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise TimeoutError(
                        "click delivery did not succeed before the deadline"
                    ) from err
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)
            else:
                self._failing = False
                self._metrics.sent.inc(len(batch))
                return True

    def _update_gauges(self) -> None:
        metrics = self._metrics
        in_flight = len(self._batch) if self._batch is not None and not self._batch_spooled else 0
        state = self.spool.state
        # Everything waiting for delivery, in memory or on disk (the stalled-delivery alert's).
        metrics.buffered.set(len(self.buffer) + in_flight + state.events)
        metrics.spool_events.set(state.events)
        metrics.spool_bytes.set(state.bytes)
        if not state.events:
            self._spool_head_at = None
        self._age.refresh()

    def _oldest_waiting(self) -> float | None:
        """Return when the oldest click still waiting here was made, None if none waits."""
        if self._batch:
            return _made_at(self._batch[0])
        if len(self.spool):
            # Unknown only until the flusher reads the spool's head (recovered at start).
            return self._spool_head_at
        return self.buffer.oldest_at


def _made_at(event: bytes) -> float | None:
    """Return the wall-clock time of an encoded event's click, None if it has none."""
    try:
        return datetime.fromisoformat(orjson.loads(event)["timestamp"]).timestamp()
    except (ValueError, TypeError, KeyError):  # orjson.JSONDecodeError is a ValueError
        return None
