"""A warning logged at most once per interval, with how many times it happened meanwhile."""

from __future__ import annotations

import logging
import time
from typing import Any


class RateLimitedLog:
    """Log one message at most every ``interval`` seconds, counting the suppressed ones."""

    def __init__(self, logger: logging.Logger, message: str, *, interval: float = 10.0) -> None:
        self._logger = logger
        self._message = message
        self._interval = interval
        self._next_at = 0.0
        self._count = 0

    def record(self, count: int = 1, **fields: Any) -> None:
        """Count ``count`` occurrences; log them if the interval has passed."""
        self._count += count
        now = time.monotonic()
        if now < self._next_at:
            return
        self._next_at = now + self._interval
        self._logger.warning(self._message, extra={"occurrences": self._count, **fields})
        self._count = 0
