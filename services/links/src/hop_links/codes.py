"""Short codes: random generated ones, and the rules custom aliases follow.

A custom alias is 3 to 64 characters of ``A-Z a-z 0-9 _ -`` starting with a letter or
digit, and not one of `hop_contracts.RESERVED_CODES` (compared case-insensitively): the
paths hop itself serves at the root of the public host must never be shadowed by a link.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Final

from hop_contracts import CODE_CHARACTERS, CODE_MAX_LENGTH, is_reserved
from hop_links.errors import InvalidLinkError

__all__ = [
    "ALIAS_PATTERN",
    "CODE_LENGTH",
    "generate_code",
    "validate_alias",
]

CODE_LENGTH: Final = 7
ALPHABET: Final = string.ascii_letters + string.digits
_UNBIASED: Final = 256 - 256 % len(ALPHABET)
ALIAS_PATTERN: Final = rf"^[A-Za-z0-9][{CODE_CHARACTERS}]{{2,{CODE_MAX_LENGTH - 1}}}$"
_ALIAS = re.compile(ALIAS_PATTERN.removesuffix("$"))


def generate_code() -> str:
    """Return a random 7-character base62 code that is not a reserved word."""
    while True:
        # One read of the OS's randomness per code; bytes >= 248 (4 x 62) are skipped so
        # every character stays uniform (a batch of 1,000 makes 1,000 codes).
        picks = [byte % 62 for byte in secrets.token_bytes(CODE_LENGTH * 2) if byte < _UNBIASED]
        if len(picks) < CODE_LENGTH:
            continue
        code = "".join(ALPHABET[pick] for pick in picks[:CODE_LENGTH])
        if not is_reserved(code):
            return code


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
