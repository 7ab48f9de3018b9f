"""The links service's domain errors, each with the HTTP status it answers with.

`hop_links.http_errors` sends them (`hop_instrumentation.errors`): the store imports no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from hop_instrumentation.errors import ServiceError

__all__ = [
    "AliasTakenError",
    "DatabaseUnavailableError",
    "DomainLimitError",
    "DomainNotFoundError",
    "DomainTakenError",
    "InvalidCursorError",
    "InvalidDomainError",
    "InvalidLinkError",
    "KeyNotFoundError",
    "LinkNotFoundError",
    "LinksError",
    "OwnerExistsError",
    "OwnerNotFoundError",
    "SessionNotFoundError",
    "UnauthorizedError",
]


class LinksError(ServiceError):
    """Base of every error the links service raises on purpose (503 unless it says)."""

    status: ClassVar[int] = 503


class InvalidLinkError(LinksError):
    """Raise when a field of a link breaks a rule; ``field`` names it."""

    status: ClassVar[int] = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    @property
    def detail(self) -> object:
        """Return FastAPI's shape of a validation error, naming the field."""
        return [{"loc": ["body", self.field], "msg": self.message, "type": "value_error"}]


class InvalidCursorError(LinksError):
    """Raise when a pagination cursor was not one this service handed out."""

    status: ClassVar[int] = 422

    @property
    def detail(self) -> object:
        """Return FastAPI's shape of a validation error, naming the query's cursor."""
        return [{"loc": ["query", "cursor"], "msg": self.message, "type": "value_error"}]


class LinkNotFoundError(LinksError):
    """Raise when a code does not exist or belongs to another owner."""

    status: ClassVar[int] = 404

    def __init__(self, code: str, domain: str | None = None) -> None:
        where = "" if not domain else f" on the domain {domain!r}"
        super().__init__(f"No link with code {code!r}{where} exists for this API key.")
        self.code = code


class AliasTakenError(LinksError):
    """Raise when a custom code is already in use (on the domain, if it names one)."""

    status: ClassVar[int] = 409

    def __init__(self, code: str, domain: str | None = None) -> None:
        where = "" if not domain else f" on the domain {domain!r}"
        super().__init__(f"The code {code!r} is already taken{where}; choose another alias.")
        self.code = code


class InvalidDomainError(LinksError):
    """Raise when a domain name breaks a rule (`hop_links.domain_names`)."""

    status: ClassVar[int] = 422

    @property
    def detail(self) -> object:
        """Return FastAPI's shape of a validation error, naming the body's ``name``."""
        return [{"loc": ["body", "name"], "msg": self.message, "type": "value_error"}]


class DomainNotFoundError(LinksError):
    """Raise when the caller's owner has no domain of this name (another owner's included)."""

    status: ClassVar[int] = 404

    def __init__(self, name: str) -> None:
        super().__init__(f"No domain {name!r} exists for this API key.")
        self.name = name


class DomainTakenError(LinksError):
    """Raise when a name is already a domain of an owner (this one or another)."""

    status: ClassVar[int] = 409

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The domain {name!r} is already claimed on this hop; an owner may add it only "
            "once it is deleted."
        )
        self.name = name


class DomainLimitError(LinksError):
    """Raise when an owner already has as many domains as the settings allow."""

    status: ClassVar[int] = 409


class UnauthorizedError(LinksError):
    """Raise when a request carries no API key, or an unknown or revoked one."""

    status: ClassVar[int] = 401
    headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": "Bearer"}


class OwnerExistsError(LinksError):
    """Raise when an owner name is already in use."""


class OwnerNotFoundError(LinksError):
    """Raise when no owner has this name."""


class KeyNotFoundError(LinksError):
    """Raise when no API key has this id."""


class SessionNotFoundError(LinksError):
    """Raise when the caller's owner has no live session with this id."""

    status: ClassVar[int] = 404


class DatabaseUnavailableError(LinksError):
    """Raise when the database does not answer or fails a statement (retry later)."""

    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "1"}
    is_logged: ClassVar[bool] = True
