"""Short codes as every service sees them: the alphabet, the length and the reserved words.

Usage::

    from hop_contracts import is_code, is_reserved

    if is_code(segment) and not is_reserved(segment):
        ...  # worth a lookup

A code is 1 to 64 characters of ``A-Z a-z 0-9 _ -``. Reserved words are the paths hop
serves at the root of its public host; links refuses to create them and redirect never
looks them up. Both compare them case-insensitively.
"""

from __future__ import annotations

import re
from typing import Final

from hop_contracts._route_segments import ROUTE_SEGMENTS

__all__ = [
    "CODE_CHARACTERS",
    "CODE_MAX_LENGTH",
    "CODE_PATTERN",
    "RESERVED_CODES",
    "is_code",
    "is_reserved",
]

#: The characters a code is made of, as a regular-expression class.
CODE_CHARACTERS: Final = "A-Za-z0-9_-"
#: The longest code, generated or chosen.
CODE_MAX_LENGTH: Final = 64
#: A whole code (anchor it or use ``fullmatch``).
CODE_PATTERN: Final = f"[{CODE_CHARACTERS}]{{1,{CODE_MAX_LENGTH}}}"
_CODE: Final = re.compile(CODE_PATTERN)

#: Paths hop itself serves (or may serve) at the root of its public host, lower case: these,
#: and the first segment of every service's public route (the registry's, generated).
RESERVED_CODES: Final = ROUTE_SEGMENTS | frozenset(
    {
        ".well-known", "admin", "api", "app", "assets", "batch", "console", "docs", "favicon.ico",
        "health", "healthz", "hop", "internal", "links", "livez", "login", "logout",
        "metrics", "openapi.json", "readyz", "redoc", "robots.txt", "sitemap.xml",
        "static", "stats", "status", "www",
    }
)  # fmt: skip


def is_code(text: str) -> bool:
    """Tell whether ``text`` is made like a code: 1 to 64 of ``A-Z a-z 0-9 _ -``."""
    return _CODE.fullmatch(text) is not None


def is_reserved(code: str) -> bool:
    """Tell whether ``code`` is a reserved word, ignoring case."""
    return code.casefold() in RESERVED_CODES
