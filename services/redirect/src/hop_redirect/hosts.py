"""Which domain a request's ``Host`` names: the platform, a verified branded domain, or none.

A raw ``Host`` value is read once per distinct value: `canonical_host` folds it as a
browser and links do (port stripped, NFKC, lower case, trailing dot dropped, IDNA to
punycode; an IP literal to its one spelling) and the answer is remembered in a bounded
map, so a request on a known host costs one dict lookup. What a canonical name serves
comes from links' `hop_contracts.VerifiedDomains` list, which `DomainsRefresher`
reloads well within the cache TTL, plus ``HOP_PLATFORM_HOSTS`` (the names `make run`'s
edge and in-cluster callers send for the platform domain).

Until links has answered the list once (links unreachable at start) only the platform
names known from settings are served, and every other host answers 503 (it may be a
verified domain: 404 would be a lie). A links without the list's route (404: older than
branded domains) has no branded domain: every host is the platform's, as before.
A request with no ``Host`` (HTTP/1.0) is for the platform domain.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from hop_contracts import DOMAIN_NAME_MAX_LENGTH, VerifiedDomains, idna_to_ascii

__all__ = ["PLATFORM", "UNKNOWN", "UNSURE", "Hosts", "canonical_host"]

#: The platform domain's key: its cache keys and requests are the code alone, as before.
PLATFORM: Final = ""
#: A host hop does not serve (answered 404, or the fallback URL).
UNKNOWN: Final = "\x00unknown"
#: A host that may be served, but links has not listed its domains yet (answered 503).
UNSURE: Final = "\x00unsure"

_LABEL: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT: Final = re.compile(r"[0-9]{0,5}")  # RFC 9110: the port may be empty
#: The longest Host value that can name a host: a name of 253 characters and a port.
_LONGEST_HOST: Final = DOMAIN_NAME_MAX_LENGTH + len(":65535")
_DOTS: Final = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def canonical_host(raw: bytes | str) -> str | None:
    """Return the canonical name of a ``Host`` value (port stripped), or None if it is none."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return None
    text = text.strip()
    if text.startswith("["):
        address, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and (rest[0] != ":" or not _PORT.fullmatch(rest[1:]))):
            return None
        return _ipv6(address)
    if text.count(":") > 1:
        return _ipv6(text)  # a bare IPv6 literal: no port can be told apart
    name, colon, port = text.partition(":")
    if colon and not _PORT.fullmatch(port):
        return None
    return _name(name)


def _ipv6(text: str) -> str | None:
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def _name(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text).translate(_DOTS).lower()
    text = text.removesuffix(".")
    if not text.isascii():
        try:
            text = idna_to_ascii(text)
        except UnicodeError:
            return None
    if not text or len(text) > DOMAIN_NAME_MAX_LENGTH:
        return None
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        pass
    if not all(_LABEL.fullmatch(label) for label in text.split(".")):
        return None
    return text


class Hosts:
    """Map raw ``Host`` values to the domain they serve: `PLATFORM`, a name, `UNKNOWN`, `UNSURE`.

    ``known`` is the front's hot map (raw value -> domain); a value not in it goes through
    `learn`. It is emptied when the list changes and when it passes ``size`` values.
    """

    def __init__(self, platform_hosts: Iterable[str], *, size: int) -> None:
        self._configured = frozenset(platform_hosts)
        self._platform = self._configured
        self._domains: frozenset[str] = frozenset()
        #: The hosts a target must not be on: links' own host and the verified domains, as
        #: links' guard has them; the extra platform names (``localhost``, in-cluster
        #: names) route requests here but are not hop's public host, so links accepts them.
        self._loop_hosts: frozenset[str] = frozenset()
        self._listed = False
        self._every_host_is_platform = False
        self._size = size
        self.known: dict[bytes, str] = {}

    @property
    def is_listed(self) -> bool:
        """Return whether links' list (or its absence: an older links) was read."""
        return self._listed

    @property
    def domains(self) -> frozenset[str]:
        """Return the verified branded domains served now."""
        return self._domains

    def update(self, verified: VerifiedDomains | None) -> None:
        """Serve the platform host and domains of ``verified`` (None: links has no domains)."""
        self._listed = True
        self._every_host_is_platform = verified is None
        if verified is None:
            self._platform, self._domains = self._configured, frozenset()
            self._loop_hosts = frozenset()
        else:
            self._platform = self._configured | {verified.platform}
            self._domains = frozenset(verified.domains) - self._platform
            self._loop_hosts = self._domains | {verified.platform}
        self.known.clear()

    def learn(self, raw: bytes) -> str:
        """Return the domain ``raw`` serves and remember it (the slow path of the front)."""
        if len(raw) > _LONGEST_HOST:
            return self.domain_of(None)  # no host: not worth its memory (header caps: 32 KiB)
        domain = self.domain_of(canonical_host(raw))
        known = self.known
        if len(known) >= self._size:
            known.clear()  # a flood of made-up hosts: costs re-learning, never memory
        known[raw] = domain
        return domain

    def domain_of(self, name: str | None) -> str:
        """Return the domain a canonical host name serves."""
        if self._every_host_is_platform:
            return PLATFORM
        if name is None:
            return UNKNOWN
        if name in self._platform:
            return PLATFORM
        if name in self._domains:
            return name
        return UNKNOWN if self._listed else UNSURE

    def is_served(self, url: str) -> bool:
        """Return whether ``url`` points at a host hop serves (a redirect loop)."""
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        if host is None:
            return False
        name = canonical_host(host if ":" not in host else f"[{host}]")
        return name is not None and name in self._loop_hosts
