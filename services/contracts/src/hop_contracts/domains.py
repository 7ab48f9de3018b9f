"""Branded domains: the bodies of links' domains API and the list redirect serves from.

Usage::

    domain = Domain.model_validate_json(response.content)        # console, tests
    verified = VerifiedDomains.model_validate_json(response.content).domains  # redirect

A link lives on one domain: the platform's own host (the host of links'
``HOP_LINKS_PUBLIC_BASE_URL``) or a branded domain its owner added and proved. A code is
unique per domain. Wherever a request names a domain (``?domain=`` on a link's or a
resolve's path, ``domain`` in a body), leaving it out means the platform domain; wherever
a body answers one, it is the canonical name (IDNA punycode, lower case, no trailing dot,
no port), the platform domain included.

Ownership is proved before any link on a domain is served: a DNS TXT record
``_hop-challenge.<name>`` whose value is ``hop-challenge=<token>``, or the token served by
hop at ``http://<name>/.well-known/hop-challenge/<token>`` (`CHALLENGE_PATH`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

import idna
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CHALLENGE_RECORD_PREFIX",
    "CHALLENGE_VALUE_PREFIX",
    "DOMAIN_NAME_MAX_LENGTH",
    "Domain",
    "DomainCreate",
    "DomainPage",
    "DomainStatus",
    "DomainVerification",
    "VerifiedDomains",
    "idna_to_ascii",
    "is_valid_a_label",
]


def idna_to_ascii(name: str) -> str:
    """Return the punycode form of a Unicode host ``name`` as browsers compute it.

    UTS #46 non-transitional processing (IDNA 2008), as Chrome, Firefox and Safari do:
    ``straße`` stays ``xn--strae-oqa``, where Python's ``"idna"`` codec (IDNA 2003) would
    fold it to ``strasse``, another name a browser never sends. Raise `UnicodeError` if
    the name is no valid internationalised name.
    """
    return idna.encode(name, uts46=True, transitional=False).decode("ascii")


def is_valid_a_label(label: str) -> bool:
    """Return whether an ``xn--`` label decodes to a valid IDNA 2008 name."""
    try:
        idna.decode(label)
    except UnicodeError:  # idna.IDNAError is one
        return False
    return True


#: The longest domain name DNS allows (RFC 1035), in its punycode form.
DOMAIN_NAME_MAX_LENGTH: Final = 253
#: The TXT record that proves a domain: ``_hop-challenge.<name>``.
CHALLENGE_RECORD_PREFIX: Final = "_hop-challenge."
#: What the TXT record (or the HTTP challenge's body) holds: ``hop-challenge=<token>``.
CHALLENGE_VALUE_PREFIX: Final = "hop-challenge="
#: pending: never proved yet; verified: proved at the last check; failed: a check that had
#: proved it no longer does (``reason`` says why) - its links are not served.
DomainStatus = Literal["pending", "verified", "failed"]

_EXAMPLE: Final[dict[str, Any]] = {
    "name": "go.acme.com",
    "status": "pending",
    "reason": None,
    "verification": {
        "txt_name": "_hop-challenge.go.acme.com",
        "txt_value": "hop-challenge=3q2-7RkXbW0",
        "http_url": "http://go.acme.com/.well-known/hop-challenge/3q2-7RkXbW0",
    },
    "links": 0,
    "created_at": "2026-12-08T08:00:00Z",
    "verified_at": None,
    "last_checked_at": None,
}


class DomainCreate(BaseModel):
    """What ``POST /api/v1/domains`` takes: the name, in any spelling a browser accepts."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "go.acme.com"}]}
    )

    name: str = Field(min_length=1, max_length=1024, examples=["go.acme.com"])


class DomainVerification(BaseModel):
    """How the owner proves the domain: either record is enough."""

    txt_name: str = Field(description="The DNS TXT record to create.")
    txt_value: str = Field(description="Its exact value.")
    http_url: str = Field(description="Or: the URL at which hop must be reached, on the domain.")


class Domain(BaseModel):
    """A branded domain of the caller's owner."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    name: str = Field(description="The canonical name: punycode, lower case, no trailing dot.")
    status: DomainStatus
    reason: str | None = Field(description="Why the last check failed; null otherwise.")
    verification: DomainVerification
    links: int = Field(ge=0, description="How many links live on the domain now.")
    created_at: datetime
    verified_at: datetime | None
    last_checked_at: datetime | None


class DomainPage(BaseModel):
    """Every domain of the caller's owner, oldest first."""

    items: list[Domain]


class VerifiedDomains(BaseModel):
    """links' internal answer to redirect: the platform host and every domain it may serve."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={"examples": [{"platform": "hop.example", "domains": ["go.acme.com"]}]},
    )

    platform: str = Field(description="The platform domain's name (links' public base URL's host).")
    domains: list[str] = Field(description="Every verified branded domain, canonical names.")
