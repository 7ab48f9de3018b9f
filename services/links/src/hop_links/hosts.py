"""Hosts as a browser reaches them: one canonical form for every spelling, and its kind.

A target's host is compared with hop's own host, and checked against the addresses a
link must not send people to, only after the normalisation a browser applies before it
connects (the WHATWG URL standard's host parser): percent-decoding, full-width and
ideographic characters folded, IDNA to punycode, lower case, no trailing dot, and every
way of writing an IPv4 address (``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``)
or an IPv6 one that embeds IPv4 (``[::ffff:127.0.0.1]``, NAT64, 6to4) read as the address.
"""

from __future__ import annotations

import functools
import ipaddress
import unicodedata
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

from hop_contracts import idna_to_ascii

__all__ = ["CanonicalHost", "InvalidHostError", "canonical_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_DOTS: Final = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
#: Names that always mean this machine or a cloud's instance metadata service.
_LOCAL_NAMES: Final = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_METADATA_NAMES: Final = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
     "instance-data.ec2.internal"}
)  # fmt: skip
_METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(text) for text in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


class InvalidHostError(ValueError):
    """Raise when a host cannot be a host name or an IP address."""


@dataclass(slots=True, frozen=True)
class CanonicalHost:
    """A host in the one form a browser connects to: ``name`` (punycode) or ``address``."""

    name: str
    address: IPAddress | None = None

    @property
    def internal_kind(self) -> str | None:
        """Return why a public link must not point here (``loopback``...), or None."""
        if self.address is None:
            if self.name in _LOCAL_NAMES or self.name.endswith(".localhost"):
                return "loopback"
            return "metadata" if self.name in _METADATA_NAMES else None
        return _address_kind(self.address)


@functools.lru_cache(maxsize=1024)  # at most about 2 MiB of host names
def canonical_host(host: str) -> CanonicalHost:
    """Return the canonical form of ``host`` (as `urlsplit` gives it), or raise.

    Answers are remembered (a bounded LRU; a refusal is not): hop's own host is checked on
    every validation, and a batch's targets mostly share a few hosts.
    """
    text = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        return CanonicalHost(*_ipv6(text))
    name = _ascii(text.lower().rstrip("."))
    if not name:
        raise InvalidHostError(f"The host {host[:100]!r} is empty.")
    if _ends_in_number(name):
        address = _ipv4(name, host)
        return CanonicalHost(str(address), address)
    return CanonicalHost(name)


def _address_kind(address: IPAddress) -> str | None:
    if address in _METADATA_ADDRESSES:
        return "metadata"
    if address.is_loopback or address.is_unspecified:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private or not address.is_global:
        return "private"
    return None


def _ipv6(text: str) -> tuple[str, IPAddress]:
    try:
        address = ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        raise InvalidHostError(f"The host {text[:100]!r} is not a valid IPv6 address.") from None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return str(embedded), embedded
    return str(address), address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64, IPv4-compatible
    return None


def _ascii(name: str) -> str:
    if name.isascii():
        return name
    try:
        return idna_to_ascii(name)
    except UnicodeError:
        raise InvalidHostError(
            f"The host {name[:100]!r} is not a valid internationalised domain name."
        ) from None


def _ends_in_number(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    if last.isdigit():
        return True
    return last[:2] == "0x" and all(c in "0123456789abcdef" for c in last[2:])


def _ipv4(name: str, written: str) -> ipaddress.IPv4Address:
    parts = name.split(".")
    numbers = [number for number in map(_ipv4_number, parts) if number is not None]
    if (
        len(parts) <= 4
        and len(numbers) == len(parts)
        and max(numbers[:-1], default=0) <= 255
        and numbers[-1] < 256 ** (5 - len(parts))
    ):
        high = sum(number * 256 ** (3 - index) for index, number in enumerate(numbers[:-1]))
        return ipaddress.IPv4Address(high + numbers[-1])
    raise InvalidHostError(f"The host {written[:100]!r} is not a valid IPv4 address.")


def _ipv4_number(part: str) -> int | None:
    radix, digits = 10, part
    if part[:2] == "0x":
        radix, digits = 16, part[2:]
    elif len(part) > 1 and part[0] == "0":
        radix, digits = 8, part[1:]
    if not digits:
        return 0 if radix == 16 else None
    allowed = "0123456789abcdef"[:radix]
    if any(c not in allowed for c in digits):
        return None
    return int(digits, radix)
