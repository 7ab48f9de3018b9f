"""Branded domain names: the one canonical spelling of a name, and the names hop refuses.

A name is read as a browser reads a host (`hop_links.hosts.canonical_host`: IDNA to
punycode, lower case, no trailing dot), so ``Bücher.Example.`` and
``xn--bcher-kva.example`` are one domain. It must be a DNS host name that a customer can
own: no port, no IP literal, 2 or more labels of 1 to 63 letters, digits and inner
hyphens, at most 253 characters, not a name of this machine or a cloud's metadata
service, not the platform's own host (nor a subdomain of it unless the operator allows
it) and not on the operator's deny list (a listed name denies its subdomains too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from hop_contracts import DOMAIN_NAME_MAX_LENGTH, is_valid_a_label
from hop_links.errors import InvalidDomainError
from hop_links.hosts import InvalidHostError, canonical_host

__all__ = ["DomainRules", "canonical_name"]

_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT: Final = re.compile(r":[0-9]*$")
_NOT_A_NAME: Final = re.compile(r"[\s/@?#%\\]")


@dataclass(slots=True, frozen=True)
class DomainRules:
    """What the operator decides about names (links' settings)."""

    #: The platform's own host: never a branded domain.
    platform_host: str
    #: Whether a subdomain of the platform's host may be a branded domain.
    allow_platform_subdomains: bool = False
    #: Names refused with their subdomains, canonical.
    denied: tuple[str, ...] = ()


def canonical_name(written: str, rules: DomainRules) -> str:
    """Return the canonical form of the domain name ``written``, or raise `InvalidDomainError`."""
    name = _parse(written)
    _check_labels(name, written)
    _check_allowed(name, written, rules)
    return name


def _parse(written: str) -> str:
    shown = written[:100]
    if _NOT_A_NAME.search(written) or "://" in written:
        raise InvalidDomainError(
            f"The name {shown!r} is not a domain name: give the host alone, as in go.acme.com "
            "(no scheme, path, spaces, percent-escapes or user name)."
        )
    if written.startswith("[") or written.count(":") > 1:
        raise InvalidDomainError(f"The name {shown!r} is an IP address; give a domain name.")
    if _PORT.search(written):
        raise InvalidDomainError(
            f"The name {shown!r} carries a port; give the name alone (hop serves ports 80 and 443)."
        )
    try:
        host = canonical_host(written)
    except InvalidHostError as err:
        raise InvalidDomainError(f"The name {shown!r} is invalid: {err}") from None
    if host.address is not None:
        raise InvalidDomainError(f"The name {shown!r} is an IP address; give a domain name.")
    return host.name


def _check_labels(name: str, written: str) -> None:
    shown = written[:100]
    if len(name) > DOMAIN_NAME_MAX_LENGTH:
        raise InvalidDomainError(
            f"The name {shown!r} is {len(name)} characters long in its DNS form; the most "
            f"is {DOMAIN_NAME_MAX_LENGTH}."
        )
    labels = name.split(".")
    if len(labels) < 2:
        raise InvalidDomainError(
            f"The name {shown!r} has one label; give a full name such as go.acme.com."
        )
    for label in labels:
        if not 1 <= len(label) <= 63:
            raise InvalidDomainError(
                f"The name {shown!r} has a label of {len(label)} characters; each label "
                "(between dots) must be 1 to 63 characters long."
            )
        if _LABEL.fullmatch(label) is None or not _is_valid_punycode(label):
            raise InvalidDomainError(
                f"The name {shown!r} has an invalid label {label[:63]!r}: use letters, digits "
                "and hyphens, not starting or ending with a hyphen."
            )


def _is_valid_punycode(label: str) -> bool:
    if not label.startswith("xn--"):
        return True
    return is_valid_a_label(label)


def _check_allowed(name: str, written: str, rules: DomainRules) -> None:
    shown = written[:100]
    kind = canonical_host(name).internal_kind
    if kind is not None:
        raise InvalidDomainError(f"The name {shown!r} is a {kind} name; give a public domain.")
    platform = rules.platform_host
    if name == platform:
        raise InvalidDomainError(
            f"The name {shown!r} is this hop's own host; links on it need no domain."
        )
    if name.endswith("." + platform) and not rules.allow_platform_subdomains:
        raise InvalidDomainError(
            f"The name {shown!r} is a subdomain of this hop's own host {platform!r}, which "
            "this hop does not allow (HOP_ALLOW_PLATFORM_SUBDOMAINS)."
        )
    for denied in rules.denied:
        if name == denied or name.endswith("." + denied):
            raise InvalidDomainError(f"The name {shown!r} is not allowed on this hop.")
