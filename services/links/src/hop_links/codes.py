"""Short codes: random generated ones, and the rules custom aliases follow.

A custom alias is 3 to 64 characters of ``A-Z a-z 0-9 _ -`` starting with a letter or
digit, and not a reserved word (compared case-insensitively): the paths hop itself
serves at the root of the public host must never be shadowed by a link.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Final

from hop_links.errors import InvalidLinkError

__all__ = [
    "ALIAS_PATTERN",
    "CODE_LENGTH",
    "RESERVED_CODES",
    "generate_code",
    "is_plausible_code",
    "is_reserved",
    "validate_alias",
]

CODE_LENGTH: Final = 7
ALPHABET: Final = string.ascii_letters + string.digits
ALIAS_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$"
_ALIAS = re.compile(ALIAS_PATTERN.removesuffix("$"))
#: Anything a lookup could match: generated codes and aliases; the rest is refused unread.
_PLAUSIBLE = re.compile(r"[A-Za-z0-9_-]{1,64}")

RESERVED_CODES: Final = frozenset(
    {
        ".well-known", "admin", "api", "app", "assets", "batch", "docs", "favicon.ico",
        "health", "healthz", "hop", "internal", "links", "livez", "login", "logout",
        "metrics", "openapi.json", "readyz", "redoc", "robots.txt", "sitemap.xml",
        "static", "stats", "status", "www",
    }
)  # fmt: skip


def generate_code() -> str:
    """Return a random 7-character base62 code that is not a reserved word."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not is_reserved(code):
            return code


def is_reserved(code: str) -> bool:
    """Tell whether ``code`` is a reserved word, ignoring case."""
    return code.casefold() in RESERVED_CODES


def is_plausible_code(code: str) -> bool:
    """Tell whether ``code`` could name a link at all (saves a query for junk)."""
    return _PLAUSIBLE.fullmatch(code) is not None


def validate_alias(code: str) -> str:
    """Return ``code`` if it may be claimed as a custom alias, else raise `InvalidLinkError`."""
    if _ALIAS.fullmatch(code) is None:
        raise InvalidLinkError(
            "code",
            f"The alias {code!r} is invalid: use 3 to 64 letters, digits, '_' or '-', "
            "starting with a letter or digit.",
        )
    if is_reserved(code):
        raise InvalidLinkError(
            "code", f"The alias {code!r} is reserved by hop; choose another alias."
        )
    return code
