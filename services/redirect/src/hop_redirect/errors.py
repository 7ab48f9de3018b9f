"""The redirect service's errors: one base and what can go wrong talking to its peers.

No HTTP here: the front turns `LinksUnavailableError` into its precomputed 503 (429 for
`LookupsThrottledError`), and the
click pipeline retries `DeliveryFailedError` and counts `BatchRejectedError` as dropped.
"""

from __future__ import annotations

__all__ = [
    "BatchRejectedError",
    "DeliveryFailedError",
    "LinksUnavailableError",
    "LookupsThrottledError",
    "RedirectError",
]


class RedirectError(Exception):
    """Base of the redirect service's errors."""


class LinksUnavailableError(RedirectError):
    """Raise when links cannot answer a resolve (unreachable, timeout, 5xx, bad body)."""


class LookupsThrottledError(LinksUnavailableError):
    """Raise when a miss is not looked up: too many unknown codes were asked for lately."""


class DeliveryFailedError(RedirectError):
    """Raise when a click batch may not have been delivered and may be sent again."""


class BatchRejectedError(RedirectError):
    """Raise when the receiver refused a click batch for good (a 4xx); resending cannot help."""
