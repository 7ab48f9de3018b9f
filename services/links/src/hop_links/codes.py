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
    "CodeGenerator",
    "generate_code",
    "validate_alias",
]

CODE_LENGTH: Final = 7
ALPHABET: Final = string.ascii_letters + string.digits
_UNBIASED: Final = 256 - 256 % len(ALPHABET)
#: Random bytes to code characters in one C call: byte % 62 picks the character, and
#: bytes >= 248 (4 x 62) are deleted, so every character stays uniform.
_CHARACTERS: Final = bytes(ALPHABET.encode("ascii")[byte % len(ALPHABET)] for byte in range(256))
_BIASED: Final = bytes(range(_UNBIASED, 256))
_CODES_PER_READ: Final = 256
ALIAS_PATTERN: Final = rf"^[A-Za-z0-9][{CODE_CHARACTERS}]{{2,{CODE_MAX_LENGTH - 1}}}$"
_ALIAS = re.compile(ALIAS_PATTERN.removesuffix("$"))


def generate_code() -> str:
    """Return a random 7-character base62 code that is not a reserved word."""
    while True:
        codes = _codes(secrets.token_bytes(CODE_LENGTH * 2))
        if codes:
            return codes[0]


class CodeGenerator:
    """Return codes like `generate_code`, reading the OS's randomness once per 256 codes.

    A batch of 1,000 links needs 1,000 codes; one read and one translation per 256 of them
    cost a fraction of one read per code.
    """

    __slots__ = ("_ready",)

    def __init__(self) -> None:
        self._ready: list[str] = []

    def __call__(self) -> str:
        """Return the next random code."""
        while not self._ready:
            self._ready = _codes(secrets.token_bytes(CODE_LENGTH * _CODES_PER_READ))
        return self._ready.pop()


def _codes(randomness: bytes) -> list[str]:
    text = randomness.translate(_CHARACTERS, _BIASED).decode("ascii")
    whole = len(text) - len(text) % CODE_LENGTH
    codes = (text[start : start + CODE_LENGTH] for start in range(0, whole, CODE_LENGTH))
    return [code for code in codes if not is_reserved(code)]


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
