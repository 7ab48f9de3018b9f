"""The day range a stats request covers: ``from``/``to`` parsed, defaulted and bounded."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Final

from hop_analytics.errors import InvalidRangeError

__all__ = ["DEFAULT_RANGE_DAYS", "validate_range"]

DEFAULT_RANGE_DAYS: Final = 30
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_range(start: str | None, end: str | None, max_days: int) -> tuple[date, date]:
    """Parse ``from``/``to`` (defaults: the last 30 days) or raise `InvalidRangeError`."""
    last = _parse_day("to", end) if end is not None else datetime.now(UTC).date()
    first = _parse_day("from", start) if start is not None else _default_start(last)
    if first > last:
        raise InvalidRangeError(f"'from' ({first}) is after 'to' ({last}); swap them.")
    days = (last - first).days + 1
    if days > max_days:
        raise InvalidRangeError(
            f"The range {first}..{last} covers {days} days; the maximum is {max_days}."
        )
    return first, last


def _default_start(last: date) -> date:
    try:
        return last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    except OverflowError:
        return date.min


def _parse_day(name: str, value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRangeError(
            f"{name!r} must be a date as YYYY-MM-DD, got {value[:40]!r}."
        ) from None
