"""analytics' exceptions; the routes turn them into HTTP answers at one edge."""

from __future__ import annotations

__all__ = ["AnalyticsError", "InvalidRangeError", "LinksUnavailableError"]


class AnalyticsError(Exception):
    """Base of analytics' domain errors."""


class InvalidRangeError(AnalyticsError):
    """Raise when a stats range is malformed, reversed or too long."""


class LinksUnavailableError(AnalyticsError):
    """Raise when links cannot tell who owns a code (unreachable, timeout, 5xx)."""
