"""QR codes of short URLs (segno), as SVG and PNG downloads."""

from __future__ import annotations

import io
from typing import Final

import segno

__all__ = ["QR_FORMATS", "qr_code"]

#: Download kind -> media type.
QR_FORMATS: Final = {"svg": "image/svg+xml", "png": "image/png"}


def qr_code(url: str, kind: str) -> bytes:
    """Return the QR code of ``url`` as ``svg`` or ``png`` (black on white, a quiet zone)."""
    if kind not in QR_FORMATS:
        raise ValueError(f"QR format {kind!r} is not one of {', '.join(QR_FORMATS)}.")
    out = io.BytesIO()
    code = segno.make(url, error="m", micro=False)
    if kind == "svg":
        code.save(out, kind="svg", scale=8, border=4, xmldecl=False, title=url)
    else:
        code.save(out, kind="png", scale=8, border=4)
    return out.getvalue()
