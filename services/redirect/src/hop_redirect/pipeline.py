"""The click flusher: batches by size and by time, retries with backoff, drains at shutdown.

Delivery is at least once: a batch keeps its event ids across retries, so receivers
(idempotent on ``id``) count each click once. While the receiver is down the batch
in flight waits and new clicks stay in the bounded buffer; past the bound they are
dropped and counted, never blocking a redirect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from hop_redirect._rate_limited_log import RateLimitedLog
from hop_redirect.clicks import ClickBuffer, to_events
from hop_redirect.errors import BatchRejectedError, DeliveryFailedError
from hop_redirect.metrics import ClickMetrics, DropReason
from hop_redirect.senders import ClickSender

__all__ = ["ClickPipeline"]

logger = logging.getLogger("hop.redirect.clicks")
_FIRST_RETRY_DELAY = 0.05


class ClickPipeline:
    """Move clicks from the buffer to the sender in the background."""

    def __init__(
        self,
        buffer: ClickBuffer,
        sender: ClickSender,
        metrics: ClickMetrics,
        *,
        batch_size: int,
        interval: float,
        max_retry_delay: float,
    ) -> None:
        self.buffer = buffer
        self.sender = sender
        self._metrics = metrics
        self._batch_size = batch_size
        self._interval = interval
        self._max_retry_delay = max_retry_delay
        self._batch: list[dict[str, Any]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._failures = RateLimitedLog(logger, "click delivery failed; retrying")

    def start(self) -> None:
        """Start flushing in the background."""
        self._task = asyncio.create_task(self._run(), name="click-flusher")

    async def stop(self, grace: float) -> None:
        """Stop the background flusher, then deliver everything left within ``grace`` seconds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        deadline = time.monotonic() + grace
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(deadline=deadline), grace)
        left = len(self.buffer) + len(self._batch or ())
        if left:
            self._metrics.dropped.labels(DropReason.SHUTDOWN).inc(left)
            logger.error("clicks lost at shutdown", extra={"clicks": left, "grace": grace})
        self._update_gauge()

    async def flush(self, *, deadline: float | None = None) -> None:
        """Deliver every buffered click, batch by batch, retrying until ``deadline``."""
        while self._batch is not None or len(self.buffer):
            if self._batch is None:
                self._batch = to_events(self.buffer.take(self._batch_size))
            await self._deliver(self._batch, deadline)
            self._batch = None
            self._update_gauge()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.buffer.wakeup.wait(), self._interval)
            self.buffer.wakeup.clear()
            try:
                await self.flush()
            except Exception:  # never let the flusher die; the batch stays for the next round
                logger.exception("click flusher failed")
            self._update_gauge()

    async def _deliver(self, batch: list[dict[str, Any]], deadline: float | None) -> None:
        delay = _FIRST_RETRY_DELAY
        while True:
            try:
                await self.sender.send(batch)
            except BatchRejectedError as err:
                self._metrics.dropped.labels(DropReason.REJECTED).inc(len(batch))
                logger.error(
                    "click batch rejected", extra={"clicks": len(batch), "reason": str(err)}
                )
                return
            except DeliveryFailedError as err:
                self._failures.record(reason=str(err), clicks=len(batch))
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise TimeoutError(
                        "click delivery did not succeed before the deadline"
                    ) from err
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_retry_delay)
            else:
                self._metrics.sent.inc(len(batch))
                return

    def _update_gauge(self) -> None:
        self._metrics.buffered.set(len(self.buffer) + len(self._batch or ()))
