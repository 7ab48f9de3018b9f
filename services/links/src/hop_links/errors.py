"""The links service's domain errors; `hop_links.http_errors` turns them into responses."""

from __future__ import annotations

__all__ = [
    "AliasTakenError",
    "DatabaseUnavailableError",
    "InvalidCursorError",
    "InvalidLinkError",
    "KeyNotFoundError",
    "LinkNotFoundError",
    "LinksError",
    "OwnerExistsError",
    "OwnerNotFoundError",
    "SessionNotFoundError",
    "UnauthorizedError",
]


class LinksError(Exception):
    """Base of every error the links service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidLinkError(LinksError):
    """Raise when a field of a link breaks a rule; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidCursorError(LinksError):
    """Raise when a pagination cursor was not one this service handed out."""


class LinkNotFoundError(LinksError):
    """Raise when a code does not exist or belongs to another owner."""

    def __init__(self, code: str) -> None:
        super().__init__(f"No link with code {code!r} exists for this API key.")
        self.code = code


class AliasTakenError(LinksError):
    """Raise when a custom code is already in use."""

    def __init__(self, code: str) -> None:
        super().__init__(f"The code {code!r} is already taken; choose another alias.")
        self.code = code


class UnauthorizedError(LinksError):
    """Raise when a request carries no API key, or an unknown or revoked one."""


class OwnerExistsError(LinksError):
    """Raise when an owner name is already in use."""


class OwnerNotFoundError(LinksError):
    """Raise when no owner has this name."""


class KeyNotFoundError(LinksError):
    """Raise when no API key has this id."""


class SessionNotFoundError(LinksError):
    """Raise when the caller's owner has no live session with this id."""


class DatabaseUnavailableError(LinksError):
    """Raise when the database does not answer or fails a statement (retry later)."""
