"""The console's errors: one base and what can go wrong with a session or a peer.

No HTTP here: `hop_console.http_errors` turns each into a page with its status.
"""

from __future__ import annotations

__all__ = [
    "ConsoleError",
    "CsrfError",
    "DomainNotFoundError",
    "LinkNotFoundError",
    "NotSignedInError",
    "PeerUnavailableError",
    "RateLimitedError",
    "RejectedError",
]


class ConsoleError(Exception):
    """Base of the console's errors."""


class NotSignedInError(ConsoleError):
    """Raise when there is no session, it expired, or links refused its API key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfError(ConsoleError):
    """Raise when a form came without this session's CSRF token."""


class LinkNotFoundError(ConsoleError):
    """Raise when the signed-in owner has no link with this code (or it is another's)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"You have no link with the code {code!r}.")
        self.code = code


class DomainNotFoundError(ConsoleError):
    """Raise when the signed-in owner has no branded domain of this name (or it is another's)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"You have no domain {name!r}.")
        self.name = name


class RejectedError(ConsoleError):
    """Raise when a form or query is refused, here or by a peer (409, 422): ``detail`` says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class PeerUnavailableError(ConsoleError):
    """Raise when links or analytics cannot answer (unreachable, timeout, 5xx, bad body)."""

    def __init__(self, peer: str) -> None:
        super().__init__(f"{peer} is not answering right now; try again in a moment.")
        self.peer = peer


class RateLimitedError(ConsoleError):
    """Raise when a peer refused the call for being over its rate limits (429)."""

    def __init__(self, peer: str, retry_after: str) -> None:
        super().__init__(
            f"Too many requests for now ({peer} limits them); try again in {retry_after} s."
        )
        self.peer = peer
        self.retry_after = retry_after
