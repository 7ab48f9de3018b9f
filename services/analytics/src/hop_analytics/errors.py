"""analytics' domain errors; `hop_analytics.http_errors` turns them into responses."""

from __future__ import annotations

__all__ = [
    "AnalyticsError",
    "InvalidRangeError",
    "LinkNotFoundError",
    "LinksRateLimitedError",
    "LinksUnavailableError",
    "MalformedEventError",
    "MissingApiKeyError",
    "StoreUnavailableError",
    "UnauthorizedError",
]


class AnalyticsError(Exception):
    """Base of every error the analytics service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRangeError(AnalyticsError):
    """Raise when a stats range is malformed, reversed or too long."""


class MissingApiKeyError(AnalyticsError):
    """Raise when a stats request carries no API key."""

    def __init__(self) -> None:
        super().__init__("Missing API key; send it as 'Authorization: Bearer <key>'.")


class UnauthorizedError(AnalyticsError):
    """Raise when links does not know the API key, or it was revoked."""

    def __init__(self) -> None:
        super().__init__("Unknown or revoked API key.")


class LinkNotFoundError(AnalyticsError):
    """Raise when a code is not among the API key owner's links."""

    def __init__(self, code: str) -> None:
        super().__init__(f"No link with code {code!r} among your links.")
        self.code = code


class LinksUnavailableError(AnalyticsError):
    """Raise when links cannot tell who owns a code (unreachable, timeout, 5xx)."""


class LinksRateLimitedError(AnalyticsError):
    """Raise when links refuses the ownership check with 429; ``headers`` say when to retry."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(
            "links refused the ownership check: too many requests; "
            f"retry in {headers['retry-after']} s."
        )
        self.headers = headers


class MalformedEventError(AnalyticsError, ValueError):
    """Raise when a click event does not follow the contract; the message says why."""


class StoreUnavailableError(AnalyticsError):
    """Raise when the database cannot take a batch right now (down, timeout): retry later."""
