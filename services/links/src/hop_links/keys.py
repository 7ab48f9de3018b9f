"""API keys: ``hop_`` and 32 random URL-safe characters, stored only as a SHA-256 hash.

The first characters after ``hop_`` are kept in clear as the key's prefix, so operators
can tell keys apart in listings without ever seeing the secret again.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

__all__ = ["KEY_PREFIX", "generate_key", "hash_key", "key_prefix"]

KEY_PREFIX: Final = "hop_"
_RANDOM_BYTES: Final = 24  # 32 URL-safe characters
_SHOWN: Final = 8


def generate_key() -> str:
    """Return a new random API key."""
    return KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of ``key``: what the database stores and looks up."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_prefix(key: str) -> str:
    """Return the non-secret identifying prefix of ``key`` (``hop_`` and 8 characters)."""
    return key[: len(KEY_PREFIX) + _SHOWN]
