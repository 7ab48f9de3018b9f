"""The rules a link's target, expiry and tags follow; shared by the API, batch and CLI."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from hop_links.errors import InvalidLinkError
from hop_links.hosts import CanonicalHost, InvalidHostError, canonical_host

__all__ = [
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "MAX_URL_LENGTH",
    "TAG_PATTERN",
    "validate_expiry",
    "validate_tags",
    "validate_target",
]

MAX_URL_LENGTH: Final = 2048
MAX_TAGS: Final = 10
MAX_TAG_LENGTH: Final = 32
TAG_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$"
_TAG = re.compile(TAG_PATTERN.removesuffix("$"))
_SCHEMES: Final = frozenset({"http", "https"})
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
#: Datetimes past this cannot be converted between time zones without overflowing.
_LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)


def validate_target(
    url: str,
    *,
    public_host: str,
    allow_internal: bool = False,
    branded_hosts: Collection[str] = (),
) -> str:
    """Return ``url`` if it is a target hop may redirect to, else raise `InvalidLinkError`.

    Hosts are compared in their canonical form (`hop_links.hosts`), so no spelling of
    hop's own host, nor of a verified branded domain (``branded_hosts``, canonical names),
    gets past the loop guard; loopback, private, link-local and metadata hosts are
    refused unless ``allow_internal`` (intranet deployments).
    """
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidLinkError(
            "url", f"The url must be 1 to {MAX_URL_LENGTH} characters long (got {len(url)})."
        )
    if _UNSAFE.search(url):
        raise InvalidLinkError(
            "url", "The url contains whitespace or control characters; percent-encode them."
        )
    written = _host(url)
    host = _canonical(written)
    if host.name == _canonical(public_host).name:
        raise InvalidLinkError(
            "url",
            f"The url points at hop's own host {host.name!r} (written {written!r}), which "
            "would redirect in a loop.",
        )
    if host.name in branded_hosts:
        raise InvalidLinkError(
            "url",
            f"The url points at {host.name!r} (written {written!r}), a domain this hop serves, "
            "which would redirect in a loop.",
        )
    kind = host.internal_kind
    if kind is not None and not allow_internal:
        raise InvalidLinkError(
            "url",
            f"The url's host {written!r} is a {kind} address ({host.name}); this hop refuses "
            "targets on loopback, private, link-local and metadata addresses.",
        )
    return url


def _canonical(host: str) -> CanonicalHost:
    try:
        return canonical_host(host)
    except InvalidHostError as err:
        raise InvalidLinkError("url", f"The url's host is invalid: {err}") from None


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise InvalidLinkError("url", f"The url {url[:100]!r} is not a valid URL.") from None
    if parts.scheme.lower() not in _SCHEMES:
        raise InvalidLinkError(
            "url", "The url must be an absolute http:// or https:// URL; other schemes are refused."
        )
    if not parts.hostname:
        raise InvalidLinkError("url", "The url must name a host, as in https://example.com/.")
    if "@" in parts.netloc:  # a user name or password (cheaper than parsing them both)
        raise InvalidLinkError(
            "url", "The url must not carry a user name or password before its host."
        )
    return parts.hostname


def validate_expiry(expires_at: datetime | None, *, now: datetime) -> datetime | None:
    """Return ``expires_at`` in UTC if it is aware and in the future, else raise."""
    if expires_at is None:
        return None
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise InvalidLinkError(
            "expires_at", "The expires_at must carry a time zone, as in 2030-01-01T00:00:00Z."
        )
    try:
        in_utc = expires_at.astimezone(UTC)
    except OverflowError:
        raise InvalidLinkError("expires_at", "The expires_at is out of range.") from None
    if in_utc <= now:
        raise InvalidLinkError("expires_at", "The expires_at must be in the future.")
    if in_utc >= _LATEST:
        raise InvalidLinkError("expires_at", "The expires_at must be before the year 9000.")
    return in_utc


def validate_tags(tags: list[str]) -> list[str]:
    """Return ``tags`` sorted and without duplicates if valid, else raise `InvalidLinkError`."""
    unique = sorted(set(tags))
    if len(unique) > MAX_TAGS:
        raise InvalidLinkError("tags", f"A link has at most {MAX_TAGS} tags (got {len(unique)}).")
    for tag in unique:
        if _TAG.fullmatch(tag) is None:
            raise InvalidLinkError(
                "tags",
                f"The tag {tag[:40]!r} is invalid: use 1 to {MAX_TAG_LENGTH} letters, digits, "
                "'_', '.', ':' or '-', starting with a letter or digit.",
            )
    return unique
