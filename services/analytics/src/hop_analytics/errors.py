"""analytics' domain errors, each with the HTTP status it answers with.

`hop_analytics.http_errors` sends them (`hop_instrumentation.errors`); the store and the
intake import no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Final

from hop_instrumentation.errors import ServiceError

__all__ = [
    "AnalyticsError",
    "InvalidDomainError",
    "InvalidRangeError",
    "LinkNotFoundError",
    "LinksRateLimitedError",
    "LinksUnavailableError",
    "MalformedEventError",
    "MissingApiKeyError",
    "StoreUnavailableError",
    "UnauthorizedError",
]


_BEARER: Final = {"WWW-Authenticate": "Bearer"}


class AnalyticsError(ServiceError):
    """Base of every error the analytics service raises on purpose (503 unless it says)."""

    status: ClassVar[int] = 503


class InvalidRangeError(AnalyticsError):
    """Raise when a stats range is malformed, reversed or too long."""

    status: ClassVar[int] = 422


class InvalidDomainError(AnalyticsError):
    """Raise when ``?domain=`` is not a domain name."""

    status: ClassVar[int] = 422

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"The domain {text[:100]!r} is not a domain name: {why}.")


class MissingApiKeyError(AnalyticsError):
    """Raise when a stats request carries no API key."""

    status: ClassVar[int] = 401
    headers: ClassVar[Mapping[str, str]] = _BEARER

    def __init__(self) -> None:
        super().__init__("Missing API key; send it as 'Authorization: Bearer <key>'.")


class UnauthorizedError(AnalyticsError):
    """Raise when links does not know the API key, or it was revoked."""

    status: ClassVar[int] = 401
    headers: ClassVar[Mapping[str, str]] = _BEARER

    def __init__(self) -> None:
        super().__init__("Unknown or revoked API key.")


class LinkNotFoundError(AnalyticsError):
    """Raise when a code is not among the API key owner's links."""

    status: ClassVar[int] = 404

    def __init__(self, code: str, domain: str | None = None) -> None:
        where = f" on {domain}" if domain else ""
        super().__init__(f"No link with code {code!r}{where} among your links.")
        self.code = code


class LinksUnavailableError(AnalyticsError):
    """Raise when links cannot tell who owns a code (unreachable, timeout, 5xx)."""

    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "5"}

    @property
    def detail(self) -> object:
        """Return the same sentence for every cause: it was logged where it happened."""
        return "links cannot check ownership right now; retry later."


class LinksRateLimitedError(AnalyticsError):
    """Raise when links refuses the ownership check with 429; ``headers`` say when to retry."""

    status: ClassVar[int] = 429

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(
            "links refused the ownership check: too many requests; "
            f"retry in {headers['retry-after']} s."
        )
        self.retry_headers = headers

    def response_headers(self) -> dict[str, str]:
        """Return links' own rate-limit headers (``Retry-After`` and the limits)."""
        return self.retry_headers


class MalformedEventError(AnalyticsError, ValueError):
    """Raise when a click event does not follow the contract; the message says why."""

    status: ClassVar[int] = 422


class StoreUnavailableError(AnalyticsError):
    """Raise when the database cannot take a batch right now (down, timeout): retry later."""

    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "1"}
