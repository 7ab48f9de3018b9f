"""Opaque pagination cursors: the id of the last link of a page, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from typing import Final

from hop_links.errors import InvalidCursorError

__all__ = ["decode_cursor", "encode_cursor"]

_VERSION: Final = "l1:"
_MAX_ID: Final = 2**63 - 1


def encode_cursor(link_id: int) -> str:
    """Return the cursor that continues a listing after the link ``link_id``."""
    raw = f"{_VERSION}{link_id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the link id a cursor continues after, or raise `InvalidCursorError`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error):
        raise _invalid() from None
    number = raw.removeprefix(_VERSION)
    if not raw.startswith(_VERSION) or not number.isdigit() or len(number) > 19:
        raise _invalid()
    if not 0 < int(number) <= _MAX_ID:
        raise _invalid()
    return int(number)


def _invalid() -> InvalidCursorError:
    return InvalidCursorError(
        "The cursor is not one this API returned; pass next_cursor from the previous page."
    )
