"""Follow links' feed of disables and enables, so a disabled link's clicks stop counting.

Every ``interval`` seconds the follower asks links (its internal port) for the changes
after the position stored in analytics' database, page by page until it has them all,
and applies each page in one transaction (`hop_analytics._disabled.LinkFeedStore`):
replicas share the position, so whichever reads a page first applies it and the others
find the position moved and read on from there. links being down only delays the
correction: nothing is skipped, the next poll starts where the last one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

import httpx

from hop_analytics._disabled import Change, LinkFeedStore
from hop_contracts import LINK_CHANGES_PATH, LinkChangePage

__all__ = ["LinkFeedFollower"]

logger = logging.getLogger("hop.analytics.link_feed")
#: Changes read and applied per transaction: the correction holds intake's lock for a page,
#: so pages are kept short (the first catch-up after links' migration may be long).
_PAGE: Final = 100
#: Seconds between two warnings about an unreachable feed (one per failure would flood).
_WARN_EVERY: Final = 60.0


class LinkFeedFollower:
    """Poll ``GET LINK_CHANGES_PATH`` on links and apply what it answers."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        feed: LinkFeedStore,
        *,
        interval: float,
        page_size: int = _PAGE,
    ) -> None:
        self._client = client
        self._feed = feed
        self._interval = interval
        self._page_size = page_size
        self._warned_at: float | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Catch up every ``interval`` seconds until `stop`; failures are logged, retried."""
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                await self.catch_up()
            except Exception as err:  # links or the database down: retried at the next poll
                self._warn(loop.time(), err)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    def stop(self) -> None:
        """Make `run` return after the catch-up in hand (its transaction is not cut off)."""
        self._stopping.set()

    async def catch_up(self) -> int:
        """Apply every change links has after the stored position; return how many."""
        applied = 0
        after = await self._feed.position()
        while True:
            page = await self._page(after)
            changes = [Change(c.link_id, c.disabled, c.at) for c in page.items]
            if changes and not await self._feed.apply(after, changes, page.next_after):
                after = await self._feed.position()  # another replica applied it
                continue
            applied += len(changes)
            if len(changes) < self._page_size:
                return applied
            after = page.next_after

    async def _page(self, after: int) -> LinkChangePage:
        params = {"after": after, "limit": self._page_size}
        response = await self._client.get(LINK_CHANGES_PATH, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"links answered {response.status_code} to the feed of changes.")
        return LinkChangePage.model_validate_json(response.content)

    def _warn(self, now: float, err: Exception) -> None:
        if self._warned_at is not None and now - self._warned_at < _WARN_EVERY:
            return
        self._warned_at = now
        logger.warning(
            "links' feed of disables and enables cannot be read; clicks of links disabled "
            "since keep counting until it can",
            extra={"error": f"{type(err).__name__}: {err}"[:300]},
        )
